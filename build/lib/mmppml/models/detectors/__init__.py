"""Detectors: the YOLOS-style detector (a ViT with detection tokens, set prediction)."""
from .yolos import YOLOS

__all__ = ['YOLOS']
