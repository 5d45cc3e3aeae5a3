# Convex MI: each 8-px patch becomes a random convex combination (Dirichlet(1) weights, fresh per patch
# and image) of its four 4-px sub-patches, instead of their mean. The layout is kept, so the model is
# the MI one (MI embedding, learned position embedding).
_base_ = './pevit-tiny-mi-p8s4_1xb128-3e_fashion-mnist.py'

encrypt = dict(type='mmppml.RandomConvexMix', patch_size=8, sub_patch_size=4, concentration=1.)

# The encryption is the last step before PackInputs, in training and in testing.
train_pipeline = [*_base_.train_augment, encrypt, dict(type='PackInputs')]
test_pipeline = [*_base_.test_augment, encrypt, dict(type='PackInputs')]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
