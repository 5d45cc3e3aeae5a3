"""The keyed scramble of a batch (torch twin of :func:`mmppml.crypto.apply_scramble`)."""
import math

import torch


def scramble_batch(x: torch.Tensor, pixel_perm: torch.Tensor, sign_mask: torch.Tensor,
                   offset: torch.Tensor) -> torch.Tensor:
    """The keyed scramble of a batch: the same pixel permutation and sign mask in every block.

    Args:
        x (torch.Tensor): (B, C, H, W), H and W multiples of the block side b.
        pixel_perm (torch.Tensor): (b * b,) int64: output pixel ``j`` of a block is input pixel ``pixel_perm[j]``.
        sign_mask (torch.Tensor): (C, b * b) bool: True inverts the output pixel, ``v -> offset[c] - v``.
        offset (torch.Tensor): (C,), 255 on the pixel scale, ``(255 - 2 * mean) / std`` once normalised.

    Returns:
        torch.Tensor: same shape, as :func:`mmppml.crypto.apply_scramble` with ``float_max=255`` on pixels.
    """
    b, c, h, w = x.shape
    k = pixel_perm.numel()
    side = math.isqrt(k)
    gh, gw = h // side, w // side
    blocks = x.reshape(b, c, gh, side, gw, side).permute(0, 1, 2, 4, 3, 5).reshape(b, c, gh, gw, k)
    moved = blocks.index_select(4, pixel_perm.to(x.device))
    mask = sign_mask.to(x.device)[None, :, None, None, :]
    moved = torch.where(mask, offset.to(x).reshape(1, c, 1, 1, 1) - moved, moved)
    return moved.reshape(b, c, gh, gw, side, side).permute(0, 1, 2, 4, 3, 5).reshape(b, c, h, w)
