# MI: each 8-px patch of the 32-px image becomes the mean of its four 4-px sub-patches, giving a
# 16-px mixed image; a PEViT with the MI embedding (4-px conv, GELU, 1x1 conv) reads its 16 blocks.
# MI keeps the layout, so the model carries a learned position embedding; position-free, it would be
# the same function as the RS-on-MI model. Next to it the reference PE adds nothing (the ablation on
# a validation split is in the README).
_base_ = './_base_/vit-tiny_1xb128-3e_fashion-mnist.py'

# Encrypted on the training device, in training and in testing; `encrypt` is the same step as a pipeline
# transform (see the base config).
data_preprocessor = dict(mode='mi', patch_size=8, sub_patch_size=4)
encrypt = dict(type='mmppml.MixSubPatches', patch_size=8, sub_patch_size=4)

model = dict(
    backbone=dict(
        type='mmppml.PEViT',
        arch=_base_.tiny_arch,
        img_size=16,
        patch_size=4,
        in_channels=1,
        patch_cfg=dict(type='mmppml.MIPatchEmbed'),
        pos_embed_cfg=dict(type='learned'),
        ref_pos_cfg=None))
