"""Patch embeddings of PEViT: a strided conv (plain / RS images) or conv + GELU + 1x1 conv (MI images)."""
from typing import Optional, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer
from mmengine.model import BaseModule

from mmppml.registry import MODELS


@MODELS.register_module()
class ConvPatchEmbed(BaseModule):
    """Embed non-overlapping ``patch_size`` x ``patch_size`` blocks of an image as tokens: a conv with
    kernel = stride = ``patch_size`` (the ViT patch embedding), for plain and RS images.

    Unlike mmcv's ``PatchEmbed`` it does not pad: an input that is not a multiple of ``patch_size``
    is an error. Parameter names follow mmcv's ``PatchEmbed`` (``projection``) so ViT checkpoints map
    directly.

    Args:
        in_channels (int): Image channels.
        embed_dims (int): Token dimension C.
        patch_size (int): Kernel size and stride of the conv.
        bias (bool): Bias of the conv. Defaults to True.
        init_cfg (dict, optional): Initialization config.
    """
    mode = 'rs'  # what a checkpoint conversion sees (see mmppml.models.utils.adapt_vit_state_dict)

    def __init__(self, in_channels: int, embed_dims: int, patch_size: int, bias: bool = True, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if not isinstance(patch_size, int) or isinstance(patch_size, bool) or patch_size < 1:
            raise TypeError(f'patch_size must be a positive int, got {patch_size!r}')
        self.patch_size = patch_size
        self.projection = nn.Conv2d(in_channels, embed_dims, kernel_size=patch_size, stride=patch_size, bias=bias)

    @property
    def is_linear(self) -> bool:
        """Whether the embedding is the conv alone (no activation and 1x1 conv after it)."""
        return not hasattr(self, 'pointwise')

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Tuple[int, int]]:
        """Embed an image batch.

        Args:
            x (torch.Tensor): (B, in_channels, H, W), H and W multiples of ``patch_size``.

        Returns:
            tuple: tokens (B, h * w, C) in raster order and the grid ``(h, w) = (H, W) / patch_size``.
        """
        height, width = x.shape[-2:]
        if height % self.patch_size or width % self.patch_size:
            raise ValueError(f'input height {height} and width {width} must be multiples of '
                             f'patch_size={self.patch_size}; resize, pad or crop the images first')
        x = self.projection(x)
        if not self.is_linear:
            x = self.pointwise(self.act(x))
        grid = (x.shape[2], x.shape[3])
        return x.flatten(2).transpose(1, 2), grid


@MODELS.register_module()
class MIPatchEmbed(ConvPatchEmbed):
    """The MI patch embedding: the conv of :class:`ConvPatchEmbed`, then GELU, then a 1x1 conv.

    On an MI image ``patch_size`` is the sub-patch size S; since the first conv is linear, applying it
    to a mixed S x S block equals the mean of its outputs on the sub-patches that were mixed, so the
    mixing loses nothing the conv could use.

    With ``act_cfg=None`` it is the linear MI embedding, the conv alone. It is what a plain patch-P
    conv becomes on MI images: with kernel W (C, in, P, P) and r = P / S, the S x S kernel
    ``sum_ij W[..., iS:(i+1)S, jS:(j+1)S]`` applied to an MI image equals W on the photo when the
    r x r sub-patches of each patch are equal (see :func:`~mmppml.models.utils.adapt_vit_state_dict`).

    Args:
        in_channels (int): Image channels.
        embed_dims (int): Token dimension C.
        patch_size (int): Kernel size and stride of the first conv (S for MI images).
        bias (bool): Bias of the first conv. Defaults to True.
        act_cfg (dict, optional): Activation between the convs; None keeps the conv alone (linear MI
            embedding, no 1x1 conv). Defaults to ``dict(type='GELU')``.
        init_cfg (dict, optional): Initialization config.
    """
    mode = 'mi'

    def __init__(self,
                 in_channels: int,
                 embed_dims: int,
                 patch_size: int,
                 bias: bool = True,
                 act_cfg: Optional[dict] = dict(type='GELU'),
                 init_cfg=None):
        super().__init__(in_channels, embed_dims, patch_size, bias=bias, init_cfg=init_cfg)
        if act_cfg is not None:
            self.act = build_activation_layer(act_cfg)
            self.pointwise = nn.Conv2d(embed_dims, embed_dims, kernel_size=1)
