# Faster R-CNN on MI-encrypted COCO (P=16, S=8): PEViT-S with the MI patch embedding and a simple
# feature pyramid. On the MI image (half the photo) the levels have strides 2..32, i.e. 4..64 on
# the photo like the usual FPN; anchors (8 x stride) and the RoI level mapping (finest_scale
# halved) are set in MI pixels so that each object meets the same level as in the usual model.
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py',
    './_base_/coco_detection_mi-p16s8.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py',
]

embed_dims = 384
model = dict(
    data_preprocessor=dict(pad_size_divisor=32),
    backbone=dict(
        _delete_=True,
        type='mmppml.PEViT',
        arch='deit-small',
        patch_size=8,  # S: the MI image is embedded per mixed 8x8 block
        embed_mode='mi',
        pos_embed='learned',  # MI keeps the layout; resized to each input's token grid
        img_size=512,  # the grid it is learned on (64 x 64 tokens)
        with_cls_token=False,
        out_type='featmap',
        drop_path_rate=0.1,
        init_cfg=None),  # or dict(type='Pretrained', checkpoint=<a PEViT-S MI ImageNet checkpoint>)
    neck=dict(
        _delete_=True,
        type='mmppml.SimpleFPN',
        in_channels=embed_dims,
        out_channels=256,
        scale_factors=(4.0, 2.0, 1.0, 0.5, 0.25)),
    rpn_head=dict(anchor_generator=dict(strides=[2, 4, 8, 16, 32])),
    roi_head=dict(bbox_roi_extractor=dict(featmap_strides=[2, 4, 8, 16], finest_scale=28)))

optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.1),
    clip_grad=dict(max_norm=1.0, norm_type=2),
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.,
                       custom_keys={'ref_token': dict(decay_mult=0.)}))
