# retinanet_pevit-tiny-plain-p16_simplefpn_100e_trees.py on a 50-epoch schedule: the plain detector from
# scratch, and the start of the fine-tunings (`-plainft` configs) on plain and on MI images.
_base_ = ['./retinanet_pevit-tiny-plain-p16_simplefpn_100e_trees.py', './_base_/schedules/trees_epochs.py']

train_cfg, param_scheduler, default_hooks = _base_.trees_50e
