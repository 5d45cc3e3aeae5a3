# Convex MI: each 8-px patch becomes a random convex combination (Dirichlet(1) weights, fresh per patch
# and image) of its four 4-px sub-patches, instead of their mean. The layout is kept, so the model is
# the MI one (MI embedding, learned position embedding).
_base_ = './pevit-tiny-mi-p8s4_1xb128-3e_fashion-mnist.py'

data_preprocessor = dict(mode='convex-mi', concentration=1.)  # on the device, P and S as MI
encrypt = dict(type='mmppml.RandomConvexMix', patch_size=8, sub_patch_size=4, concentration=1.)
