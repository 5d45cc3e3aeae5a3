# The MI steps of the COCO configs (P=16, S=8): each 16x16 patch becomes the mean of its four 8x8
# sub-patches. By default the training device mixes the batch (`mi_data_preprocessor`, which each detector
# config merges into its model's data preprocessor, its pad_size_divisor counted in photo pixels): it halves
# the images and records the resize in scale_factor, so predictions are mapped back and CocoMetric scores
# them on the original annotations.
custom_imports = dict(imports=['mmppml'], allow_failed_imports=False)

mi_data_preprocessor = dict(type='mmppml.EncryptingDetDataPreprocessor', mode='mi', patch_size=16, sub_patch_size=8)
# The same MI as a pipeline transform, for the pipeline path: insert it right before PackDetInputs and use
# mmdet's DetDataPreprocessor with pad_size_divisor halved.
mix = dict(type='mmppml.MixSubPatches', patch_size=16, sub_patch_size=8, size_mismatch='pad')
# Annotations are loaded before Resize in testing too, so that the test gt boxes follow the image
# into the MI frame (loaded after Resize, as in mmdet's test pipelines, they would stay in photo
# pixels and the mix would halve them); CocoMetric reads the annotation file either way.
mi_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
