"""Backbones: the position-free ViT for RS / MI encrypted images, its YOLOS variant with detection tokens, and
the registered stems they build from ``*_cfg`` dicts (patch embeddings, reference position encoding)."""
from .bag_embed import BagPatchEmbed
from .patch_embed import ConvPatchEmbed, MIPatchEmbed
from .pe_vit import PEViT
from .ref_pos_embed import ReferencePosEmbed
from .yolos_backbone import YOLOSBackbone

__all__ = ['PEViT', 'YOLOSBackbone', 'ConvPatchEmbed', 'MIPatchEmbed', 'BagPatchEmbed', 'ReferencePosEmbed']
