"""Backbones: the position-free ViT for RS / MI encrypted images, and its YOLOS variant with detection tokens."""
from .pe_vit import PEViT
from .yolos_backbone import YOLOSBackbone

__all__ = ['PEViT', 'YOLOSBackbone']
