"""PEViT with learnable detection tokens, the backbone of the YOLOS-style detector."""
from typing import Tuple

import torch
import torch.nn as nn
from mmengine.model.weight_init import trunc_normal_

from mmppml.registry import MODELS
from .pe_vit import PEViT


@MODELS.register_module()
class YOLOSBackbone(PEViT):
    """PEViT whose token sequence ends with ``num_det_tokens`` learnable detection tokens.

    The patch tokens are embedded as in :class:`PEViT` (``patch_cfg=dict(type='mmppml.MIPatchEmbed')``
    with ``patch_size=S`` for MI images), the detection tokens are appended, and all of them go through the transformer;
    the outputs are the detection tokens only, for a set-prediction head such as mmdet's
    ``DETRHead``. As in YOLOS there is no cls token by default.

    Detection tokens cannot tell where a patch token came from unless the patch tokens carry
    their position, so for MI images (whose layout MI keeps) use ``pos_embed_cfg=dict(type='sincos')``
    or ``dict(type='learned')``; without one the detection tokens are invariant to the order of the patches.

    Args:
        num_det_tokens (int): Number of detection tokens (queries). Defaults to 100.
        with_cls_token (bool): Keep a cls token in the sequence. Defaults to False.
        **kwargs: The other arguments of :class:`PEViT` (its deprecated spellings too) except ``out_type``.

    Returns (forward): a tuple with one (B, num_det_tokens, C) tensor per ``out_indices`` entry; as
    in :class:`PEViT`, the last layer's output is after the final norm.
    """

    def __init__(self, num_det_tokens: int = 100, with_cls_token: bool = False, **kwargs) -> None:
        if 'out_type' in kwargs:
            raise ValueError('YOLOSBackbone always returns its detection tokens; do not set out_type')
        if not isinstance(num_det_tokens, int) or isinstance(num_det_tokens, bool) or num_det_tokens < 1:
            raise ValueError(f'num_det_tokens must be a positive int, got {num_det_tokens!r}')
        super().__init__(with_cls_token=with_cls_token, out_type='raw', **kwargs)
        self.num_det_tokens = num_det_tokens
        self.det_tokens = nn.Parameter(torch.zeros(1, num_det_tokens, self.embed_dims))

    def init_weights(self) -> None:
        first_call = not self.is_init
        super().init_weights()
        if first_call:
            trunc_normal_(self.det_tokens, std=0.02)

    def extend_tokens(self, x: torch.Tensor) -> torch.Tensor:
        """Append the detection tokens (without position) to the (B, L, C) embedded tokens."""
        return torch.cat([x, self.det_tokens.expand(x.shape[0], -1, -1)], dim=1)

    def _format_output(self, x: torch.Tensor, grid: Tuple[int, int]) -> torch.Tensor:
        """The (B, num_det_tokens, C) detection tokens of the (B, L, C) tokens after a block."""
        return x[:, -self.num_det_tokens:]

    def get_layer_depth(self, param_name: str, prefix: str = '') -> Tuple[int, int]:
        """As :meth:`PEViT.get_layer_depth`; the detection tokens belong to the stem (depth 0)."""
        if param_name == prefix + 'det_tokens':
            return 0, self.num_layers + 2
        return super().get_layer_depth(param_name, prefix)
