# Pixel bags: inside every 8-px block of the 32-px image the pixels are permuted afresh, then the 16
# blocks are shuffled; only each block's multiset of values survives. The RS model, with each block
# embedded from its sorted values (embed_mode='bag'), position-free, with the reference position encoding.
_base_ = './pevit-tiny-rs-p8_1xb128-3e_fashion-mnist.py'

encrypt = dict(type='mmppml.RandomPixelBags', patch_size=8)

model = dict(backbone=dict(embed_mode='bag'))

# The encryption is the last step before PackInputs, in training and in testing.
train_pipeline = [*_base_.train_augment, encrypt, dict(type='PackInputs')]
test_pipeline = [*_base_.test_augment, encrypt, dict(type='PackInputs')]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
