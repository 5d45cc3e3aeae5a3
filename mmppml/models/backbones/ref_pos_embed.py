"""Position encodings for PEViT: the order-free reference encoding and a 2D sin-cos table."""
from typing import Optional, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_

from mmppml.registry import MODELS


@MODELS.register_module()
class ReferencePosEmbed(BaseModule):
    """Reference-based position encoding: ``x + sigmoid(W2 act(W1 (x - r)))``.

    ``r`` is a learnable reference token. The encoding of a token depends on its content only, not
    on where it sits, so a transformer using it stays invariant to the order of the patches.

    Args:
        embed_dims (int): Token dimension C.
        hidden_dims (int, optional): Width of the hidden layer. Defaults to ``embed_dims``.
        act_cfg (dict): Hidden activation. Defaults to ReLU.
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 embed_dims: int,
                 hidden_dims: Optional[int] = None,
                 act_cfg: dict = dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        hidden_dims = hidden_dims or embed_dims
        self.ref_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        self.fc1 = nn.Linear(embed_dims, hidden_dims)
        self.act = build_activation_layer(act_cfg)
        self.fc2 = nn.Linear(hidden_dims, embed_dims)

    def init_weights(self):
        first_call = not self.is_init
        super().init_weights()
        if first_call and self.init_cfg is None:
            trunc_normal_(self.ref_token, std=0.02)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Args: x (torch.Tensor): (B, N, C) tokens. Returns: (B, N, C)."""
        return x + torch.sigmoid(self.fc2(self.act(self.fc1(x - self.ref_token))))


def sincos_pos_embed(grid: Tuple[int, int], embed_dims: int, temperature: float = 10000.) -> torch.Tensor:
    """Fixed 2D sin-cos position embedding for a token grid in raster order.

    A quarter of the channels each holds sin(x w), cos(x w), sin(y w), cos(y w) for frequencies
    ``w = temperature ** (-k / (C / 4))``.

    Args:
        grid (tuple[int, int]): ``(h, w)`` of the token grid.
        embed_dims (int): C, a multiple of 4.
        temperature (float): Frequency base. Defaults to 10000.

    Returns:
        torch.Tensor: (1, h * w, C), float32; row ``i * w + j`` encodes the token at (i, j).
    """
    if embed_dims % 4:
        raise ValueError(f"pos_embed_cfg=dict(type='sincos') needs embed_dims divisible by 4, got {embed_dims}")
    quarter = embed_dims // 4
    omega = temperature**(-torch.arange(quarter, dtype=torch.float32) / quarter)
    ys, xs = torch.meshgrid(
        torch.arange(grid[0], dtype=torch.float32), torch.arange(grid[1], dtype=torch.float32), indexing='ij')
    angle_x = xs.reshape(-1, 1) * omega
    angle_y = ys.reshape(-1, 1) * omega
    table = torch.cat([angle_x.sin(), angle_x.cos(), angle_y.sin(), angle_y.cos()], dim=1)
    return table.unsqueeze(0)
