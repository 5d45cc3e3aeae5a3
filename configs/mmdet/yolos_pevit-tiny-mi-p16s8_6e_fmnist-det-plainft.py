# YOLOS on MI Fashion-MNIST detection canvases from the plain detector's backbone, as
# yolos_pevit-tiny-mi-p16s8_100e_trees-plainft.py on the trees: the backbone of
# retinanet_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det.py (train it first), its patch conv converted into the
# linear MI embedding, its 12 x 12 learned position embedding resized to each input; 6 epochs, evaluated
# after each for the validation curve. The training device mixes the batch (the tree config's data
# preprocessor); `mix` of the tree config is the pipeline path.
_base_ = [
    './yolos_pevit-tiny-mi-p16s8_100e_trees-plainft.py', './_base_/fmnist_detection.py',
    './_base_/schedules/fmnist_6e.py'
]

plain_checkpoint = 'work_dirs/retinanet_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det/epoch_6.pth'
model = dict(
    backbone=dict(img_size=96, num_det_tokens=20, init_cfg=dict(checkpoint=plain_checkpoint)),  # <= 6 objects
    bbox_head=dict(num_classes=10),
    test_cfg=dict(max_per_img=20))
train_dataloader, val_dataloader, test_dataloader = _base_.fmnist_dataloaders
val_evaluator = test_evaluator = _base_.fmnist_val_evaluator
train_cfg, param_scheduler, default_hooks = _base_.fmnist_schedule
train_cfg['val_interval'] = 1
