"""PEViT with learnable detection tokens, the backbone of the YOLOS-style detector."""
from typing import NamedTuple, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model.weight_init import trunc_normal_

from mmppml.registry import MODELS
from ..utils.token_groups import group_attention_mask, masked_encoder_layer
from .pe_vit import PEViT

DET_TOKEN_INITS = ('learned', 'top_patches')
PEAK_MARGIN = 1.0  # how far below the lowest peak every other patch is ranked


class YOLOSTokens(NamedTuple):
    """What :meth:`YOLOSBackbone.forward_tokens` returns.

    Attributes:
        det (tuple[torch.Tensor]): (B, Q, C) detection-token states, one per ``out_indices`` entry.
        extra (tuple[torch.Tensor] | None): (B, E, C) states of the training-only extra detection tokens,
            one per ``out_indices`` entry, or None without them.
        patch_map (torch.Tensor): (B, C, h, w) patch tokens after the last block.
        patch_scores (torch.Tensor | None): (B, h * w) logits of the token scorer that chose the detection
            tokens' patches (``det_token_init='top_patches'``), or None.
        det_cells (torch.Tensor | None): (B, Q) indices (row-major in the h x w grid) of the patches the
            detection tokens started from, or None.
        extra_cells (torch.Tensor | None): (B, E) the same for the extra detection tokens, or None.
        denoising (tuple[torch.Tensor] | None): (B, D, C) states of the denoising tokens, one per
            ``out_indices`` entry, or None without them.
    """
    det: Tuple[torch.Tensor, ...]
    extra: Optional[Tuple[torch.Tensor, ...]]
    patch_map: torch.Tensor
    patch_scores: Optional[torch.Tensor] = None
    det_cells: Optional[torch.Tensor] = None
    extra_cells: Optional[torch.Tensor] = None
    denoising: Optional[Tuple[torch.Tensor, ...]] = None


