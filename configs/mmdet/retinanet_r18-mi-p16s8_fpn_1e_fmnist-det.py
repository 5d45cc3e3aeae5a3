# MI for an existing mmdet detector: mmdet's ResNet-18 RetinaNet of retinanet_r18-plain_fpn_1e_fmnist-det.py on MI
# canvases (P=16, S=8, mixed on the training device). The backbone, FPN, head and optimiser are mmdet's; two
# things change:
_base_ = './retinanet_r18-plain_fpn_1e_fmnist-det.py'

model = dict(
    # 1. The data preprocessor mixes the normalised, padded batch; the MI image is half the photo a side, and the
    #    preprocessor halves the gt boxes and scale_factor with it, so predictions come back in photo pixels.
    data_preprocessor=dict(type='mmppml.EncryptingDetDataPreprocessor', mode='mi', patch_size=16, sub_patch_size=8),
    # 2. On the half-size image the FPN starts one ResNet stage earlier, so its levels (strides 4-64 on the MI
    #    image) sit at the photo strides 8-128 of mmdet's plain detector, with its anchors; starting where it was,
    #    every object would be seen at half the resolution (configs/mmdet/README.md measures both).
    neck=dict(start_level=0),
    bbox_head=dict(anchor_generator=dict(strides=[4, 8, 16, 32, 64])))
