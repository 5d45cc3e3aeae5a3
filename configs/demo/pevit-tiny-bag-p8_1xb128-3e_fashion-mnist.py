# Pixel bags: inside every 8-px block of the 32-px image the pixels are permuted afresh, then the 16
# blocks are shuffled; only each block's multiset of values survives. The RS model, with each block
# embedded from its sorted values (mmppml.BagPatchEmbed), position-free, with the reference position encoding.
_base_ = './pevit-tiny-rs-p8_1xb128-3e_fashion-mnist.py'

data_preprocessor = dict(mode='bag')  # on the device, P as RS
encrypt = dict(type='mmppml.RandomPixelBags', patch_size=8)

model = dict(backbone=dict(patch_cfg=dict(type='mmppml.BagPatchEmbed')))
