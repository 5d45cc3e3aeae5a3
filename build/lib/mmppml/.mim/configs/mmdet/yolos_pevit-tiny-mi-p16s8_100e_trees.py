# The YOLOS-style detector, tiny and from scratch, on MI tree images (P=16, S=8): detection tokens
# appended to a tiny PEViT with the MI patch embedding and a sin-cos position embedding, then
# DETRHead with Hungarian matching.
_base_ = [
    './_base_/trees_detection.py',
    'mmdet::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmppml'], allow_failed_imports=False)

patch_size, sub_patch_size = 16, 8
embed_dims = 64
model = dict(
    type='mmppml.YOLOS',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=sub_patch_size),
    backbone=dict(
        type='mmppml.YOLOSBackbone',
        arch=dict(embed_dims=embed_dims, num_layers=3, num_heads=2, feedforward_channels=4 * embed_dims),
        patch_size=sub_patch_size,
        embed_mode='mi',
        num_det_tokens=100,
        pos_embed='sincos',
        out_indices=(0, 1, 2),  # auxiliary set losses on the earlier layers
        init_cfg=None),
    bbox_head=dict(
        type='DETRHead',
        num_classes=1,
        embed_dims=embed_dims,
        loss_cls=dict(type='CrossEntropyLoss', bg_cls_weight=0.1, use_sigmoid=False,
                      loss_weight=1.0, class_weight=1.0),
        loss_bbox=dict(type='L1Loss', loss_weight=5.0),
        loss_iou=dict(type='GIoULoss', loss_weight=2.0)),
    train_cfg=dict(
        assigner=dict(
            type='HungarianAssigner',
            match_costs=[
                dict(type='ClassificationCost', weight=1.),
                dict(type='BBoxL1Cost', weight=5.0, box_format='xywh'),
                dict(type='IoUCost', iou_mode='giou', weight=2.0)
            ])),
    test_cfg=dict(max_per_img=100))

mix = dict(type='mmppml.MixSubPatches', patch_size=patch_size, sub_patch_size=sub_patch_size,
           size_mismatch='pad')
# MI goes last, right before PackDetInputs.
train_pipeline = _base_.train_pipeline[:-1] + [mix, _base_.train_pipeline[-1]]
test_pipeline = _base_.test_pipeline[:-1] + [mix, _base_.test_pipeline[-1]]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

max_epochs = 100
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=5e-4, weight_decay=1e-4),
    clip_grad=dict(max_norm=0.1, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs, eta_min=1e-5),
]
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=max_epochs),
                     visualization=dict(draw=False))
randomness = dict(seed=0)
