# PEViT-B on MI images: the PEViT-S MI config with what DeiT-B's recipe changes (mmpretrain's
# deit-base_16xb64_in1k.py): the arch, drop path 0.1, 16 x 64 images per batch and an EMA of the weights.
_base_ = './pevit-small-mi-p16s8_4xb256_in1k.py'

model = dict(backbone=dict(arch='deit-base', drop_path_rate=0.1), head=dict(in_channels=768))
train_dataloader = dict(batch_size=64)
custom_hooks = [dict(type='EMAHook', momentum=4e-5, priority='ABOVE_NORMAL')]
