# The adaptation path on Fashion-MNIST detection: the plain detector of
# retinanet_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det.py (train it first, or set load_from), its patch conv
# converted into the linear MI embedding, fine-tuned on MI canvases for 6 epochs (the new embedding at 10x
# the rate), as retinanet_pevit-tiny-mi-p16s8_simplefpn_50e_trees-plainft.py does on the trees.
_base_ = ['./retinanet_pevit-tiny-mi-p16s8_simplefpn_6e_fmnist-det.py', './_base_/mi_adaptation.py']

load_from = 'work_dirs/retinanet_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det/epoch_6.pth'
model = dict(backbone=dict(**_base_.mi_adaptation_backbone))
optim_wrapper = dict(optimizer=dict(lr=5e-4), paramwise_cfg=_base_.mi_adaptation_paramwise)
