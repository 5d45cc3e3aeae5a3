# yolos_pevit-tiny-mi-p16s8_6e_fmnist-det-yolosft.py with the four convergence aids of
# _base_/models/yolos_aids.py, fine-tuned from the plain YOLOS trained with them
# (yolos_pevit-tiny-plain-p16_6e_fmnist-det-plainft-aids.py); the dense head reads the MI token grid (stride 8
# on the MI image, 16 on the photo).
_base_ = ['./yolos_pevit-tiny-mi-p16s8_6e_fmnist-det-yolosft.py', './_base_/models/yolos_aids.py']

load_from = 'work_dirs/yolos_pevit-tiny-plain-p16_6e_fmnist-det-plainft-aids/epoch_6.pth'
token_stride = 8
aux_anchors = dict(**_base_.yolos_aux_anchors, strides=[token_stride])
model = dict(
    **_base_.yolos_aids_model,
    aux_head=dict(
        **_base_.yolos_aux_head, num_classes=10, in_channels=64, feat_channels=64, anchor_generator=aux_anchors))
