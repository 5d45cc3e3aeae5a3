# mmdet's own ResNet-18 RetinaNet (backbone, FPN, head, SGD and all) on plain Fashion-MNIST detection canvases:
# only the data, the class count and a one-epoch schedule (the CPU budget) are set here. The plain half of
# retinanet_r18-mi-p16s8_fpn_1e_fmnist-det.py, which changes the data preprocessor alone (and the anchors).
_base_ = ['mmdet::retinanet/retinanet_r18_fpn_1x_coco.py', './_base_/fmnist_detection.py']
custom_imports = dict(imports=['mmppml'], allow_failed_imports=False)

max_epochs = 1
model = dict(bbox_head=dict(num_classes=10))
train_dataloader, val_dataloader, test_dataloader = _base_.fmnist_dataloaders
val_evaluator = test_evaluator = _base_.fmnist_val_evaluator
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [  # mmdet's linear warm-up, then a cosine decay over the one epoch (500 iterations)
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=200),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=200, end=500, T_max=300, eta_min=1e-4)
]
default_hooks = dict(checkpoint=dict(interval=max_epochs))
