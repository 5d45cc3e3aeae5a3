"""Predefined-anchor losses: features are pulled to fixed, maximally separated class anchors."""
from .anchor_loss import BaseAnchorLoss, CosineAnchorLoss, EuclideanAnchorLoss
from .anchors import ANCHOR_PRINCIPLES, make_anchors

__all__ = ['ANCHOR_PRINCIPLES', 'make_anchors', 'BaseAnchorLoss', 'EuclideanAnchorLoss', 'CosineAnchorLoss']
