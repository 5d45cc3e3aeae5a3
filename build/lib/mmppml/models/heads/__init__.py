"""Classification heads."""
from .anchor_head import AnchorClsHead

__all__ = ['AnchorClsHead']
