# Half the tree schedule: 50 epochs (450 iterations at batch 4), the budget of each from-scratch and
# each fine-tuning run in the README's tree table; same optimiser, warm-up and cosine decay.
_base_ = './trees_100e.py'

max_epochs = 50
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs, eta_min=1e-5),
]
default_hooks = dict(checkpoint=dict(interval=max_epochs))
