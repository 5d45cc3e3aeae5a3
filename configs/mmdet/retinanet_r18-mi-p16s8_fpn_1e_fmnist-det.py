# MI for an existing mmdet detector: mmdet's ResNet-18 RetinaNet of retinanet_r18-plain_fpn_1e_fmnist-det.py on MI
# canvases (P=16, S=8, mixed on the training device). The backbone, FPN, head and optimiser are mmdet's; two
# lines change:
_base_ = './retinanet_r18-plain_fpn_1e_fmnist-det.py'

model = dict(
    # 1. The data preprocessor mixes the normalised, padded batch; the MI image is half the photo a side, and the
    #    preprocessor halves the gt boxes and scale_factor with it, so predictions come back in photo pixels.
    data_preprocessor=dict(type='mmppml.EncryptingDetDataPreprocessor', mode='mi', patch_size=16, sub_patch_size=8),
    # 2. On the half-size image an object spans half the pixels, so the anchors are halved to cover the same
    #    objects (mmdet's octave_base_scale=4 gives 32-px anchors at stride 8, 64 px of the photo).
    bbox_head=dict(anchor_generator=dict(octave_base_scale=2)))
