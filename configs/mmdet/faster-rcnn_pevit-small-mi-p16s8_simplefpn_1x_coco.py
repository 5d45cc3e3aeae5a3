# Faster R-CNN on MI-encrypted COCO (P=16, S=8): PEViT-S with the MI patch embedding and a simple
# feature pyramid. On the MI image (half the photo) the levels have strides 2..32, i.e. 4..64 on
# the photo like the usual FPN; anchors (8 x stride) and the RoI level mapping (finest_scale
# halved) are set in MI pixels so that each object meets the same level as in the usual model.
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py',
    './_base_/models/pevit-small-mi-p16s8_simplefpn.py',
    './_base_/coco_detection_mi-p16s8.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py',
]

model = dict(
    data_preprocessor=dict(**_base_.mi_data_preprocessor, pad_size_divisor=64),  # 32 on the MI image
    backbone=dict(_delete_=True, **_base_.pevit_small_mi),
    neck=dict(_delete_=True, **_base_.simple_fpn, scale_factors=(4.0, 2.0, 1.0, 0.5, 0.25)),
    rpn_head=dict(anchor_generator=dict(strides=[2, 4, 8, 16, 32])),
    roi_head=dict(bbox_roi_extractor=dict(featmap_strides=[2, 4, 8, 16], finest_scale=28)))
optim_wrapper = dict(_delete_=True, **_base_.vit_optim_wrapper)
