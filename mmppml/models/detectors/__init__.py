"""Detectors: the YOLOS-style detector (detection tokens in a position-free ViT, set prediction)."""
from .yolos import YOLOS
from .yolos_backbone import YOLOSBackbone

__all__ = ['YOLOS', 'YOLOSBackbone']
