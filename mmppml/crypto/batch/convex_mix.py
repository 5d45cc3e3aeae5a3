"""Convex MI of a batch (torch twin of :mod:`mmppml.crypto.convex_mix`)."""
import torch


def convex_mix_batch(x: torch.Tensor, patch_size: int, sub_patch_size: int, weights: torch.Tensor) -> torch.Tensor:
    """Convex MI of a batch: each P x P patch becomes the weighted sum of its S x S sub-patches.

    Args:
        x (torch.Tensor): (B, C, H, W) float, H and W multiples of P.
        patch_size (int): P.
        sub_patch_size (int): S, a proper divisor of P; r = P / S.
        weights (torch.Tensor): (B, H / P, W / P, r * r), each patch's weights summing to 1; weight
            ``a * r + b`` goes to sub-patch (a, b), as :func:`mmppml.crypto.convex_mix_subpatches`.

    Returns:
        torch.Tensor: (B, C, H * S / P, W * S / P).
    """
    b, c, h, w = x.shape
    p, s = patch_size, sub_patch_size
    r, gh, gw = p // s, h // p, w // p
    grid = x.reshape(b, c, gh, r, s, gw, r, s)
    mixed = torch.einsum('ncyaixbj,nyxab->ncyixj', grid, weights.to(x).reshape(b, gh, gw, r, r))
    return mixed.reshape(b, c, gh * s, gw * s)
