# COCO detection on MI-encrypted images: each 16x16 patch is replaced by the mean of its four 8x8
# sub-patches, as the last step before packing. MixSubPatches halves the image and records the
# resize in scale_factor, so predictions are mapped back and CocoMetric scores them on the
# original annotations.
_base_ = 'mmdet::_base_/datasets/coco_detection.py'

custom_imports = dict(imports=['mmppml'], allow_failed_imports=False)

patch_size, sub_patch_size = 16, 8  # P and S of MI
mix = dict(type='mmppml.MixSubPatches', patch_size=patch_size, sub_patch_size=sub_patch_size,
           size_mismatch='pad')

# MI goes last, right before PackDetInputs.
train_pipeline = _base_.train_pipeline[:-1] + [mix, _base_.train_pipeline[-1]]
# Annotations are loaded before Resize in testing too, so that the test gt boxes follow the image
# into the MI frame (loaded after Resize, as in mmdet's test pipelines, they would stay in photo
# pixels and MixSubPatches would halve them); CocoMetric reads the annotation file either way.
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    mix,
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
