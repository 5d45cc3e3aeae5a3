# PEViT-S on an ImageNet copy that its owner encrypted offline with RS (16-px patches, 224 x 224):
# the trainer never sees a plain image. The owner runs, per split (class subfolders):
#   python tools/encrypt_dataset.py data/imagenet/train data/imagenet_rs16/train \
#       --mode rs --patch-size 16 --resize 224 224
#   python tools/encrypt_dataset.py data/imagenet/val data/imagenet_rs16/val \
#       --mode rs --patch-size 16 --resize 224 224
# Each split then holds class folders of PNGs and a manifest.json, which EncryptedImageFolder reads.
_base_ = 'mmpretrain::deit/deit-small_4xb256_in1k.py'
custom_imports = dict(imports=['mmppml'], allow_failed_imports=False)

data_root = 'data/imagenet_rs16'

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmppml.PEViT',
        arch='deit-small',
        img_size=224,
        patch_size=16,
        embed_mode='rs',
        pos_embed=None),  # RS hides the layout: position-free
    # No Mixup/CutMix: CutMix pastes rectangles across patches and Mixup blends images shuffled with
    # different permutations; neither is the encryption of an augmented plain image.
    train_cfg=None)

# Only augmentations that commute with RS: flips (up to a permutation) and colour changes (exactly).
# EncryptedImageFolder refuses resizing, cropping, padding and warping.
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='mmppml.EncryptedImageFolder',
        data_root=data_root,
        data_prefix='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='mmppml.EncryptedImageFolder',
        data_root=data_root,
        data_prefix='val',
        pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'.ref_token': dict(decay_mult=0.0)}))
