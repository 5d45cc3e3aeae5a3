# The YOLOS-style detector, tiny and from scratch, on MI tree images (P=16, S=8): detection tokens
# appended to a tiny PEViT with the MI patch embedding and a sin-cos position embedding, then
# YOLOSHead with Hungarian matching. YOLOS is meant to start from a trained backbone: see
# yolos_pevit-tiny-mi-p16s8_100e_trees-plainft.py.
_base_ = [
    './_base_/models/yolos_pevit-mi-p16s8.py',
    './_base_/trees_detection.py',
    './_base_/schedules/trees_100e.py',
]
custom_imports = dict(imports=['mmppml'], allow_failed_imports=False)

patch_size, sub_patch_size = 16, 8
embed_dims = 64
model = dict(
    **_base_.yolos_pevit_mi,
    backbone=dict(
        **_base_.yolos_backbone,
        arch=dict(embed_dims=embed_dims, num_layers=3, num_heads=2, feedforward_channels=4 * embed_dims),
        out_indices=(0, 1, 2)),  # auxiliary set losses on the earlier layers
    bbox_head=dict(**_base_.detr_head, num_classes=1, embed_dims=embed_dims))

# The training device mixes the batch (the data preprocessor of yolos_pevit_mi, P and S as here): the
# pipelines stay plain. `mix` is the same MI as a pipeline transform, for the pipeline path (right before
# PackDetInputs, with mmdet's DetDataPreprocessor at pad_size_divisor=8).
mix = dict(type='mmppml.MixSubPatches', patch_size=patch_size, sub_patch_size=sub_patch_size, size_mismatch='pad')
train_pipeline = _base_.train_pipeline
test_pipeline = _base_.test_pipeline

optim_wrapper = dict(optimizer=dict(lr=5e-4, weight_decay=1e-4), clip_grad=dict(max_norm=0.1, norm_type=2))
