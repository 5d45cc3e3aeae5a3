"""Token groups in one ViT: an attention mask that hides training-only tokens, and the blocks run under it."""
from typing import Sequence

import torch
import torch.nn as nn


def group_attention_mask(sizes: Sequence[int], hidden: Sequence[int], device=None) -> torch.Tensor:
    """Which tokens may attend to which, for a sequence made of consecutive groups.

    Every group sees the groups that are not hidden; a hidden group also sees itself, and no other group
    sees it. So the outputs of the visible groups do not depend on the hidden ones at all, and a hidden
    group (e.g. YOLOS's one-to-many detection tokens) can be dropped at test time.

    Args:
        sizes (Sequence[int]): The number of tokens of each group, in sequence order.
        hidden (Sequence[int]): Indices of the hidden groups.
        device (torch.device, optional): Device of the mask.

    Returns:
        torch.Tensor: (N, N) bool, True where a query token (row) may attend to a key token (column).
    """
    group = torch.repeat_interleave(torch.arange(len(sizes), device=device), torch.tensor(sizes, device=device))
    is_hidden = torch.zeros(len(sizes), dtype=torch.bool, device=device)
    is_hidden[list(hidden)] = True
    key_hidden = is_hidden[group]
    same_group = group[:, None] == group[None, :]
    return ~key_hidden[None, :] | same_group


def masked_encoder_layer(layer: nn.Module, x: torch.Tensor, attn_mask: torch.Tensor) -> torch.Tensor:
    """mmpretrain's pre-norm ``TransformerEncoderLayer`` on (B, N, C) tokens under an (N, N) bool mask.

    The same computation as ``layer(x)`` (its attention's qkv, dropout, projection and layer scale, then its
    FFN), with ``attn_mask`` passed to the scaled dot-product attention.
    """
    attn = layer.attn
    batch, num_tokens, _ = x.shape
    qkv = attn.qkv(layer.ln1(x)).reshape(batch, num_tokens, 3, attn.num_heads, attn.head_dims).permute(2, 0, 3, 1, 4)
    dropout = attn.attn_drop if attn.training else 0.
    out = attn.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], attn_mask=attn_mask, dropout_p=dropout)
    out = attn.proj(out.transpose(1, 2).reshape(batch, num_tokens, attn.embed_dims))
    x = x + attn.out_drop(attn.gamma1(attn.proj_drop(out)))
    return layer.ffn(layer.ln2(x), identity=x)
