# Faster R-CNN with the tiny PEViT of retinanet_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det.py (patch 16,
# learned position embedding) and a 4-level SimpleFPN (strides 4-32) on plain Fashion-MNIST detection
# canvases, at that config's budget. Anchors of 5 x stride (20-160 px) cover the 20-64 px objects.
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py', './_base_/models/pevit-tiny-p16_simplefpn.py',
    './_base_/trees_detection.py', './_base_/schedules/trees_100e.py', './_base_/fmnist_detection.py',
    './_base_/schedules/fmnist_6e.py'
]  # the tree dataset only for the dataloaders these replace

channels = _base_.tiny_channels
strides = [4, 8, 16, 32]
model = dict(
    data_preprocessor=dict(pad_size_divisor=64),
    backbone=dict(_delete_=True, **_base_.pevit_tiny, img_size=192),
    neck=dict(_delete_=True, **_base_.simple_fpn_tiny, scale_factors=(4.0, 2.0, 1.0, 0.5)),
    rpn_head=dict(in_channels=channels, feat_channels=channels, anchor_generator=dict(scales=[5], strides=strides)),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=channels, featmap_strides=strides),
        bbox_head=dict(in_channels=channels, fc_out_channels=256, num_classes=10)))
optim_wrapper = dict(
    clip_grad=dict(max_norm=1.0, norm_type=2), paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.))

train_dataloader, val_dataloader, test_dataloader = _base_.fmnist_dataloaders
val_evaluator = test_evaluator = _base_.fmnist_val_evaluator
train_cfg, param_scheduler, default_hooks = _base_.fmnist_schedule
