# PEViT-S on MI images: the PEViT-S RS config (DeiT-S recipe) with MI instead of RS. Every 16-px patch
# of the 224-px image becomes the mean of its four 8-px sub-patches (a 112-px mixed image), and the MI
# embedding (8-px conv, GELU, 1x1 conv) turns its 14 x 14 blocks into tokens.
_base_ = './pevit-small-rs-p16_4xb256_in1k.py'

# MI keeps the layout: a position embedding (`_delete_`: the RS base has none).
model = dict(
    backbone=dict(
        img_size=112,
        patch_size=8,
        patch_cfg=dict(type='mmppml.MIPatchEmbed'),
        pos_embed_cfg=dict(_delete_=True, type='learned')))

data_preprocessor = dict(mode='mi', sub_patch_size=8)
