# Fashion-MNIST objects on photo crops (tools/dataset_converters/fashion_mnist_to_detection.py writes
# data/fmnist_det): 4,000 training canvases of 128-192 px with objects of Fashion-MNIST's training split,
# 1,000 validation canvases with objects of its test split, 10 classes. Detector configs inherit a tree
# detector for the model and take these names (all prefixed fmnist_, so no key clashes with that base).
fmnist_data_root = 'data/fmnist_det/'
fmnist_metainfo = dict(
    classes=('T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'))
# Horizontal flips only: a vertically flipped boot or bag is not an object of the set.
fmnist_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackDetInputs'),
]
# Annotations first in testing too, so that an encryption step appended before PackDetInputs maps the
# gt boxes with the image; Resize records scale_factor, which predictions are rescaled by.
fmnist_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale_factor=1.0),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]

# The three dataloaders (train, val, test) and the evaluator, taken as one by each config:
#     train_dataloader, val_dataloader, test_dataloader = _base_.fmnist_dataloaders
# They replace (_delete_) the dataloaders of the detector config a config inherits beside this file.
fmnist_loader = dict(_delete_=True, batch_size=8, num_workers=1, persistent_workers=True)
fmnist_dataset = dict(
    type='CocoDataset', data_root=fmnist_data_root, metainfo=fmnist_metainfo, data_prefix=dict(img='images/'))
fmnist_val_dataloader = dict(
    **fmnist_loader,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(**fmnist_dataset, ann_file='annotations/val.json', test_mode=True, pipeline=fmnist_test_pipeline))
fmnist_dataloaders = [
    dict(
        **fmnist_loader,
        sampler=dict(type='DefaultSampler', shuffle=True),
        batch_sampler=dict(type='AspectRatioBatchSampler'),
        dataset=dict(
            **fmnist_dataset,
            ann_file='annotations/train.json',
            filter_cfg=dict(filter_empty_gt=True),
            pipeline=fmnist_train_pipeline)), fmnist_val_dataloader, fmnist_val_dataloader
]
fmnist_val_evaluator = dict(type='CocoMetric', ann_file=fmnist_data_root + 'annotations/val.json', metric='bbox')
