# The YOLOS-style detector on MI images (P=16, S=8, mixed on the training device), shared by the COCO and
# tree configs: learnable detection tokens appended to a PEViT with the MI patch embedding and a 2D sin-cos
# position embedding (MI keeps the layout, and the detection tokens need it to tell where things are), then
# YOLOSHead (DETRHead with YOLOS's 3-layer MLP class branch) with Hungarian matching. A config takes it as
# `model = dict(**_base_.yolos_pevit_mi, ...)` and sets the arch, `num_classes` and `embed_dims`.
yolos_backbone = dict(
    type='mmppml.YOLOSBackbone',
    patch_size=8,  # S: the MI image is embedded per mixed 8x8 block
    patch_cfg=dict(type='mmppml.MIPatchEmbed'),
    num_det_tokens=100,
    pos_embed_cfg=dict(type='sincos'),
    init_cfg=None)
detr_head = dict(
    type='mmppml.YOLOSHead',
    loss_cls=dict(type='CrossEntropyLoss', bg_cls_weight=0.1, use_sigmoid=False, loss_weight=1.0, class_weight=1.0),
    loss_bbox=dict(type='L1Loss', loss_weight=5.0),
    loss_iou=dict(type='GIoULoss', loss_weight=2.0))
yolos_pevit_mi = dict(
    type='mmppml.YOLOS',
    data_preprocessor=dict(  # the mix on the training device; the MI batch is a multiple of 8 px
        type='mmppml.EncryptingDetDataPreprocessor',
        mode='mi',
        patch_size=16,
        sub_patch_size=8,
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=16),
    train_cfg=dict(
        assigner=dict(
            type='HungarianAssigner',
            match_costs=[
                dict(type='ClassificationCost', weight=1.),
                dict(type='BBoxL1Cost', weight=5.0, box_format='xywh'),
                dict(type='IoUCost', iou_mode='giou', weight=2.0)
            ])),
    test_cfg=dict(max_per_img=100))
