# The adaptation path for Faster R-CNN on Fashion-MNIST detection, as
# retinanet_pevit-tiny-mi-p16s8_simplefpn_6e_fmnist-det-plainft.py does for RetinaNet: the plain detector of
# faster-rcnn_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det.py (train it first, or set load_from), its patch
# conv converted into the linear MI embedding, fine-tuned on MI canvases for 6 epochs (the new embedding at
# 10x the rate).
_base_ = ['./faster-rcnn_pevit-tiny-mi-p16s8_simplefpn_6e_fmnist-det.py', './_base_/mi_adaptation.py']

load_from = 'work_dirs/faster-rcnn_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det/epoch_6.pth'
model = dict(backbone=dict(**_base_.mi_adaptation_backbone))
optim_wrapper = dict(optimizer=dict(lr=5e-4), paramwise_cfg=_base_.mi_adaptation_paramwise)
