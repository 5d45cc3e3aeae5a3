# faster-rcnn_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det.py on MI canvases (P=16, S=8), from scratch at the
# same budget: half-size images embedded per mixed 8x8 block (the plain model's token grid), so every
# stride, anchor and the RoI level mapping are halved to stay the same on the photo.
_base_ = './faster-rcnn_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det.py'

patch_size, sub_patch_size = 16, 8
strides = [4, 8, 16]
mix = dict(type='mmppml.MixSubPatches', patch_size=patch_size, sub_patch_size=sub_patch_size, size_mismatch='pad')
model = dict(
    data_preprocessor=dict(pad_size_divisor=32),
    backbone=dict(patch_size=sub_patch_size, embed_mode='mi', img_size=96),
    rpn_head=dict(anchor_generator=dict(strides=strides)),
    roi_head=dict(bbox_roi_extractor=dict(featmap_strides=strides, finest_scale=28)))

# MI goes last, right before PackDetInputs.
train_pipeline = _base_.fmnist_train_pipeline[:-1] + [mix, _base_.fmnist_train_pipeline[-1]]
test_pipeline = _base_.fmnist_test_pipeline[:-1] + [mix, _base_.fmnist_test_pipeline[-1]]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
