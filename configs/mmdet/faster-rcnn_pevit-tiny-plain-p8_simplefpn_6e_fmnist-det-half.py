# The information-matched reference of faster-rcnn_pevit-tiny-mi-p16s8_simplefpn_6e_fmnist-det.py: the plain
# Faster R-CNN on canvases downscaled by 2, embedded per 8 x 8 patch, with the MI detector's halved strides,
# anchors and RoI level mapping (see retinanet_pevit-tiny-plain-p8_simplefpn_6e_fmnist-det-half.py).
_base_ = ['./faster-rcnn_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det.py', './_base_/fmnist_detection_half.py']

ratio = _base_.fmnist_half_ratio
strides = [4, 8, 16]  # 8, 16, 32 on the photo
model = dict(
    data_preprocessor=dict(pad_size_divisor=64 // ratio),
    backbone=dict(patch_size=16 // ratio, img_size=192 // ratio),
    rpn_head=dict(anchor_generator=dict(strides=strides)),
    roi_head=dict(bbox_roi_extractor=dict(featmap_strides=strides, finest_scale=28)))
train_dataloader = dict(dataset=dict(pipeline=_base_.fmnist_half_train_pipeline))
val_dataloader = test_dataloader = dict(dataset=dict(pipeline=_base_.fmnist_half_test_pipeline))
