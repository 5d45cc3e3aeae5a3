"""Heads: the predefined-anchor classification head and the YOLOS set-prediction head (where mmdet imports)."""
from ..detection_support import mmdet_import_error
from .class_anchor_head import ClassAnchorHead

__all__ = ['ClassAnchorHead']
if mmdet_import_error() is None:
    from .yolos_head import YOLOSHead  # noqa: F401
    __all__ += ['YOLOSHead']
