# PEViT-S on MI images: DeiT-S recipe; every 16-px patch of the 224-px image becomes the mean of its
# four 8-px sub-patches (a 112-px mixed image), and the MI embedding (8-px conv, GELU, 1x1 conv)
# turns its 14 x 14 blocks into tokens.
_base_ = 'mmpretrain::deit/deit-small_4xb256_in1k.py'
custom_imports = dict(imports=['mmppml'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmppml.PEViT',
        arch='deit-small',
        img_size=112,
        patch_size=8,
        embed_mode='mi',
        pos_embed='learned'))  # MI keeps the layout: a position embedding

# Encrypted on the training device after the DeiT batch augments (Mixup, CutMix), as the official
# training mixes plain images and encrypts the mix; normalisation comes first and commutes with it.
data_preprocessor = dict(type='mmppml.EncryptingClsDataPreprocessor', mode='mi', patch_size=16, sub_patch_size=8)

optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'.ref_token': dict(decay_mult=0.0)}))
