# The CPU schedule of the tree runs: 100 epochs of AdamW, a 50-iteration linear warm-up, cosine decay,
# one evaluation and one checkpoint at the end, on mmdet's default runtime. Detector configs set the
# learning rate and clipping.
_base_ = 'mmdet::_base_/default_runtime.py'

max_epochs = 100
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs, eta_min=1e-5),
]
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=max_epochs), visualization=dict(draw=False))
randomness = dict(seed=0)
