# RS: each 32-px image's 8-px patches are shuffled with a fresh permutation; a PEViT (no position
# embedding, reference position encoding) embeds the 16 patches.
_base_ = './_base_/vit-tiny_1xb128-3e_fashion-mnist.py'

# Encrypted on the training device, in training and in testing; `encrypt` is the same step as a pipeline
# transform (see the base config).
data_preprocessor = dict(mode='rs', patch_size=8)
encrypt = dict(type='mmppml.RandomPatchShuffle', patch_size=8)

model = dict(
    backbone=dict(
        type='mmppml.PEViT',
        arch=_base_.tiny_arch,
        img_size=32,
        patch_size=8,
        in_channels=1,
        patch_cfg=dict(type='mmppml.ConvPatchEmbed'),
        pos_embed_cfg=None))  # the layout is hidden: position-free
