# yolos_pevit-tiny-mi-p16s8_6e_fmnist-det-yolosft-aids.py with denoising tokens as a fifth aid, fine-tuned from
# the plain YOLOS trained with all five (yolos_pevit-tiny-plain-p16_6e_fmnist-det-plainft-aids-dn.py).
_base_ = ['./yolos_pevit-tiny-mi-p16s8_6e_fmnist-det-yolosft-aids.py']

load_from = 'work_dirs/yolos_pevit-tiny-plain-p16_6e_fmnist-det-plainft-aids-dn/epoch_6.pth'
model = dict(**_base_.yolos_denoising)
