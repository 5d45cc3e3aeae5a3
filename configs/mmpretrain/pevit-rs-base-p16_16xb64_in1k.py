# PEViT-B on RS images: DeiT-B recipe (16 x 64 images per batch, drop path 0.1, EMA); every
# 224-px image has its 16-px patches shuffled with a fresh permutation, in training and in testing.
_base_ = 'mmpretrain::deit/deit-base_16xb64_in1k.py'
custom_imports = dict(imports=['mmppml'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmppml.PEViT',
        arch='deit-base',
        img_size=224,
        patch_size=16,
        embed_mode='rs',
        pos_embed=None,  # RS hides the layout: position-free
        drop_path_rate=0.1))

# Encrypted on the training device after the DeiT batch augments (Mixup, CutMix), as the official
# training mixes plain images and encrypts the mix; normalisation comes first and commutes with it.
data_preprocessor = dict(type='mmppml.EncryptingClsDataPreprocessor', mode='rs', patch_size=16)

optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'.ref_token': dict(decay_mult=0.0)}))
