"""Necks: a simple feature pyramid for the single-scale features of a plain ViT."""
from .layer_norm_2d import LayerNorm2d
from .simple_fpn import SimpleFPN

__all__ = ['LayerNorm2d', 'SimpleFPN']
