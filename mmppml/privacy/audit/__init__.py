"""Audit a training config: what attackers recover from encrypted copies of the owner's images at the settings
the config trains with (:mod:`.config_reader`), from its datasets or given image sets (:mod:`.sources`),
run (:mod:`.runner`) and reported (:mod:`.report`). Torch is imported on use."""
from .config_reader import AuditSetting, dataset_cfg, pipeline_size, read_setting
from .report import summarize, write_audit
from .runner import AuditOptions, PrivacyAudit, audit_side, gallery_size, training_seconds
from .sources import (ImageSet, check_disjoint, from_coco, from_dataset, from_folder, from_path, load_prepared,
                      prepare_image)

__all__ = [
    'AuditSetting', 'read_setting', 'dataset_cfg', 'pipeline_size', 'ImageSet', 'from_folder', 'from_coco', 'from_path',
    'from_dataset', 'check_disjoint', 'prepare_image', 'load_prepared', 'AuditOptions', 'PrivacyAudit', 'audit_side',
    'gallery_size', 'training_seconds', 'summarize', 'write_audit'
]
