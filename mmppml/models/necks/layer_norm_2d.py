"""Layer norm over the channels of a (B, C, H, W) feature map."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmppml.registry import MODELS


@MODELS.register_module()
class LayerNorm2d(nn.LayerNorm):
    """LayerNorm on the channel dimension of a channels-first map, as plain-ViT pyramids use.

    Usable in ``norm_cfg=dict(type='mmppml.LayerNorm2d')`` of mmcv's ``ConvModule``.

    Args:
        num_channels (int): the number of channels C.
        eps (float): Added to the variance. Defaults to 1e-6.
    """

    def __init__(self, num_channels: int, eps: float = 1e-6, **kwargs) -> None:
        super().__init__(num_channels, eps=eps, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Args: x (torch.Tensor): (B, C, H, W). Returns: (B, C, H, W), contiguous.

        Contiguous, not the permuted view: mmcv's RoIAlign reads its input's memory as if it were
        contiguous, so a channels-last view of a pyramid level gives an RoI head scrambled features.
        """
        if x.dim() != 4:
            raise ValueError(f'LayerNorm2d expects a (B, C, H, W) tensor, got shape {tuple(x.shape)}')
        x = F.layer_norm(x.permute(0, 2, 3, 1), self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2).contiguous()
