# PEViT-S on RS-on-MI images: as the MI config, then the 8-px mixed blocks of each 112-px image are
# shuffled with a fresh permutation, removing the layout MI keeps.
_base_ = './pevit-mi-small-p16s8_4xb256_in1k.py'

encrypt = dict(type='mmppml.ShuffledMixSubPatches', patch_size=16, sub_patch_size=8)
model = dict(backbone=dict(pos_embed=None))  # the layout is hidden: position-free

train_pipeline = [*_base_.train_pipeline[:-2], encrypt, dict(type='PackInputs')]
test_pipeline = [*_base_.test_pipeline[:-2], encrypt, dict(type='PackInputs')]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