@MODELS.register_module()
class YOLOSBackbone(PEViT):
    """PEViT whose token sequence ends with ``num_det_tokens`` learnable detection tokens.

    The patch tokens are embedded as in :class:`PEViT` (``patch_cfg=dict(type='mmppml.MIPatchEmbed')``
    with ``patch_size=S`` for MI images), the detection tokens are appended, and all of them go through the
    transformer; the outputs are the detection tokens only, for a set-prediction head such as mmdet's
    ``DETRHead``. As in YOLOS there is no cls token by default.

    Detection tokens cannot tell where a patch token came from unless the patch tokens carry
    their position, so for MI images (whose layout MI keeps) use ``pos_embed_cfg=dict(type='sincos')``
    or ``dict(type='learned')``; without one the detection tokens are invariant to the order of the patches.

    Two options help the detection tokens learn on small data (both off by default, as in YOLOS):

    - ``det_token_init='top_patches'``: a first pass of the blocks over the patch tokens alone proposes
      patches: a linear scorer ranks its output tokens (the local maxima of the score map first, so that
      one token per object comes before a second on any), and each detection token starts as its learned
      token plus one of the top-ranked output patch tokens (in turn, if there are more tokens than patches); the
      detector trains the scorer to find the patches holding an object's centre, so the tokens start where
      objects are, and predicts each token's box relative to its patch (DINO's two-stage query selection:
      content and reference box from the top proposals). The first pass costs one more forward pass.
    - ``num_extra_det_tokens``: training-only detection tokens behind an attention mask (no patch or
      detection token attends to them), for one-to-many matching; the other outputs do not depend on
      them, and they are not run at test time. Denoising tokens, which the detector makes from the ground
      truth (:class:`~mmppml.models.utils.denoising.DenoisingTokens`), go to :meth:`forward_tokens` and sit
      behind the same mask, each group hidden from the others too.

    Args:
        num_det_tokens (int): Number of detection tokens (queries). Defaults to 100.
        num_extra_det_tokens (int): Number of training-only detection tokens. Defaults to 0.
        det_token_init (str): ``'learned'`` or ``'top_patches'``. Defaults to ``'learned'``.
        with_cls_token (bool): Keep a cls token in the sequence. Defaults to False.
        **kwargs: The other arguments of :class:`PEViT` (its deprecated spellings too) except ``out_type``.

    Returns (forward): a tuple with one (B, num_det_tokens, C) tensor per ``out_indices`` entry; as
    in :class:`PEViT`, the last layer's output is after the final norm.
    """

    def __init__(self,
                 num_det_tokens: int = 100,
                 num_extra_det_tokens: int = 0,
                 det_token_init: str = 'learned',
                 with_cls_token: bool = False,
                 **kwargs) -> None:
        if 'out_type' in kwargs:
            raise ValueError('YOLOSBackbone always returns its detection tokens; do not set out_type')
        for name, value, least in (('num_det_tokens', num_det_tokens, 1), ('num_extra_det_tokens', num_extra_det_tokens,
                                                                           0)):
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise ValueError(f'{name} must be an int >= {least}, got {value!r}')
        if det_token_init not in DET_TOKEN_INITS:
            raise ValueError(f'det_token_init must be one of {DET_TOKEN_INITS}, got {det_token_init!r}')
        super().__init__(with_cls_token=with_cls_token, out_type='raw', **kwargs)
        self.num_det_tokens = num_det_tokens
        self.num_extra_det_tokens = num_extra_det_tokens
        self.det_token_init = det_token_init
        self.det_tokens = nn.Parameter(torch.zeros(1, num_det_tokens, self.embed_dims))
        self.extra_det_tokens = (
            nn.Parameter(torch.zeros(1, num_extra_det_tokens, self.embed_dims)) if num_extra_det_tokens else None)
        self.patch_scorer = nn.Linear(self.embed_dims, 1) if det_token_init == 'top_patches' else None

    def init_weights(self) -> None:
        first_call = not self.is_init
        super().init_weights()
        if first_call:
            for tokens in (self.det_tokens, self.extra_det_tokens):
                if tokens is not None:
                    trunc_normal_(tokens, std=0.02)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Args: x (torch.Tensor): (B, in_channels, H, W). Returns: the detection tokens' states."""
        return self.forward_tokens(x, with_extra=False).det

    def forward_tokens(self,
                       x: torch.Tensor,
                       with_extra: Optional[bool] = None,
                       img_shapes: Optional[Sequence[Tuple[int, int]]] = None,
                       denoising: Optional[torch.Tensor] = None,
                       denoising_groups: Sequence[int] = ()) -> YOLOSTokens:
        """All token outputs, for training.

        Args:
            x (torch.Tensor): (B, in_channels, H, W), H and W multiples of ``patch_size``.
            with_extra (bool, optional): Run the extra detection tokens. Defaults to ``self.training``.
            img_shapes (Sequence[tuple[int, int]], optional): Each image's (h, w) in ``x`` before padding;
                ``'top_patches'`` then proposes only patches of the image, never of the padding.
            denoising (torch.Tensor, optional): (B, D, C) first states of denoising tokens, appended last,
                in groups of ``denoising_groups`` tokens (summing to D), each hidden from every other group.

        Returns:
            YOLOSTokens: the detection tokens, the extra ones, the patch map and the patch scores.
        """
        with_extra = (self.training if with_extra is None else with_extra) and self.extra_det_tokens is not None
        tokens, grid = self.embed(x)
        patches, scores, valid = None, None, None
        if self.patch_scorer is not None:  # a first pass over the patch tokens alone proposes the patches
            patches = self._patch_pass(tokens)
            scores = self.patch_scorer(patches).squeeze(-1)
            valid = None if img_shapes is None else self._image_cells(grid, x.shape[-2:], img_shapes, x.device)
        det_states, det_cells = self._start(self.det_tokens, patches, scores, valid, grid)
        groups = [tokens, det_states.expand(tokens.shape[0], -1, -1)]  # learned tokens alone: (1, n, C)
        extra_cells = None
        if with_extra:
            extra_states, extra_cells = self._start(self.extra_det_tokens, patches, scores, valid, grid)
            groups.append(extra_states.expand(tokens.shape[0], -1, -1))
        sizes = [group.shape[1] for group in groups]
        if denoising is not None:
            if sum(denoising_groups) != denoising.shape[1]:
                raise ValueError(f'denoising_groups {list(denoising_groups)} must sum to the {denoising.shape[1]} '
                                 'denoising tokens')
            groups.append(denoising)
            sizes += list(denoising_groups)
        hidden = list(range(2, len(sizes)))  # the extra and the denoising groups
        x = self.pre_norm(self.drop_after_pos(torch.cat(groups, dim=1)))
        mask = group_attention_mask(sizes, hidden=hidden, device=x.device) if hidden else None

        det_begin, extra_begin = sizes[0], sizes[0] + sizes[1]  # where each group starts in the sequence
        denoising_begin = extra_begin + (sizes[2] if with_extra else 0)
        det, extra, denoised = [], [], []
        for i, layer in enumerate(self.layers):
            x = layer(x) if mask is None else masked_encoder_layer(layer, x, mask)
            if i == self.num_layers - 1 and self.final_norm:
                x = self.ln1(x)
            if i in self.out_indices:
                det.append(x[:, det_begin:extra_begin])
                extra.append(x[:, extra_begin:denoising_begin])
                denoised.append(x[:, denoising_begin:])
        patch_map = x[:, self.num_extra_tokens:det_begin].transpose(1, 2).reshape(x.shape[0], -1, *grid)
        return YOLOSTokens(
            tuple(det),
            tuple(extra) if with_extra else None, patch_map, scores, det_cells, extra_cells,
            tuple(denoised) if denoising is not None else None)

    def _patch_pass(self, tokens: torch.Tensor) -> torch.Tensor:
        """(B, h * w, C) patch tokens after the last block (and final norm) of a pass without detection tokens."""
        x = self.pre_norm(self.drop_after_pos(tokens))
        for layer in self.layers:
            x = layer(x)
        return (self.ln1(x) if self.final_norm else x)[:, self.num_extra_tokens:]

    @staticmethod
    def _image_cells(grid: Tuple[int, int], input_shape: Tuple[int, int], img_shapes: Sequence[Tuple[int, int]],
                     device) -> torch.Tensor:
        """(B, h * w) bool, True for the cells of the (h, w) grid that start inside each image (not padding)."""
        (rows, cols), (height, width) = grid, input_shape
        top = torch.arange(rows, device=device) * (height / rows)
        left = torch.arange(cols, device=device) * (width / cols)
        return torch.stack([(top[:, None] < h) & (left[None, :] < w) for h, w in img_shapes]).flatten(1)

    def _start(self,
               learned: torch.Tensor,
               patches: Optional[torch.Tensor],
               scores: Optional[torch.Tensor],
               valid: Optional[torch.Tensor] = None,
               grid: Optional[Tuple[int, int]] = None) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """First states of n detection tokens: learned, plus the top-scoring patches if so set.

        Args:
            learned (torch.Tensor): (1, n, C) learned tokens.
            patches (torch.Tensor, optional): (B, L, C) proposed patch tokens.
            scores (torch.Tensor, optional): (B, L) their scores.
            valid (torch.Tensor, optional): (B, L) bool, the patches that may be proposed (ranked first).
            grid (tuple[int, int], optional): The (h, w) grid of the L patches; the local maxima of the
                scores (3 x 3 neighbourhoods) are then ranked before every other patch.

        Returns:
            tuple: (B, n, C) states and the (B, n) indices of their patches (None without a scorer).
        """
        if scores is None:
            return learned, None
        start = learned.expand(patches.shape[0], -1, -1)
        count, num_patches = learned.shape[1], patches.shape[1]
        ranking = scores.detach()
        if grid is not None:  # local peaks first: one token per object before a second on any
            peaks = F.max_pool2d(ranking.view(-1, 1, *grid), 3, stride=1, padding=1).flatten(1) == ranking
            ranking = torch.where(peaks, ranking, ranking - 2 * ranking.abs().max() - PEAK_MARGIN)
        if valid is not None:
            ranking = ranking.masked_fill(~valid, float('-inf'))
        top = ranking.topk(min(count, num_patches), dim=1).indices
        top = top.repeat(1, -(-count // num_patches))[:, :count]  # more tokens than patches: round again
        return start + patches.gather(1, top[..., None].expand(-1, -1, patches.shape[-1])), top

    def get_layer_depth(self, param_name: str, prefix: str = '') -> Tuple[int, int]:
        """As :meth:`PEViT.get_layer_depth`; the detection tokens and the scorer belong to the stem (depth 0)."""
        if param_name in (prefix + 'det_tokens', prefix + 'extra_det_tokens') or \
                param_name.startswith(prefix + 'patch_scorer'):
            return 0, self.num_layers + 2
        return super().get_layer_depth(param_name, prefix)
