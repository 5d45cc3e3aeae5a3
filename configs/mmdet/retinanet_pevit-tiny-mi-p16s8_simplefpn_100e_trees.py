# The detector of retinanet_pevit-tiny-plain-p16_simplefpn_100e_trees.py trained and tested on MI images
# (P=16, S=8): half-size images, embedded per mixed 8x8 block, so the token grid (stride 8 on the
# MI image, 16 on the photo) and the anchors on the photo are the same as the plain model's.
_base_ = './retinanet_pevit-tiny-plain-p16_simplefpn_100e_trees.py'

patch_size, sub_patch_size = 16, 8
mix = dict(type='mmppml.MixSubPatches', patch_size=patch_size, sub_patch_size=sub_patch_size, size_mismatch='pad')
model = dict(
    data_preprocessor=dict(pad_size_divisor=32),
    # MI keeps the layout: a learned position embedding, on the grid of a 208-px MI tile (26 x 26 tokens)
    # and resized to each input's grid.
    backbone=dict(patch_size=sub_patch_size, embed_mode='mi', pos_embed='learned', img_size=208),
    bbox_head=dict(anchor_generator=dict(strides=[4, 8, 16])))  # 8, 16, 32 on the photo

# MI goes last, right before PackDetInputs.
train_pipeline = _base_.train_pipeline[:-1] + [mix, _base_.train_pipeline[-1]]
test_pipeline = _base_.test_pipeline[:-1] + [mix, _base_.test_pipeline[-1]]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
