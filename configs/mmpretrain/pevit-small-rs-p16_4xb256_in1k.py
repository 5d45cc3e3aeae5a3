# PEViT-S on RS images: DeiT-S recipe; every 224-px image has its 16-px patches shuffled with a
# fresh permutation (196 patches), after the usual augmentation, in training and in testing.
_base_ = 'mmpretrain::deit/deit-small_4xb256_in1k.py'
custom_imports = dict(imports=['mmppml'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmppml.PEViT',
        arch='deit-small',
        img_size=224,
        patch_size=16,
        patch_cfg=dict(type='mmppml.ConvPatchEmbed'),
        pos_embed_cfg=None))  # RS hides the layout: position-free

# Encrypted on the training device after the DeiT batch augments (Mixup, CutMix), as the official
# training mixes plain images and encrypts the mix; normalisation comes first and commutes with it.
data_preprocessor = dict(type='mmppml.EncryptingClsDataPreprocessor', mode='rs', patch_size=16)

optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'.ref_token': dict(decay_mult=0.0)}))
