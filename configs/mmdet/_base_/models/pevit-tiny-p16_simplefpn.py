# The tiny PEViT backbone (64 dims, 3 layers, 2 heads, patch 16, a learned position embedding resized to each
# input) and its SimpleFPN, shared by the tree and Fashion-MNIST detectors: a config takes them as
# `backbone=dict(_delete_=True, **_base_.pevit_tiny, img_size=...)` and
# `neck=dict(_delete_=True, **_base_.simple_fpn_tiny, scale_factors=...)`.
custom_imports = dict(imports=['mmppml'], allow_failed_imports=False)

tiny_embed_dims, tiny_channels = 64, 48
pevit_tiny = dict(
    type='mmppml.PEViT',
    arch=dict(embed_dims=tiny_embed_dims, num_layers=3, num_heads=2, feedforward_channels=4 * tiny_embed_dims),
    patch_size=16,
    patch_cfg=dict(type='mmppml.ConvPatchEmbed'),
    pos_embed_cfg=dict(type='learned'),
    with_cls_token=False,
    out_type='featmap',
    init_cfg=None)
simple_fpn_tiny = dict(type='mmppml.SimpleFPN', in_channels=tiny_embed_dims, out_channels=tiny_channels)
