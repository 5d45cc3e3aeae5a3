# COCO detection on MI-encrypted images (P=16, S=8): mmdet's COCO pipelines with MI last, right
# before PackDetInputs (see mi-p16s8_pipeline_steps.py).
_base_ = ['mmdet::_base_/datasets/coco_detection.py', './mi-p16s8_pipeline_steps.py']

train_pipeline = _base_.train_pipeline[:-1] + [_base_.mix, _base_.train_pipeline[-1]]
test_pipeline = _base_.mi_test_pipeline
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
