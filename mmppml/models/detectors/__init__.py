"""Detectors: the YOLOS-style detector (a ViT with detection tokens, set prediction), where mmdet imports."""
from ..detection_support import mmdet_import_error

__all__ = []
if mmdet_import_error() is None:
    from .yolos import YOLOS  # noqa: F401
    __all__ += ['YOLOS']
