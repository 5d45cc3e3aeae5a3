"""RS of a batch: the blocks of each image shuffled with its own fresh permutation (torch twin of
:mod:`mmppml.crypto.patch_shuffle`)."""
from typing import Optional, Tuple

import torch

from ..patches import SHUFFLE_DRAWS


def _blocks(x: torch.Tensor, block: int) -> torch.Tensor:
    """(B, C, H, W) -> (B, N, C, block * block), blocks in raster order."""
    b, c, h, w = x.shape
    gh, gw = h // block, w // block
    return x.reshape(b, c, gh, block, gw, block).permute(0, 2, 4, 1, 3, 5).reshape(b, gh * gw, c, block * block)


def _unblocks(blocks: torch.Tensor, block: int, shape: Tuple[int, int, int, int]) -> torch.Tensor:
    """The inverse of :func:`_blocks` for a batch of ``shape`` (B, C, H, W)."""
    b, c, h, w = shape
    return blocks.reshape(b, h // block, w // block, c, block, block).permute(0, 3, 1, 4, 2, 5).reshape(b, c, h, w)


def _random_perms(b: int, n: int, like: torch.Tensor, generator: Optional[torch.Generator]) -> torch.Tensor:
    """(b, n) int64 on ``like``'s device: one uniform permutation of ``range(n)`` per row."""
    device = like.device if generator is None else generator.device
    return torch.argsort(torch.rand(b, n, generator=generator, device=device), dim=1).to(like.device)


def shuffle_batch(x: torch.Tensor, block: int, generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """RS of a batch: shuffle each image's ``block x block`` blocks with its own random permutation.

    Args:
        x (torch.Tensor): (B, C, H, W), H and W multiples of ``block``.
        block (int): the block side (P for RS, S for RS-on-MI).
        generator (torch.Generator, optional): where the permutations come from.

    Returns:
        torch.Tensor: same shape; every image holds the same blocks as before, in a new order that
        differs from the old one unless all its blocks are the same (see :func:`_shuffle_blocks`).
    """
    return _unblocks(_shuffle_blocks(_blocks(x, block), x, generator), block, x.shape)


def _shuffle_blocks(blocks: torch.Tensor, like: torch.Tensor, generator: Optional[torch.Generator]) -> torch.Tensor:
    """(B, N, ...) blocks in a fresh random order per image. The permutation of an image that it leaves as
    it was (the identity, or one that swaps identical blocks only) is drawn again, up to
    :data:`~mmppml.crypto.SHUFFLE_DRAWS` draws, as the offline tool and the pipeline transforms do."""
    b, n = blocks.shape[:2]
    out = _take_blocks(blocks, _random_perms(b, n, like, generator))
    for _ in range(SHUFFLE_DRAWS - 1):
        same = (out == blocks).reshape(b, -1).all(1).nonzero()[:, 0]
        if same.numel() == 0:
            break
        out[same] = _take_blocks(blocks[same], _random_perms(same.numel(), n, like, generator))
    return out


def _take_blocks(blocks: torch.Tensor, perm: torch.Tensor) -> torch.Tensor:
    """(B, N, ...) blocks reordered per image: output block i of image b is block ``perm[b, i]``; one
    ``index_select`` over the flattened blocks (faster on CPU than ``gather`` or advanced indexing)."""
    b, n = perm.shape
    index = (perm + torch.arange(b, device=perm.device)[:, None] * n).reshape(-1)
    return blocks.reshape(b * n, -1).index_select(0, index).reshape(blocks.shape)
