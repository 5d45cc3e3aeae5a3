# Plain-image baseline on the trees: a tiny PEViT (patch 16) + SimpleFPN + RetinaNet, from scratch.
# retinanet_pevit-tiny-mi-p16s8_simplefpn_100e_trees.py trains the same detector on MI images.
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    './_base_/trees_detection.py',
    'mmdet::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmppml'], allow_failed_imports=False)

embed_dims, channels = 64, 48
model = dict(
    data_preprocessor=dict(pad_size_divisor=64),
    backbone=dict(
        _delete_=True,
        type='mmppml.PEViT',
        arch=dict(embed_dims=embed_dims, num_layers=3, num_heads=2, feedforward_channels=4 * embed_dims),
        patch_size=16,
        embed_mode='rs',
        pos_embed=None,
        with_cls_token=False,
        out_type='featmap',
        init_cfg=None),
    neck=dict(
        _delete_=True,
        type='mmppml.SimpleFPN',
        in_channels=embed_dims,
        out_channels=channels,
        scale_factors=(2.0, 1.0, 0.5)),  # strides 8, 16, 32 on the photo
    bbox_head=dict(
        num_classes=1,
        in_channels=channels,
        feat_channels=channels,
        stacked_convs=2,
        anchor_generator=dict(octave_base_scale=3, strides=[8, 16, 32])))  # anchors of 24..152 px

max_epochs = 100
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
    clip_grad=dict(max_norm=1.0, norm_type=2),
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs, eta_min=1e-5),
]
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=max_epochs),
                     visualization=dict(draw=False))
randomness = dict(seed=0)
