# Noisy RS-on-MI: MI (8-px patches, 4-px sub-patches), Gaussian noise (sigma 32 on the 0-255 scale)
# on the 16-px mixed image, then a fresh shuffle of its 4-px blocks; the RS-on-MI model.
_base_ = './pevit-tiny-rsmi-p8s4_1xb128-3e_fashion-mnist.py'

data_preprocessor = dict(mode='noisy-rs-on-mi', sigma=32.)  # on the device, P and S as MI
encrypt = dict(type='mmppml.NoisyShuffledMix', patch_size=8, sub_patch_size=4, sigma=32.)
