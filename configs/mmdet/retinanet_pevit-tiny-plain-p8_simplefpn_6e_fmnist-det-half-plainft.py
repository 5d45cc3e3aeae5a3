# The information-matched reference of retinanet_pevit-tiny-mi-p16s8_simplefpn_6e_fmnist-det-plainft.py: the
# plain detector of retinanet_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det.py (train it first, or set load_from)
# fine-tuned for 6 epochs on canvases downscaled by 2, with the MI fine-tuning's recipe: its 16 x 16 patch conv
# converted into the 8 x 8 one (the sum of adjacent 2 x 2 pixels, the conv for downscaled images) learning
# at 10x the rate, everything else at 5e-4.
_base_ = ['./retinanet_pevit-tiny-plain-p8_simplefpn_6e_fmnist-det-half.py', './_base_/mi_adaptation.py']

load_from = 'work_dirs/retinanet_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det/epoch_6.pth'
optim_wrapper = dict(optimizer=dict(lr=5e-4), paramwise_cfg=_base_.mi_adaptation_paramwise)
