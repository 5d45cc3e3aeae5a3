# yolos_pevit-tiny-plain-p16_6e_fmnist-det-plainft.py with the four convergence aids of
# _base_/models/yolos_aids.py: one-to-many matching on 60 masked extra tokens, a dense RetinaHead on the patch
# tokens (stride 16), detection tokens started from the top-scoring patches, focal classification.
_base_ = ['./yolos_pevit-tiny-plain-p16_6e_fmnist-det-plainft.py', './_base_/models/yolos_aids.py']

token_stride = 16
aux_anchors = dict(**_base_.yolos_aux_anchors, strides=[token_stride])
model = dict(
    **_base_.yolos_aids_model,
    aux_head=dict(
        **_base_.yolos_aux_head, num_classes=10, in_channels=64, feat_channels=64, anchor_generator=aux_anchors))
