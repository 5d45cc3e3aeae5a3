# retinanet_r18-plain_fpn_6e_fmnist-det.py (mmdet's ResNet-18 RetinaNet, from scratch) on MI canvases (P=16,
# S=8, mixed on the training device): the data preprocessor and the anchor scale change, nothing else, as
# retinanet_r18-mi-p16s8_fpn_1e_fmnist-det.py does to mmdet's own config.
_base_ = './retinanet_r18-plain_fpn_6e_fmnist-det.py'

model = dict(
    # 1. The preprocessor mixes the normalised, padded batch; pad_size_divisor counts photo pixels, so 64 keeps the
    #    half-size MI batch a multiple of the ResNet's stride 32.
    data_preprocessor=dict(
        type='mmppml.EncryptingDetDataPreprocessor', mode='mi', patch_size=16, sub_patch_size=8, pad_size_divisor=64),
    # 2. On the half-size image an object spans half the pixels: anchors of half the size cover the same objects.
    bbox_head=dict(anchor_generator=dict(octave_base_scale=1.5)))
