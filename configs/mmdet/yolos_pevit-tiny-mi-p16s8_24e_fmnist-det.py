# YOLOS on MI Fashion-MNIST detection canvases from scratch for 24 epochs (12,000 iterations at batch 8),
# at about the CPU time of the 6-epoch MI RetinaNet (a YOLOS step is about a third of a RetinaNet step):
# the 6-epoch fine-tuning config without the plain start, AdamW 1e-3 for every parameter, evaluated
# every 6 epochs for the validation curve.
_base_ = ['./yolos_pevit-tiny-mi-p16s8_6e_fmnist-det-plainft.py']

max_epochs = 24
model = dict(backbone=dict(init_cfg=None))
optim_wrapper = dict(
    optimizer=dict(lr=1e-3), paramwise_cfg=dict(custom_keys={'backbone.patch_embed': dict(lr_mult=1.)}))
train_cfg = dict(max_epochs=max_epochs, val_interval=6)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=200),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs, eta_min=1e-5)
]
default_hooks = dict(checkpoint=dict(interval=max_epochs))
