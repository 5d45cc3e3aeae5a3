"""MI of a batch (torch twin of :mod:`mmppml.crypto.subpatch_mix`)."""
import torch


def mix_batch(x: torch.Tensor, patch_size: int, sub_patch_size: int) -> torch.Tensor:
    """MI of a batch: each P x P patch becomes the mean of its S x S sub-patches.

    Args:
        x (torch.Tensor): (B, C, H, W) float, H and W multiples of P.
        patch_size (int): P.
        sub_patch_size (int): S, a proper divisor of P.

    Returns:
        torch.Tensor: (B, C, H * S / P, W * S / P).
    """
    b, c, h, w = x.shape
    p, s = patch_size, sub_patch_size
    r = p // s
    # Sums of strided views (no reduction over scattered axes): the r sub-patch rows of each row of
    # patches, then the r sub-patch columns; exact for pixel values (integers), divided once.
    rows = x.reshape(b, c, h // p, r, s, w)
    total = rows[:, :, :, 0]
    for a in range(1, r):
        total = total + rows[:, :, :, a]
    cols = total.reshape(b, c, h // p, s, w // p, r, s)
    mixed = cols[..., 0, :]
    for a in range(1, r):
        mixed = mixed + cols[..., a, :]
    return (mixed / (r * r)).reshape(b, c, h // r, w // r)
