# Baseline on plain images: mmpretrain's DeiT-S recipe unchanged (ViT with learned position
# embedding, 16-px patches, 300 epochs, 4 x 256 images per batch). The PEViT-S configs here share it.
_base_ = 'mmpretrain::deit/deit-small_4xb256_in1k.py'
