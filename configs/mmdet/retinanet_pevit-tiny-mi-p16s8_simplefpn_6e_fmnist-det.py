# The MI tree detector of retinanet_pevit-tiny-mi-p16s8_simplefpn_100e_trees.py (P=16, S=8: half-size images
# embedded per mixed 8x8 block, the plain model's 16-px token grid on the photo) on MI Fashion-MNIST
# detection canvases, from scratch, at the plain config's budget. P=16 keeps the plain detector's grid, so
# an object of 20-64 px spans 1-4 tokens either way; S=8 is the method's r=2 mix.
_base_ = [
    './retinanet_pevit-tiny-mi-p16s8_simplefpn_100e_trees.py', './_base_/fmnist_detection.py',
    './_base_/schedules/fmnist_6e.py'
]

# The pipeline path: MI as the last transform before packing (the path these results were measured on),
# then mmdet's own data preprocessor.
mix = dict(type='mmppml.MixSubPatches', patch_size=16, sub_patch_size=8, size_mismatch='pad')
pipeline_preprocessor = dict(
    _delete_=True,
    type='DetDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_size_divisor=32)
model = dict(
    data_preprocessor=pipeline_preprocessor,
    backbone=dict(img_size=96),  # 12 x 12 tokens, as the plain model
    bbox_head=dict(num_classes=10))
train_pipeline = _base_.fmnist_train_pipeline[:-1] + [mix, _base_.fmnist_train_pipeline[-1]]
test_pipeline = _base_.fmnist_test_pipeline[:-1] + [mix, _base_.fmnist_test_pipeline[-1]]
train_dataloader, val_dataloader, test_dataloader = _base_.fmnist_dataloaders
train_dataloader['dataset']['pipeline'] = train_pipeline
val_dataloader['dataset']['pipeline'] = test_pipeline
test_dataloader = val_dataloader
val_evaluator = test_evaluator = _base_.fmnist_val_evaluator
train_cfg, param_scheduler, default_hooks = _base_.fmnist_schedule
