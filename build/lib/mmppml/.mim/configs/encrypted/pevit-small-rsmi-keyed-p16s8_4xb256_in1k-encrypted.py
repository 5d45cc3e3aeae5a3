# As the RS-on-MI config, on a copy the owner also scrambled with a secret key (a fixed pixel
# permutation and sign mask inside every 8-px block, absorbed exactly by the 8-px patch embedding):
#   python tools/encrypt_dataset.py data/imagenet/train data/imagenet_rsmi16-8-keyed/train \
#       --mode rs-on-mi --patch-size 16 --sub-patch-size 8 --resize 224 224 \
#       --key-file ~/secret/imagenet.key.npz --new-key     # later splits: the same --key-file
# The key stays with the owner. A flip mirrors the key and a colour change moves inverted pixels the
# wrong way, so this copy takes no augmentation at all (EncryptedImageFolder enforces it).
_base_ = './pevit-small-rsmi-p16s8_4xb256_in1k-encrypted.py'

data_root = 'data/imagenet_rsmi16-8-keyed'

train_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
train_dataloader = dict(dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
