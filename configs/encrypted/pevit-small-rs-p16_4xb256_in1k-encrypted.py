# PEViT-S on an ImageNet copy that its owner encrypted offline with RS (16-px patches, 224 x 224):
# the trainer never sees a plain image. The owner runs, per split (class subfolders):
#   python tools/encrypt_dataset.py data/imagenet/train data/imagenet_rs16/train \
#       --mode rs --patch-size 16 --resize 224 224
#   python tools/encrypt_dataset.py data/imagenet/val data/imagenet_rs16/val \
#       --mode rs --patch-size 16 --resize 224 224
# Each split then holds class folders of PNGs and a manifest.json, which EncryptedImageFolder reads.
_base_ = '../mmpretrain/pevit-small-rs-p16_4xb256_in1k.py'

data_root = 'data/imagenet_rs16'

# The copy is encrypted already: mmpretrain's ImageNet preprocessing, without the online encryption.
data_preprocessor = dict(
    _delete_=True, num_classes=1000, mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
# No Mixup/CutMix: CutMix pastes rectangles across patches and Mixup blends images shuffled with
# different permutations; neither is the encryption of an augmented plain image.
model = dict(train_cfg=None)

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
