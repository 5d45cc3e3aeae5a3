# Aids that help the YOLOS-style detector learn on small data (see mmppml.YOLOS; the first two train only),
# each a dict a config merges into its model; all are off in the faithful YOLOS configs:
#   one-to-many matching: training-only detection tokens behind an attention mask, matched to every box
#       repeated `num_repeats` times (H-DETR's auxiliary branch, DE-DETR's label repetition);
#   a dense auxiliary head on the patch tokens: a single-level RetinaHead at the token stride (Co-DETR);
#   detection tokens started from the top-scoring patch tokens (the query selection of DINO and ViDT);
#   focal classification with a matching focal cost (Deformable DETR, DINO).
# yolos_aids_model holds all four but the dense head, whose `num_classes`, `in_channels`, `feat_channels` and
# `anchor_generator` (yolos_aux_anchors with `strides=[the token stride on the input]`: anchors of 2-3.2 tokens)
# a config sets: model = dict(**_base_.yolos_aids_model, aux_head=dict(**_base_.yolos_aux_head, ...)).
yolos_one_to_many = dict(
    backbone=dict(num_extra_det_tokens=60),  # 4 copies of up to 15 boxes
    one_to_many_cfg=dict(num_repeats=4, loss_weight=1.0))
yolos_top_patches = dict(backbone=dict(det_token_init='top_patches'))
yolos_aux_anchors = dict(type='AnchorGenerator', octave_base_scale=2, scales_per_octave=3, ratios=[0.5, 1.0, 2.0])
yolos_aux_head = dict(
    type='RetinaHead',
    stacked_convs=2,
    bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[.0, .0, .0, .0], target_stds=[1.0, 1.0, 1.0, 1.0]),
    loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
    loss_bbox=dict(type='L1Loss', loss_weight=1.0),
    train_cfg=dict(
        assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4, min_pos_iou=0, ignore_iof_thr=-1),
        sampler=dict(type='PseudoSampler'),
        allowed_border=-1,
        pos_weight=-1,
        debug=False))
yolos_focal_loss = dict(_delete_=True, type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=2.0)
yolos_focal_match_costs = [  # the box costs of yolos_pevit-mi-p16s8.py
    dict(type='FocalLossCost', weight=2.0),
    dict(type='BBoxL1Cost', weight=5.0, box_format='xywh'),
    dict(type='IoUCost', iou_mode='giou', weight=2.0)
]
yolos_aids_model = dict(
    backbone=dict(**yolos_one_to_many['backbone'], **yolos_top_patches['backbone']),
    one_to_many_cfg=yolos_one_to_many['one_to_many_cfg'],
    bbox_head=dict(loss_cls=yolos_focal_loss),
    train_cfg=dict(assigner=dict(match_costs=yolos_focal_match_costs)))
# Denoising tokens (DN-DETR, DINO), a fifth aid, training only: 3 noised copies of every box, hidden from the
# other tokens, each brought back to its box and class without matching; a config adds it to its model:
# model = dict(..., **_base_.yolos_denoising).
yolos_denoising = dict(denoising_cfg=dict(num_groups=3, label_noise=0.2, box_noise=0.4, loss_weight=1.0))
