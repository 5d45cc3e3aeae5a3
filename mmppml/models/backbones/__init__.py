"""Backbones: the position-free ViT for RS / MI encrypted images."""
from .pe_vit import PEViT

__all__ = ['PEViT']
