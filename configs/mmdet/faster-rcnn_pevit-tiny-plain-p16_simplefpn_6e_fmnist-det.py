# Faster R-CNN with the tiny PEViT of retinanet_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det.py (patch 16,
# learned position embedding) and its 3-level SimpleFPN (strides 8-32) on plain Fashion-MNIST detection
# canvases, at that config's budget. Anchors of 3 x stride (24-96 px, 3 ratios) cover the 20-64 px objects;
# 128 RoIs an image in training and 300 proposals keep a CPU step near the RetinaNet's.
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py', './_base_/models/pevit-tiny-p16_simplefpn.py',
    './_base_/trees_detection.py', './_base_/schedules/trees_100e.py', './_base_/fmnist_detection.py',
    './_base_/schedules/fmnist_6e.py'
]  # the tree dataset only for the dataloaders these replace

channels = _base_.tiny_channels
strides = [8, 16, 32]
model = dict(
    data_preprocessor=dict(pad_size_divisor=64),
    backbone=dict(_delete_=True, **_base_.pevit_tiny, img_size=192),
    neck=dict(_delete_=True, **_base_.simple_fpn_tiny, scale_factors=(2.0, 1.0, 0.5)),
    rpn_head=dict(in_channels=channels, feat_channels=channels, anchor_generator=dict(scales=[3], strides=strides)),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=channels, featmap_strides=strides),
        bbox_head=dict(in_channels=channels, fc_out_channels=256, num_classes=10)),
    train_cfg=dict(rpn_proposal=dict(nms_pre=1000, max_per_img=300), rcnn=dict(sampler=dict(num=128))),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=300)))
optim_wrapper = dict(
    clip_grad=dict(max_norm=1.0, norm_type=2), paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.))

train_dataloader, val_dataloader, test_dataloader = _base_.fmnist_dataloaders
val_evaluator = test_evaluator = _base_.fmnist_val_evaluator
train_cfg, param_scheduler, default_hooks = _base_.fmnist_schedule
