# Noisy RS-on-MI: MI (8-px patches, 4-px sub-patches), Gaussian noise (sigma 32 on the 0-255 scale)
# on the 16-px mixed image, then a fresh shuffle of its 4-px blocks; the RS-on-MI model.
_base_ = './pevit-tiny-rsmi-p8s4_1xb128-3e_fashion-mnist.py'

encrypt = dict(type='mmppml.NoisyShuffledMix', patch_size=8, sub_patch_size=4, sigma=32.)

# The encryption is the last step before PackInputs, in training and in testing.
train_pipeline = [*_base_.train_augment, encrypt, dict(type='PackInputs')]
test_pipeline = [*_base_.test_augment, encrypt, dict(type='PackInputs')]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
