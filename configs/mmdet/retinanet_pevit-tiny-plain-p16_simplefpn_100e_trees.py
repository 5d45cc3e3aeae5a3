# Plain-image baseline on the trees: a tiny PEViT (patch 16) + SimpleFPN + RetinaNet, from scratch.
# retinanet_pevit-tiny-mi-p16s8_simplefpn_100e_trees.py trains the same detector on MI images.
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    './_base_/trees_detection.py',
    './_base_/schedules/trees_100e.py',
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
        # The photo keeps its layout: a learned position embedding, on the grid of a 416-px tile (26 x 26
        # tokens, as the MI models' 208-px MI tile) and resized to each input's grid.
        pos_embed='learned',
        img_size=416,
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

optim_wrapper = dict(
    clip_grad=dict(max_norm=1.0, norm_type=2), paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.))
