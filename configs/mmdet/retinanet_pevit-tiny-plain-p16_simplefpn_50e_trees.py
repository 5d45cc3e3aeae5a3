# retinanet_pevit-tiny-plain-p16_simplefpn_100e_trees.py on a 50-epoch schedule: the plain detector from
# scratch, and the start of the fine-tunings (`-plainft` configs) on plain and on MI images.
_base_ = './retinanet_pevit-tiny-plain-p16_simplefpn_100e_trees.py'

max_epochs = 50
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs, eta_min=1e-5),
]
default_hooks = dict(checkpoint=dict(interval=max_epochs))
