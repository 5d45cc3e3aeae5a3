# The reference point: mmdet's RetinaNet with a ResNet-18 and FPN, from scratch on plain tree tiles, on the
# budget and head of retinanet_pevit-tiny-plain-p16_simplefpn_50e_trees.py (3 levels at strides 8-32, 48
# channels, 2 stacked convs, the same AdamW schedule). BN statistics are trained (nothing is pretrained).
_base_ = './retinanet_pevit-tiny-plain-p16_simplefpn_50e_trees.py'

channels = 48
model = dict(
    data_preprocessor=dict(pad_size_divisor=32),
    backbone=dict(
        _delete_=True,
        type='ResNet',
        depth=18,
        num_stages=4,
        out_indices=(1, 2, 3),  # strides 8, 16, 32
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        style='pytorch',
        init_cfg=None),
    neck=dict(_delete_=True, type='FPN', in_channels=[128, 256, 512], out_channels=channels, num_outs=3))
