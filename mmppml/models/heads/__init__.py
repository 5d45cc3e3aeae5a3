"""Heads: the predefined-anchor classification head and the YOLOS set-prediction head."""
from .anchor_head import AnchorClsHead
from .yolos_head import YOLOSHead

__all__ = ['AnchorClsHead', 'YOLOSHead']
