# The reference point on Fashion-MNIST detection: mmdet's RetinaNet with a ResNet-18 and FPN, from scratch on
# plain canvases, with the head and budget of retinanet_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det.py (as
# retinanet_r18-plain_fpn_50e_trees.py on the trees).
_base_ = ['./retinanet_r18-plain_fpn_50e_trees.py', './_base_/fmnist_detection.py', './_base_/schedules/fmnist_6e.py']

model = dict(bbox_head=dict(num_classes=10))
train_dataloader, val_dataloader, test_dataloader = _base_.fmnist_dataloaders
val_evaluator = test_evaluator = _base_.fmnist_val_evaluator
train_cfg, param_scheduler, default_hooks = _base_.fmnist_schedule
