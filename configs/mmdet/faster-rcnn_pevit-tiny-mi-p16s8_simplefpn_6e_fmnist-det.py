# faster-rcnn_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det.py on MI canvases (P=16, S=8), from scratch at the
# same budget: half-size images embedded per mixed 8x8 block (the plain model's token grid), so every
# stride, anchor and the RoI level mapping are halved to stay the same on the photo. The training device
# mixes the batch; `mix` is the same MI as a pipeline transform, for the pipeline path (right before
# PackDetInputs, with mmdet's DetDataPreprocessor at pad_size_divisor=32).
_base_ = './faster-rcnn_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det.py'

patch_size, sub_patch_size = 16, 8
strides = [4, 8, 16]
mix = dict(type='mmppml.MixSubPatches', patch_size=patch_size, sub_patch_size=sub_patch_size, size_mismatch='pad')
model = dict(
    data_preprocessor=dict(
        type='mmppml.EncryptingDetDataPreprocessor', mode='mi', patch_size=patch_size, sub_patch_size=sub_patch_size),
    backbone=dict(patch_size=sub_patch_size, patch_cfg=dict(type='mmppml.MIPatchEmbed'), img_size=96),
    rpn_head=dict(anchor_generator=dict(strides=strides)),
    roi_head=dict(bbox_roi_extractor=dict(featmap_strides=strides, finest_scale=28)))
