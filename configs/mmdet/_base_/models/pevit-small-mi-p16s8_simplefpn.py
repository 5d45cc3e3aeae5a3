# What the COCO detectors on MI images (P=16, S=8) share: PEViT-S with the MI patch embedding, a
# simple feature pyramid and the ViT optimiser. A detector config inherits this file next to mmdet's
# model and takes the parts with `backbone=dict(_delete_=True, **_base_.pevit_small_mi)` etc.
embed_dims = 384
pevit_small_mi = dict(
    type='mmppml.PEViT',
    arch='deit-small',
    patch_size=8,  # S: the MI image is embedded per mixed 8x8 block
    patch_cfg=dict(type='mmppml.MIPatchEmbed'),
    pos_embed_cfg=dict(type='learned'),  # MI keeps the layout; resized to each input's token grid
    img_size=512,  # the grid it is learned on (64 x 64 tokens)
    with_cls_token=False,
    out_type='featmap',
    drop_path_rate=0.1,
    init_cfg=None)  # or dict(type='Pretrained', checkpoint=<a PEViT-S MI ImageNet checkpoint>)
simple_fpn = dict(type='mmppml.SimpleFPN', in_channels=embed_dims, out_channels=256)
vit_optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.1),
    clip_grad=dict(max_norm=1.0, norm_type=2),
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0., custom_keys={'ref_token': dict(decay_mult=0.)}))
