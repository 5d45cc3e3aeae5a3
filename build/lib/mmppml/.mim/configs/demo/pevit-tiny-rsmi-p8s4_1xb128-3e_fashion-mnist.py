# RS-on-MI: mix sub-patches as in MI (32 px -> 16 px), then shuffle the 4-px mixed blocks per image;
# the same MI-embedding PEViT, but position-free (the order of the blocks is random).
_base_ = './pevit-tiny-mi-p8s4_1xb128-3e_fashion-mnist.py'

encrypt = dict(type='mmppml.ShuffledMixSubPatches', patch_size=8, sub_patch_size=4)
model = dict(backbone=dict(pos_embed=None, ref_pos_embed=True))  # as the RS model

# The encryption is the last step before PackInputs, in training and in testing.
train_pipeline = [*_base_.train_augment, encrypt, dict(type='PackInputs')]
test_pipeline = [*_base_.test_augment, encrypt, dict(type='PackInputs')]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
