# Plain-image baseline on the trees: a tiny PEViT (patch 16) + SimpleFPN + RetinaNet, from scratch.
# retinanet_pevit-tiny-mi-p16s8_simplefpn_100e_trees.py trains the same detector on MI images.
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    './_base_/models/pevit-tiny-p16_simplefpn.py',
    './_base_/trees_detection.py',
    './_base_/schedules/trees_100e.py',
]

channels = _base_.tiny_channels
model = dict(
    data_preprocessor=dict(pad_size_divisor=64),
    # The photo keeps its layout: a learned position embedding, on the grid of a 416-px tile (26 x 26 tokens, as
    # the MI models' 208-px MI tile) and resized to each input's grid.
    backbone=dict(_delete_=True, **_base_.pevit_tiny, img_size=416),
    neck=dict(_delete_=True, **_base_.simple_fpn_tiny, scale_factors=(2.0, 1.0, 0.5)),  # strides 8, 16, 32 on the photo
    bbox_head=dict(
        num_classes=1,
        in_channels=channels,
        feat_channels=channels,
        stacked_convs=2,
        anchor_generator=dict(octave_base_scale=3, strides=[8, 16, 32])))  # anchors of 24..152 px

optim_wrapper = dict(
    clip_grad=dict(max_norm=1.0, norm_type=2), paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.))
