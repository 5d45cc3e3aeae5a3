# The adaptation path: a detector trained on plain images, fine-tuned on MI images (P=16, S=8).
# Everything of the plain checkpoint loads as it is except the patch conv, which PEViT converts into the
# linear MI embedding (kernel = sum of its 2 x 2 blocks of 8 x 8; see PEViT._adapt_checkpoint), so
# training starts from the plain detector seen through MI. The new embedding learns at 10x the rate.
# Train retinanet_pevit-tiny-plain-p16_simplefpn_50e_trees.py first (or set load_from).
_base_ = ['./retinanet_pevit-tiny-mi-p16s8_simplefpn_50e_trees.py', './_base_/mi_adaptation.py']

load_from = 'work_dirs/retinanet_pevit-tiny-plain-p16_simplefpn_50e_trees/epoch_50.pth'
model = dict(backbone=dict(**_base_.mi_adaptation_backbone))
optim_wrapper = dict(optimizer=dict(lr=5e-4), paramwise_cfg=_base_.mi_adaptation_paramwise)
