# The plain Faster R-CNN fine-tuned from a plain one for 6 more epochs at half the learning rate: the plain
# reference for faster-rcnn_pevit-tiny-mi-p16s8_simplefpn_6e_fmnist-det-plainft.py (same start, same budget).
# Train faster-rcnn_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det.py first (or set load_from).
_base_ = './faster-rcnn_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det.py'

load_from = 'work_dirs/faster-rcnn_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det/epoch_6.pth'
optim_wrapper = dict(optimizer=dict(lr=5e-4))
