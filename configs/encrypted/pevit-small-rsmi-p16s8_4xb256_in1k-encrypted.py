# PEViT-S on an ImageNet copy encrypted offline with RS-on-MI (P=16, S=8): each 224-px image became
# a 112-px image of 8-px mixed blocks in a random order, which hides both the layout that MI keeps
# and the edges jigsaw solvers match. The owner runs, per split:
#   python tools/encrypt_dataset.py data/imagenet/train data/imagenet_rsmi16-8/train \
#       --mode rs-on-mi --patch-size 16 --sub-patch-size 8 --resize 224 224
_base_ = './pevit-small-rs-p16_4xb256_in1k-encrypted.py'

data_root = 'data/imagenet_rsmi16-8'

# The MI embedding (8-px conv, GELU, 1x1 conv) on the 14 x 14 mixed blocks; no position embedding.
model = dict(backbone=dict(img_size=112, patch_size=8, patch_cfg=dict(type='mmppml.MIPatchEmbed'),
                           pos_embed_cfg=None))  # position-free

# Flips commute up to a permutation; brightness, contrast and saturation commute exactly.
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
