# The information-matched reference of faster-rcnn_pevit-tiny-mi-p16s8_simplefpn_6e_fmnist-det-plainft.py: the
# plain Faster R-CNN of faster-rcnn_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det.py (train it first, or set
# load_from) fine-tuned for 6 epochs on canvases downscaled by 2 with the MI fine-tuning's recipe (the patch
# conv converted for downscaled images, at 10x the rate), as the RetinaNet's -half-plainft config.
_base_ = ['./faster-rcnn_pevit-tiny-plain-p8_simplefpn_6e_fmnist-det-half.py', './_base_/mi_adaptation.py']

load_from = 'work_dirs/faster-rcnn_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det/epoch_6.pth'
optim_wrapper = dict(optimizer=dict(lr=5e-4), paramwise_cfg=_base_.mi_adaptation_paramwise)
