# Plain baseline: mmpretrain's VisionTransformer (learned position embedding) on plain 32-px images,
# 8-px patches (16 tokens + cls).
_base_ = './_base_/vit-tiny_1xb128-3e_fashion-mnist.py'

model = dict(
    backbone=dict(
        type='VisionTransformer', arch=_base_.tiny_arch, img_size=32, patch_size=8, in_channels=1,
        out_type='cls_token'))
