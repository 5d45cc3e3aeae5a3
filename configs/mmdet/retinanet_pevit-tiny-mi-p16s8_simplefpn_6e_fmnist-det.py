# The MI tree detector of retinanet_pevit-tiny-mi-p16s8_simplefpn_100e_trees.py (P=16, S=8: half-size images
# embedded per mixed 8x8 block, the plain model's 16-px token grid on the photo) on MI Fashion-MNIST
# detection canvases, from scratch, at the plain config's budget. P=16 keeps the plain detector's grid, so
# an object of 20-64 px spans 1-4 tokens either way; S=8 is the method's r=2 mix. The training device mixes
# the batch (the tree config's data preprocessor); `mix` of the tree config is the pipeline path.
_base_ = [
    './retinanet_pevit-tiny-mi-p16s8_simplefpn_100e_trees.py', './_base_/fmnist_detection.py',
    './_base_/schedules/fmnist_6e.py'
]

model = dict(backbone=dict(img_size=96), bbox_head=dict(num_classes=10))  # 12 x 12 tokens, as the plain model
train_dataloader, val_dataloader, test_dataloader = _base_.fmnist_dataloaders
val_evaluator = test_evaluator = _base_.fmnist_val_evaluator
train_cfg, param_scheduler, default_hooks = _base_.fmnist_schedule
