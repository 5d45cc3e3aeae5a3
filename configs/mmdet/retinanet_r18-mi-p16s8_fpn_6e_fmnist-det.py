# retinanet_r18-plain_fpn_6e_fmnist-det.py (mmdet's ResNet-18 RetinaNet, from scratch) on MI canvases (P=16,
# S=8, mixed on the training device): the data preprocessor changes, and the levels move one stage up so that
# they sit at the photo strides of the plain detector; backbone, neck and head are otherwise unchanged.
_base_ = './retinanet_r18-plain_fpn_6e_fmnist-det.py'

model = dict(
    # 1. The preprocessor mixes the normalised, padded batch; pad_size_divisor counts photo pixels, so 64 keeps the
    #    half-size MI batch a multiple of the levels' largest stride.
    data_preprocessor=dict(
        type='mmppml.EncryptingDetDataPreprocessor', mode='mi', patch_size=16, sub_patch_size=8, pad_size_divisor=64),
    # 2. The MI image is half the photo a side: ResNet stages 1-3 (strides 4-16 on it) are the photo's 8-32 of
    #    the plain detector, with its anchors (3 x stride); stages 2-4 would see objects at half the resolution.
    backbone=dict(out_indices=(0, 1, 2)),
    neck=dict(in_channels=[64, 128, 256]),
    bbox_head=dict(anchor_generator=dict(strides=[4, 8, 16])))
