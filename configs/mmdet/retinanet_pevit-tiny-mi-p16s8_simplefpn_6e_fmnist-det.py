# The MI tree detector of retinanet_pevit-tiny-mi-p16s8_simplefpn_100e_trees.py (P=16, S=8: half-size images
# embedded per mixed 8x8 block, the plain model's 16-px token grid on the photo) on MI Fashion-MNIST
# detection canvases, from scratch, at the plain config's budget. P=16 keeps the plain detector's grid, so
# an object of 20-64 px spans 1-4 tokens either way; S=8 is the method's r=2 mix.
_base_ = [
    './retinanet_pevit-tiny-mi-p16s8_simplefpn_100e_trees.py', './_base_/fmnist_detection.py',
    './_base_/schedules/fmnist_6e.py'
]

model = dict(backbone=dict(img_size=96), bbox_head=dict(num_classes=10))  # 12 x 12 tokens, as the plain model
# MI goes last, right before PackDetInputs.
train_pipeline = _base_.fmnist_train_pipeline[:-1] + [_base_.mix, _base_.fmnist_train_pipeline[-1]]
test_pipeline = _base_.fmnist_test_pipeline[:-1] + [_base_.mix, _base_.fmnist_test_pipeline[-1]]
train_dataloader = dict(_delete_=True, **_base_.fmnist_train_dataloader)
train_dataloader['dataset']['pipeline'] = train_pipeline
val_dataloader = dict(_delete_=True, **_base_.fmnist_val_dataloader)
val_dataloader['dataset']['pipeline'] = test_pipeline
test_dataloader = val_dataloader
val_evaluator = _base_.fmnist_val_evaluator
test_evaluator = val_evaluator
train_cfg = _base_.fmnist_train_cfg
param_scheduler = _base_.fmnist_param_scheduler
default_hooks = _base_.fmnist_default_hooks
