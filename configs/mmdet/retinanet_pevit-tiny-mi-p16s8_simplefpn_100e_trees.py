# The detector of retinanet_pevit-tiny-plain-p16_simplefpn_100e_trees.py trained and tested on MI images
# (P=16, S=8): half-size images, embedded per mixed 8x8 block, so the token grid (stride 8 on the
# MI image, 16 on the photo) and the anchors on the photo are the same as the plain model's.
_base_ = './retinanet_pevit-tiny-plain-p16_simplefpn_100e_trees.py'

patch_size, sub_patch_size = 16, 8
# The training device mixes the batch after mmdet's normalisation and padding (pad_size_divisor 64 photo
# pixels, as the plain model, so 32 on the MI image): the pipelines stay plain. `mix` is the same MI as a
# pipeline transform, for the pipeline path (right before PackDetInputs, with mmdet's DetDataPreprocessor
# at pad_size_divisor=32).
mix = dict(type='mmppml.MixSubPatches', patch_size=patch_size, sub_patch_size=sub_patch_size, size_mismatch='pad')
model = dict(
    data_preprocessor=dict(
        type='mmppml.EncryptingDetDataPreprocessor', mode='mi', patch_size=patch_size, sub_patch_size=sub_patch_size),
    # MI keeps the layout: a learned position embedding, on the grid of a 208-px MI tile (26 x 26 tokens)
    # and resized to each input's grid.
    backbone=dict(
        patch_size=sub_patch_size,
        patch_cfg=dict(type='mmppml.MIPatchEmbed'),
        pos_embed_cfg=dict(type='learned'),
        img_size=208),
    bbox_head=dict(anchor_generator=dict(strides=[4, 8, 16])))  # 8, 16, 32 on the photo

train_pipeline = _base_.train_pipeline
test_pipeline = _base_.test_pipeline
