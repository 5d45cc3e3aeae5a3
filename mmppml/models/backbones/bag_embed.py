"""A permutation-invariant block embedding for pixel bags: sort each block's values, then an MLP."""
from typing import Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmppml.registry import MODELS


@MODELS.register_module()
class BagPatchEmbed(BaseModule):
    """Embed every ``patch_size`` x ``patch_size`` block from the sorted values of its pixels.

    Sorting makes the token exactly invariant to any permutation of the pixels inside the block (what
    :func:`mmppml.crypto.random_pixel_bags` applies); the sorted values (an empirical quantile function
    per channel) then go through ``Linear -> GELU -> Linear``.

    Args:
        in_channels (int): Image channels C (each sorted on its own).
        embed_dims (int): Token dimension D.
        patch_size (int): The side b of a block.
        bias (bool): Bias of the first linear layer. Defaults to True.
        init_cfg (dict, optional): Initialization config.
    """
    mode = 'bag'

    def __init__(self, in_channels: int, embed_dims: int, patch_size: int, bias: bool = True, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if not isinstance(patch_size, int) or isinstance(patch_size, bool) or patch_size < 1:
            raise TypeError(f'patch_size must be a positive int, got {patch_size!r}')
        self.patch_size = patch_size
        self.projection = nn.Linear(in_channels * patch_size * patch_size, embed_dims, bias=bias)
        self.act = nn.GELU()
        self.pointwise = nn.Linear(embed_dims, embed_dims)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Tuple[int, int]]:
        """Args: x (torch.Tensor): (B, C, H, W), H and W multiples of ``patch_size``.

        Returns:
            tuple: tokens (B, h * w, D) in raster order and the grid ``(h, w) = (H, W) / patch_size``.
        """
        b, c, height, width = x.shape
        p = self.patch_size
        if height % p or width % p:
            raise ValueError(f'input height {height} and width {width} must be multiples of patch_size={p}')
        gh, gw = height // p, width // p
        bags = x.reshape(b, c, gh, p, gw, p).permute(0, 2, 4, 1, 3, 5).reshape(b, gh * gw, c, p * p)
        values = bags.sort(dim=-1).values.flatten(2)  # (B, N, C * p * p)
        return self.pointwise(self.act(self.projection(values))), (gh, gw)
