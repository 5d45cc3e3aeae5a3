# The Fashion-MNIST detection pipelines of fmnist_detection.py with the canvases downscaled by r = 2 (area: each
# pixel the mean of 2 x 2 adjacent ones), for the information-matched references of the MI-16/8 detectors
# (MI keeps a quarter of the pixels too). Resize records the factor, so predictions are evaluated in photo
# pixels. A config takes them beside fmnist_detection.py:
#     train_dataloader = dict(dataset=dict(pipeline=_base_.fmnist_half_train_pipeline))
#     val_dataloader = test_dataloader = dict(dataset=dict(pipeline=_base_.fmnist_half_test_pipeline))
fmnist_half_ratio = 2
fmnist_downscale = dict(type='Resize', scale_factor=1 / fmnist_half_ratio, interpolation='area')
fmnist_half_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    fmnist_downscale,
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackDetInputs'),
]
fmnist_half_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    fmnist_downscale,
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
