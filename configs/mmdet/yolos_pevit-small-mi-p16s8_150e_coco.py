# YOLOS-style detection on MI-encrypted COCO (P=16, S=8): 100 learnable detection tokens are
# appended to the tokens of a DeiT-S-sized PEViT with the MI patch embedding; after the transformer,
# YOLOSHead (mmdet's DETRHead with a 3-layer MLP class branch) predicts a set of boxes, matched to the
# ground truth by the Hungarian algorithm.
# MI keeps the layout, so the patch tokens get a 2D sin-cos position embedding: the detection
# tokens need it to tell where things are. Settings follow YOLOS-S (AdamW 2.5e-5, 150 epochs,
# DETR's multi-scale augmentation).
_base_ = [
    'mmdet::detr/detr_r50_8xb2-150e_coco.py',
    './_base_/models/yolos_pevit-mi-p16s8.py',
    './_base_/mi-p16s8_pipeline_steps.py',
]

model = dict(
    _delete_=True,
    **_base_.yolos_pevit_mi,
    backbone=dict(**_base_.yolos_backbone, arch='deit-small', drop_path_rate=0.1),
    # or init_cfg=dict(type='Pretrained', checkpoint=<a PEViT-S MI ImageNet checkpoint>) in the backbone
    bbox_head=dict(**_base_.detr_head, num_classes=80, embed_dims=384))

# DETR's multi-scale augmentation; the mix on the training device (yolos_pevit_mi's data preprocessor).
test_pipeline = _base_.mi_test_pipeline
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2.5e-5, weight_decay=1e-4),
    clip_grad=dict(max_norm=0.1, norm_type=2),
    paramwise_cfg=dict(custom_keys={'det_tokens': dict(decay_mult=0.)}))
