# PEViT-S on MI images: DeiT-S recipe; every 16-px patch of the 224-px image becomes the mean of its
# four 8-px sub-patches (a 112-px mixed image), and the MI embedding (8-px conv, GELU, 1x1 conv)
# turns its 14 x 14 blocks into tokens.
_base_ = 'mmpretrain::deit/deit-small_4xb256_in1k.py'
custom_imports = dict(imports=['mmppml'], allow_failed_imports=False)

encrypt = dict(type='mmppml.MixSubPatches', patch_size=16, sub_patch_size=8)

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmppml.PEViT',
        arch='deit-small',
        img_size=112,
        patch_size=8,
        embed_mode='mi',
        pos_embed='learned'))  # MI keeps the layout: a position embedding

# The encryption is the last step before PackInputs.
train_pipeline = [*_base_.train_pipeline[:-1], encrypt, dict(type='PackInputs')]
test_pipeline = [*_base_.test_pipeline[:-1], encrypt, dict(type='PackInputs')]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'.ref_token': dict(decay_mult=0.0)}))
