"""Heads: the predefined-anchor classification head and the YOLOS set-prediction head."""
from .class_anchor_head import ClassAnchorHead
from .yolos_head import YOLOSHead

__all__ = ['ClassAnchorHead', 'YOLOSHead']
