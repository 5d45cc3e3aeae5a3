# The tree detector of retinanet_pevit-tiny-plain-p16_simplefpn_100e_trees.py (tiny PEViT, patch 16, SimpleFPN
# at strides 8-32, RetinaNet) on plain Fashion-MNIST detection canvases: 10 classes, 6 epochs.
_base_ = [
    './retinanet_pevit-tiny-plain-p16_simplefpn_100e_trees.py', './_base_/fmnist_detection.py',
    './_base_/schedules/fmnist_6e.py'
]

model = dict(
    backbone=dict(img_size=192),  # the learned position embedding on the 12 x 12 grid of the largest canvas
    bbox_head=dict(num_classes=10))
train_dataloader, val_dataloader, test_dataloader = _base_.fmnist_dataloaders
val_evaluator = test_evaluator = _base_.fmnist_val_evaluator
train_cfg, param_scheduler, default_hooks = _base_.fmnist_schedule
