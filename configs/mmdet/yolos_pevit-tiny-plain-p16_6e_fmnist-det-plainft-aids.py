# yolos_pevit-tiny-plain-p16_6e_fmnist-det-plainft.py with the four training-only aids of
# _base_/models/yolos_aids.py: one-to-many matching on 60 masked extra tokens, a dense RetinaHead on the patch
# tokens (stride 16), detection tokens started from the top-scoring patches, focal classification.
_base_ = ['./yolos_pevit-tiny-plain-p16_6e_fmnist-det-plainft.py', './_base_/models/yolos_aids.py']

token_stride = 16
model = dict(
    backbone=dict(**_base_.yolos_one_to_many['backbone'], **_base_.yolos_top_patches['backbone']),
    one_to_many_cfg=_base_.yolos_one_to_many['one_to_many_cfg'],
    aux_head=dict(
        **_base_.yolos_aux_head,
        num_classes=10,
        in_channels=64,
        feat_channels=64,
        anchor_generator=dict(**_base_.yolos_aux_anchors, strides=[token_stride])),
    bbox_head=dict(loss_cls=_base_.yolos_focal_loss),
    train_cfg=dict(assigner=dict(match_costs=_base_.yolos_focal_match_costs)))
