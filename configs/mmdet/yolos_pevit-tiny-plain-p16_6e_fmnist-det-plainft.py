# YOLOS on plain Fashion-MNIST detection canvases, the faithful recipe: the backbone of
# retinanet_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det.py (train it first) with 20 detection tokens appended,
# YOLOS's set prediction, 6 epochs evaluated after each. The plain diagnosis of
# yolos_pevit-tiny-mi-p16s8_6e_fmnist-det-plainft.py: the same detector on the photos, patch 16.
_base_ = './yolos_pevit-tiny-mi-p16s8_6e_fmnist-det-plainft.py'

model = dict(
    data_preprocessor=dict(
        _delete_=True,
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=16),
    backbone=dict(patch_size=16, patch_cfg=dict(_delete_=True, type='mmppml.ConvPatchEmbed'), img_size=192))
optim_wrapper = dict(paramwise_cfg=dict(_delete_=True))  # no new embedding to learn faster
