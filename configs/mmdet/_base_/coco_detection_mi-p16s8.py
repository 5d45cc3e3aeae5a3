# COCO detection on MI-encrypted images (P=16, S=8): mmdet's COCO pipelines, the mix on the training
# device (see mi-p16s8_pipeline_steps.py; each detector config takes `mi_data_preprocessor`).
_base_ = ['mmdet::_base_/datasets/coco_detection.py', './mi-p16s8_pipeline_steps.py']

test_pipeline = _base_.mi_test_pipeline
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
