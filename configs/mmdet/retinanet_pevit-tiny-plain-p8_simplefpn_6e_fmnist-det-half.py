# The information-matched reference of retinanet_pevit-tiny-mi-p16s8_simplefpn_6e_fmnist-det.py: the plain
# detector on canvases downscaled by 2 (MI-16/8 keeps a quarter of the pixels too), embedded per 8 x 8 patch,
# so the token grid on the photo (stride 16), the pyramid, the anchors on the photo and the compute are the
# MI detector's; only the quarter of the pixels kept differs (adjacent means here, MI's means of pixels 8 px
# apart there).
_base_ = ['./retinanet_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det.py', './_base_/fmnist_detection_half.py']

ratio = _base_.fmnist_half_ratio
model = dict(
    data_preprocessor=dict(pad_size_divisor=64 // ratio),
    backbone=dict(patch_size=16 // ratio, img_size=192 // ratio),  # 12 x 12 tokens, as the plain and MI models
    bbox_head=dict(anchor_generator=dict(strides=[4, 8, 16])))  # 8, 16, 32 on the photo
train_dataloader = dict(dataset=dict(pipeline=_base_.fmnist_half_train_pipeline))
val_dataloader = test_dataloader = dict(dataset=dict(pipeline=_base_.fmnist_half_test_pipeline))
