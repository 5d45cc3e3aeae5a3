# RS-on-MI: mix sub-patches as in MI (32 px -> 16 px), then shuffle the 4-px mixed blocks per image;
# the same MI-embedding PEViT, but position-free (the order of the blocks is random).
_base_ = './pevit-tiny-mi-p8s4_1xb128-3e_fashion-mnist.py'

data_preprocessor = dict(mode='rs-on-mi')  # on the device, P and S as MI
encrypt = dict(type='mmppml.ShuffledMixSubPatches', patch_size=8, sub_patch_size=4)
# As the RS model: position-free, with the reference position encoding (`_delete_`: the base has none).
model = dict(backbone=dict(pos_embed_cfg=None, ref_pos_cfg=dict(_delete_=True, type='mmppml.ReferencePosEmbed')))
