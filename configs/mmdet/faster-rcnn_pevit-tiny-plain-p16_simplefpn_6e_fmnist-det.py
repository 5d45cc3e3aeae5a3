# Faster R-CNN with the tiny PEViT of retinanet_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det.py (patch 16,
# learned position embedding) and a 4-level SimpleFPN (strides 4-32) on plain Fashion-MNIST detection
# canvases, at that config's budget. Anchors of 5 x stride (20-160 px) cover the 20-64 px objects.
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py', './_base_/trees_detection.py', './_base_/schedules/trees_100e.py',
    './_base_/fmnist_detection.py', './_base_/schedules/fmnist_6e.py'
]  # the tree dataset only for the dataloaders these replace
custom_imports = dict(imports=['mmppml'], allow_failed_imports=False)

embed_dims, channels = 64, 48
strides = [4, 8, 16, 32]
model = dict(
    data_preprocessor=dict(pad_size_divisor=64),
    backbone=dict(
        _delete_=True,
        type='mmppml.PEViT',
        arch=dict(embed_dims=embed_dims, num_layers=3, num_heads=2, feedforward_channels=4 * embed_dims),
        patch_size=16,
        embed_mode='rs',
        pos_embed='learned',
        img_size=192,
        with_cls_token=False,
        out_type='featmap',
        init_cfg=None),
    neck=dict(
        _delete_=True,
        type='mmppml.SimpleFPN',
        in_channels=embed_dims,
        out_channels=channels,
        scale_factors=(4.0, 2.0, 1.0, 0.5)),
    rpn_head=dict(in_channels=channels, feat_channels=channels, anchor_generator=dict(scales=[5], strides=strides)),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=channels, featmap_strides=strides),
        bbox_head=dict(in_channels=channels, fc_out_channels=256, num_classes=10)))
optim_wrapper = dict(
    clip_grad=dict(max_norm=1.0, norm_type=2), paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.))

train_dataloader, val_dataloader, test_dataloader = _base_.fmnist_dataloaders
val_evaluator = test_evaluator = _base_.fmnist_val_evaluator
train_cfg, param_scheduler, default_hooks = _base_.fmnist_schedule
