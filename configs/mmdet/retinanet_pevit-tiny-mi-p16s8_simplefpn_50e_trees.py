# retinanet_pevit-tiny-mi-p16s8_simplefpn_100e_trees.py on a 50-epoch schedule: MI from scratch at the
# budget of the plain-to-MI fine-tuning (retinanet_pevit-tiny-mi-p16s8_simplefpn_50e_trees-plainft.py).
_base_ = ['./retinanet_pevit-tiny-mi-p16s8_simplefpn_100e_trees.py', './_base_/schedules/trees_epochs.py']

train_cfg, param_scheduler, default_hooks = _base_.trees_50e
