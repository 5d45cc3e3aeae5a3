# YOLOS-style detection on MI-encrypted COCO (P=16, S=8): 100 learnable detection tokens are
# appended to the tokens of a DeiT-S-sized PEViT with the MI patch embedding; after the transformer,
# mmdet's DETRHead predicts a set of boxes, matched to the ground truth by the Hungarian algorithm.
# MI keeps the layout, so the patch tokens get a 2D sin-cos position embedding: the detection
# tokens need it to tell where things are. Settings follow YOLOS-S (AdamW 2.5e-5, 150 epochs,
# DETR's multi-scale augmentation).
_base_ = 'mmdet::detr/detr_r50_8xb2-150e_coco.py'

custom_imports = dict(imports=['mmppml'], allow_failed_imports=False)

patch_size, sub_patch_size = 16, 8  # P and S of MI
embed_dims = 384
model = dict(
    _delete_=True,
    type='mmppml.YOLOS',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=sub_patch_size),
    backbone=dict(
        type='mmppml.YOLOSBackbone',
        arch='deit-small',
        patch_size=sub_patch_size,
        embed_mode='mi',
        num_det_tokens=100,
        pos_embed='sincos',
        drop_path_rate=0.1,
        init_cfg=None),  # or dict(type='Pretrained', checkpoint=<a PEViT-S MI ImageNet checkpoint>)
    bbox_head=dict(
        type='DETRHead',
        num_classes=80,
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
# DETR's multi-scale augmentation, then MI right before PackDetInputs.
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

optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2.5e-5, weight_decay=1e-4),
    clip_grad=dict(max_norm=0.1, norm_type=2),
    paramwise_cfg=dict(custom_keys={'det_tokens': dict(decay_mult=0.)}))
