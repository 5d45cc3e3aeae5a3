# RetinaNet on MI-encrypted COCO (P=16, S=8): PEViT-S with the MI patch embedding and a simple
# feature pyramid. The MI image is half the size of the resized photo and the PEViT token grid has
# stride 8 on it (16 on the photo); the pyramid strides 4..64 on the MI image are 8..128 on the
# photo, and the anchors (4 x stride, 3 scales, 3 ratios) cover the same photo sizes as the usual
# RetinaNet.
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    './_base_/models/pevit-small-mi-p16s8_simplefpn.py',
    './_base_/coco_detection_mi-p16s8.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py',
]

model = dict(
    data_preprocessor=dict(**_base_.mi_data_preprocessor, pad_size_divisor=128),  # 64 on the MI image
    backbone=dict(_delete_=True, **_base_.pevit_small_mi),
    neck=dict(_delete_=True, **_base_.simple_fpn, scale_factors=(2.0, 1.0, 0.5, 0.25, 0.125)),
    bbox_head=dict(anchor_generator=dict(strides=[4, 8, 16, 32, 64])))
optim_wrapper = dict(_delete_=True, **_base_.vit_optim_wrapper)
