# yolos_pevit-tiny-plain-p16_6e_fmnist-det-plainft-aids.py with denoising tokens as a fifth aid
# (_base_/models/yolos_aids.py: 3 noised copies of every box, training only).
_base_ = ['./yolos_pevit-tiny-plain-p16_6e_fmnist-det-plainft-aids.py']

model = dict(**_base_.yolos_denoising)
