# retinanet_pevit-tiny-mi-p16s8_simplefpn_100e_trees.py on a 50-epoch schedule: MI from scratch at the
# budget of the plain-to-MI fine-tuning (retinanet_pevit-tiny-mi-p16s8_simplefpn_50e_trees-plainft.py).
_base_ = './retinanet_pevit-tiny-mi-p16s8_simplefpn_100e_trees.py'

max_epochs = 50
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs, eta_min=1e-5),
]
default_hooks = dict(checkpoint=dict(interval=max_epochs))
