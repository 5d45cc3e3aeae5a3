# RS: each 32-px image's 8-px patches are shuffled with a fresh permutation; a PEViT (no position
# embedding, reference position encoding) embeds the 16 patches.
_base_ = './_base_/vit-tiny_1xb128-3e_fashion-mnist.py'

encrypt = dict(type='mmppml.RandomPatchShuffle', patch_size=8)

model = dict(
    backbone=dict(
        type='mmppml.PEViT',
        arch=_base_.tiny_arch,
        img_size=32,
        patch_size=8,
        in_channels=1,
        embed_mode='rs',
        pos_embed=None))  # the layout is hidden: position-free

# The encryption is the last step before PackInputs, in training and in testing.
train_pipeline = [*_base_.train_augment, encrypt, dict(type='PackInputs')]
test_pipeline = [*_base_.test_augment, encrypt, dict(type='PackInputs')]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
