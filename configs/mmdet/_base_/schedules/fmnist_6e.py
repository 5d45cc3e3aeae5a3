# The CPU schedule of the Fashion-MNIST detection runs: 6 epochs (3,000 iterations at batch 8) of the tree
# schedule's AdamW, a 200-iteration linear warm-up, cosine decay, one evaluation and one checkpoint at the
# end. Configs take it after their tree detector, as one:
#     train_cfg, param_scheduler, default_hooks = _base_.fmnist_schedule
fmnist_max_epochs = 6
fmnist_schedule = [
    dict(type='EpochBasedTrainLoop', max_epochs=fmnist_max_epochs, val_interval=fmnist_max_epochs),
    [
        dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=200),
        dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=fmnist_max_epochs, eta_min=1e-5),
    ],
    dict(checkpoint=dict(interval=fmnist_max_epochs)),
]
