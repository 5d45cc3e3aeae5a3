# PEViT-S on RS-on-MI images: as the MI config, then the 8-px mixed blocks of each 112-px image are
# shuffled with a fresh permutation, removing the layout MI keeps.
_base_ = './pevit-small-mi-p16s8_4xb256_in1k.py'

data_preprocessor = dict(mode='rs-on-mi')
model = dict(backbone=dict(pos_embed_cfg=None))  # the layout is hidden: position-free
