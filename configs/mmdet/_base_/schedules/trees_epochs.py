# Shorter and longer runs of the tree schedule (trees_100e.py): the same AdamW, warm-up and cosine decay
# over N epochs, one evaluation and one checkpoint at the end. A config that inherits a 100-epoch tree
# detector takes one as
#     train_cfg, param_scheduler, default_hooks = _base_.trees_50e
trees_50e, trees_200e = ([
    dict(max_epochs=epochs, val_interval=epochs),
    [
        dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
        dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=epochs, eta_min=1e-5),
    ],
    dict(checkpoint=dict(interval=epochs)),
] for epochs in (50, 200))
