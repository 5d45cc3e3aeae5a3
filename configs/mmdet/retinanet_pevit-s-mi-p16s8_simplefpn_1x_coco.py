# RetinaNet on MI-encrypted COCO (P=16, S=8): PEViT-S with the MI patch embedding and a simple
# feature pyramid. The MI image is half the size of the resized photo and the PEViT token grid has
# stride 8 on it (16 on the photo); the pyramid strides 4..64 on the MI image are 8..128 on the
# photo, and the anchors (4 x stride, 3 scales, 3 ratios) cover the same photo sizes as the usual
# RetinaNet.
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    './_base_/coco_detection_mi-p16s8.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py',
]

embed_dims = 384
model = dict(
    data_preprocessor=dict(pad_size_divisor=64),
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
        scale_factors=(2.0, 1.0, 0.5, 0.25, 0.125)),
    bbox_head=dict(anchor_generator=dict(strides=[4, 8, 16, 32, 64])))

optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.1),
    clip_grad=dict(max_norm=1.0, norm_type=2),
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.,
                       custom_keys={'ref_token': dict(decay_mult=0.)}))
