"""Noisy RS-on-MI: MI, then Gaussian noise on the mixed values, then a fresh shuffle of the S x S blocks.

The noise is drawn afresh per pixel and per image and is never stored; it blurs the fine values that a
block-position attacker and an MI inverter read, at a cost to the task model (calibrate ``sigma`` on the
privacy-utility frontier).
"""
import numpy as np

from .keys import SeedLike, new_rng
from .patch_shuffle import random_patch_shuffle
from .patches import check_image, check_shuffle_grid
from .subpatch_mix import mix_subpatches


def check_sigma(sigma: float) -> float:
    """Return ``sigma`` or raise: a noise standard deviation, >= 0."""
    if not sigma >= 0:
        raise ValueError(f'sigma must be >= 0, got {sigma!r}')
    return sigma


def add_gaussian_noise(img: np.ndarray, sigma: float, seed: SeedLike = None) -> np.ndarray:
    """``img + N(0, sigma^2)`` per value, as float32 (no clipping, so the noise stays zero-mean).

    Args:
        img (np.ndarray): any shape; values on the image's own scale (0-255 for uint8 sources).
        sigma (float): standard deviation, >= 0, on that scale.
    """
    check_sigma(sigma)
    out = np.asarray(img, dtype=np.float32).copy()
    if sigma > 0:
        out += new_rng(seed).normal(0., sigma, size=out.shape).astype(np.float32)
    return out


def noisy_shuffled_mix(img: np.ndarray,
                       patch_size: int,
                       sub_patch_size: int,
                       sigma: float,
                       seed: SeedLike = None) -> np.ndarray:
    """MI (P, S), Gaussian noise of ``sigma`` on the mixed image, then a shuffle of its S x S blocks.

    Args:
        img (np.ndarray): (H, W) or (H, W, C), H and W multiples of ``patch_size``.
        patch_size (int): the patch size P.
        sub_patch_size (int): S, a proper divisor of P.
        sigma (float): noise standard deviation on the image's scale (0-255 for uint8).
        seed (None | int | np.random.Generator): see :func:`mmppml.crypto.new_rng`; an int is insecure.

    Returns:
        np.ndarray: (H * S / P, W * S / P[, C]) float32. ``sigma=0`` gives RS-on-MI exactly.
    """
    check_shuffle_grid(check_image(img, patch_size), patch_size)
    rng = new_rng(seed)
    mixed = add_gaussian_noise(mix_subpatches(img, patch_size, sub_patch_size), sigma, rng)
    return random_patch_shuffle(mixed, sub_patch_size, rng)
