# yolos_pevit-tiny-mi-p16s8_100e_trees-plainft.py trained twice as long at 4x the learning rate (1e-3, the
# MI embedding at 1e-2): set prediction learns slowly on 35 tiles; 1,800 iterations at batch 4.
_base_ = ['./yolos_pevit-tiny-mi-p16s8_100e_trees-plainft.py', './_base_/schedules/trees_epochs.py']

train_cfg, param_scheduler, default_hooks = _base_.trees_200e
optim_wrapper = dict(optimizer=dict(lr=1e-3))
