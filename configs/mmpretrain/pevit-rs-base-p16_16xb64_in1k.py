# PEViT-B on RS images: DeiT-B recipe (16 x 64 images per batch, drop path 0.1, EMA); every
# 224-px image has its 16-px patches shuffled with a fresh permutation, in training and in testing.
_base_ = 'mmpretrain::deit/deit-base_16xb64_in1k.py'
custom_imports = dict(imports=['mmppml'], allow_failed_imports=False)

encrypt = dict(type='mmppml.RandomPatchShuffle', patch_size=16)

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

# The encryption is the last step before PackInputs.
train_pipeline = [*_base_.train_pipeline[:-1], encrypt, dict(type='PackInputs')]
test_pipeline = [*_base_.test_pipeline[:-1], encrypt, dict(type='PackInputs')]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'.ref_token': dict(decay_mult=0.0)}))
