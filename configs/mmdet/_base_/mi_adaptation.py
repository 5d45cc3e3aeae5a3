# The recipe of the adaptation path (the MI `-plainft` detectors): the plain patch conv loads as the linear
# MI embedding (conv k=s=S alone, into which PEViT converts it exactly), and that new embedding learns at
# `embed_lr_mult` times the rate. A config takes it beside (or through) its MI detector:
#     model = dict(backbone=dict(**_base_.mi_adaptation_backbone))
#     optim_wrapper = dict(optimizer=dict(lr=...), paramwise_cfg=_base_.mi_adaptation_paramwise)
embed_lr_mult = 10.
mi_adaptation_backbone = dict(patch_cfg=dict(type='mmppml.MIPatchEmbed', act_cfg=None))
mi_adaptation_paramwise = dict(custom_keys={'backbone.patch_embed': dict(lr_mult=embed_lr_mult)})
