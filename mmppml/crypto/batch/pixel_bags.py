"""Pixel bags of a batch (torch twin of :mod:`mmppml.crypto.pixel_bags`)."""
from typing import Optional

import torch

from .patch_shuffle import _blocks, _random_perms, _shuffle_blocks, _unblocks


def pixel_bags_batch(x: torch.Tensor, block: int, generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Pixel bags of a batch: a fresh pixel permutation inside every block (the channels of a pixel
    move together), then a fresh shuffle of each image's blocks.

    Args:
        x (torch.Tensor): (B, C, H, W), H and W multiples of ``block``.
        block (int): the block side b.
        generator (torch.Generator, optional): where the permutations come from.

    Returns:
        torch.Tensor: same shape; every output block holds the pixels of one input block.
    """
    blocks = _blocks(x, block)
    b, n, c, k = blocks.shape
    pixel_perm = _random_perms(b * n, k, x, generator).reshape(b, n, 1, k)
    blocks = torch.gather(blocks, 3, pixel_perm.expand_as(blocks))
    return _unblocks(_shuffle_blocks(blocks, x, generator), block, x.shape)
