# yolos_pevit-tiny-mi-p16s8_100e_trees-plainft.py trained twice as long at 4x the learning rate (1e-3, the
# MI embedding at 1e-2): set prediction learns slowly on 35 tiles; 1,800 iterations at batch 4.
_base_ = './yolos_pevit-tiny-mi-p16s8_100e_trees-plainft.py'

max_epochs = 200
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs, eta_min=1e-5),
]
default_hooks = dict(checkpoint=dict(interval=max_epochs))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
