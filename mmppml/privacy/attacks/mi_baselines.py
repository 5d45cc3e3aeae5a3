"""Reconstructions of a plain image from its MI encryption that need no training, and the scores.

- ``upsample_mixed``: resize the MI image (nearest or bicubic): what a viewer sees.
- ``tile_mixed``: every sub-patch set to the mixed block (least squares without a prior).
- ``prior_unmix``: the image that re-mixes exactly to the MI image and has the least total
  variation (a smoothness prior; projected gradient descent).

PSNR and SSIM come from :mod:`skimage.metrics`.
"""
from typing import Dict

import numpy as np

from mmppml.crypto import check_mix_sizes, round_to_uint8


def upsample_mixed(mixed: np.ndarray, ratio: int, order: int = 3) -> np.ndarray:
    """Resize the MI image by ``ratio`` (order 0 = nearest, 3 = bicubic) to the plain size, uint8."""
    from skimage.transform import resize
    h, w = mixed.shape[:2]
    out = resize(
        np.asarray(mixed, dtype=np.float64), (h * ratio, w * ratio) + mixed.shape[2:],
        order=order,
        anti_aliasing=False,
        preserve_range=True)
    return round_to_uint8(out)


def upsample_each(mixed: np.ndarray, ratio: int) -> np.ndarray:
    """(K, h, w[, C]) MI images, each upsampled ``ratio`` times by nearest neighbour: (K, h * r, w * r[, C]) uint8."""
    return np.stack([upsample_mixed(m, ratio, order=0) for m in mixed])


def tile_mixed(mixed: np.ndarray, patch_size: int, sub_patch_size: int) -> np.ndarray:
    """Every sub-patch set to its mixed block: the least-squares inverse with no image prior, uint8."""
    r = check_mix_sizes(patch_size, sub_patch_size)
    s = sub_patch_size
    h, w = mixed.shape[:2]
    rest = mixed.shape[2:]
    blocks = np.asarray(mixed).reshape(h // s, 1, s, w // s, 1, s, *rest)
    tiled = np.broadcast_to(blocks, (h // s, r, s, w // s, r, s, *rest))
    return round_to_uint8(tiled.reshape(h * r, w * r, *rest))


def _spread(mixed_residual: np.ndarray, r: int, s: int) -> np.ndarray:
    """Add a mixed-resolution residual evenly to the r^2 pixels it averages (float)."""
    h, w = mixed_residual.shape[:2]
    rest = mixed_residual.shape[2:]
    blocks = mixed_residual.reshape(h // s, 1, s, w // s, 1, s, *rest)
    return np.broadcast_to(blocks, (h // s, r, s, w // s, r, s, *rest)).reshape(h * r, w * r, *rest)


def prior_unmix(mixed: np.ndarray,
                patch_size: int,
                sub_patch_size: int,
                iterations: int = 300,
                step: float = 1.0,
                eps: float = 2.0) -> np.ndarray:
    """Least total variation image consistent with the MI image.

    Minimises sum sqrt(grad^2 + eps^2) over horizontal and vertical differences subject to
    ``mix_subpatches(x) == mixed``; each step is a gradient step followed by the exact projection onto
    the constraint (spreading the mixing residual evenly over the r^2 pixels of each group).

    Args:
        mixed (np.ndarray): (h, w[, C]) MI image, 0-255 range.
        iterations (int): projected gradient steps.
        step (float): step size (0-255 units).
        eps (float): smoothing of the absolute value, 0-255 units.

    Returns:
        np.ndarray: (h * r, w * r[, C]) uint8.
    """
    from mmppml.crypto import mix_subpatches
    r = check_mix_sizes(patch_size, sub_patch_size)
    s = sub_patch_size
    y = np.asarray(mixed, dtype=np.float64)
    x = _spread(y, r, s).copy()
    for _ in range(iterations):
        gx, gy = np.diff(x, axis=1), np.diff(x, axis=0)
        wx, wy = gx / np.sqrt(gx**2 + eps**2), gy / np.sqrt(gy**2 + eps**2)
        grad = np.zeros_like(x)
        grad[:, 1:] += wx
        grad[:, :-1] -= wx
        grad[1:] += wy
        grad[:-1] -= wy
        x -= step * grad
        x += _spread(y - mix_subpatches(x, patch_size, s), r, s)
    return round_to_uint8(x)


def thumbnail_reference(plain: np.ndarray, ratio: int) -> np.ndarray:
    """The plain image downsampled by ``ratio`` and upsampled back (bicubic): what a thumbnail at the
    MI resolution shows, for comparison."""
    from skimage.transform import resize
    h, w = plain.shape[:2]
    small = resize(
        plain.astype(np.float64), (h // ratio, w // ratio) + plain.shape[2:], anti_aliasing=True, preserve_range=True)
    return upsample_mixed(small, ratio, order=3)


def image_scores(plain: np.ndarray, recovered: np.ndarray) -> Dict[str, float]:
    """PSNR (dB; inf for identical images) and SSIM of ``recovered`` against ``plain``, both uint8 (H, W[, C])."""
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity
    if plain.shape != recovered.shape:
        raise ValueError(f'shapes differ: plain {plain.shape} vs recovered {recovered.shape}')
    channel_axis = -1 if plain.ndim == 3 else None
    return dict(
        psnr=float(peak_signal_noise_ratio(plain, recovered, data_range=255)),
        ssim=float(structural_similarity(plain, recovered, data_range=255, channel_axis=channel_axis)))


def mean_squared_error(plain: np.ndarray, recovered: np.ndarray) -> float:
    """Mean squared error (0-255 scale) between two images or two stacks of images of one shape."""
    return float(np.mean((np.asarray(plain, np.float64) - np.asarray(recovered, np.float64))**2))


def pooled_psnr(mse: float) -> float:
    """PSNR (dB) of a mean squared error pooled over many images: finite unless every image is exact
    (which a per-image mean of PSNRs is not, once one reconstruction is exact)."""
    return float('inf') if mse == 0 else float(10 * np.log10(255**2 / mse))
