"""Per-instance fidelity: SSIM of each reconstruction to its original, and the within-class margin.

The margin is SSIM to the original minus the best SSIM to the other images of the target's gallery
(same class): positive when the reconstruction looks more like its own instance than like any other
member of the class, which is what an attacker needs to tell instances apart. A reconstruction that
only carries the class (e.g. a class prototype) has a margin near or below zero.

:func:`ssim_pairs` is skimage's ``structural_similarity`` with its defaults (7 x 7 uniform window,
sample covariance, K1 = 0.01, K2 = 0.03) for stacks of gray images, vectorised.
"""
from typing import Dict

import numpy as np

from .ranking import mean_interval

WIN = 7
C1, C2 = (0.01 * 255)**2, (0.03 * 255)**2


def _box(x: np.ndarray) -> np.ndarray:
    """Mean over every 7 x 7 window that fits (the last two axes): (..., H, W) -> (..., H - 6, W - 6).

    Sums of shifted slices (no running sums), so float32 keeps about 1e-6 relative precision."""
    h, w = x.shape[-2:]
    rows = x[..., :h - WIN + 1, :].copy()
    for i in range(1, WIN):
        rows += x[..., i:i + h - WIN + 1, :]
    out = rows[..., :w - WIN + 1].copy()
    for j in range(1, WIN):
        out += rows[..., j:j + w - WIN + 1]
    return out / np.float32(WIN**2)


def _moments(x: np.ndarray):
    """The image as float32, its windowed means and its windowed means of squares."""
    x = np.asarray(x, dtype=np.float32)
    return x, _box(x), _box(x * x)


def _ssim(a, ua, uaa, b, ub, ubb) -> np.ndarray:
    uab = _box(a * b)
    norm = WIN**2 / (WIN**2 - 1)  # sample covariance
    va, vb, vab = norm * (uaa - ua * ua), norm * (ubb - ub * ub), norm * (uab - ua * ub)
    s = (2 * ua * ub + C1) * (2 * vab + C2) / ((ua * ua + ub * ub + C1) * (va + vb + C2))
    return s.mean(axis=(-2, -1), dtype=np.float64)


def ssim_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """SSIM of gray images on the 0-255 scale, broadcast over leading axes.

    Args:
        a (np.ndarray): (..., H, W) images, H and W at least 7.
        b (np.ndarray): (..., H, W) images, broadcastable with ``a``.

    Returns:
        np.ndarray: the broadcast leading shape, float64; equals
        ``skimage.metrics.structural_similarity(a_i, b_i, data_range=255)`` pair by pair (to about 1e-5:
        the sums are float32).
    """
    return _ssim(*_moments(a), *_moments(b))


def ssim_to_gallery(queries: np.ndarray,
                    pool: np.ndarray,
                    galleries: np.ndarray,
                    chunk_elements: int = 2**23) -> np.ndarray:
    """SSIM of every query to every member of its gallery.

    Args:
        queries (np.ndarray): (T, H, W) what the attacker holds for each target.
        pool (np.ndarray): (M, H, W) the images the galleries index.
        galleries (np.ndarray): (T, K) pool indices.
        chunk_elements (int): about how many pixels a chunk of targets compares (memory, not results).

    Returns:
        np.ndarray: (T, K) float64.
    """
    chunk = max(1, chunk_elements // (galleries.shape[1] * pool[0].size))
    pb, pub, pubb = _moments(pool)
    qa, qua, quaa = _moments(queries)
    out = np.empty(galleries.shape, dtype=np.float64)
    for i in range(0, len(queries), chunk):
        g = galleries[i:i + chunk]
        sl = slice(i, i + chunk)
        out[sl] = _ssim(qa[sl, None], qua[sl, None], quaa[sl, None], pb[g], pub[g], pubb[g])
    return out


def instance_fidelity(recon: np.ndarray, pool: np.ndarray, galleries: np.ndarray) -> Dict[str, np.ndarray]:
    """SSIM of each reconstruction to its original, the best SSIM to the other gallery members, the margin.

    Args:
        recon (np.ndarray): (T, H, W) reconstructions, 0-255.
        pool (np.ndarray): (M, H, W) the original images (targets and the other members).
        galleries (np.ndarray): (T, K) pool indices, column 0 the target's original
            (:func:`~mmppml.privacy.scores.ranking.same_class_galleries`).

    Returns:
        dict: (T,) arrays ``ssim`` (to the original), ``best_other`` and ``margin`` (their difference).
    """
    s = ssim_to_gallery(recon, pool, galleries)
    best_other = s[:, 1:].max(axis=1)
    return dict(ssim=s[:, 0], best_other=best_other, margin=s[:, 0] - best_other)


def fidelity_summary(fidelity: Dict[str, np.ndarray]) -> Dict[str, float]:
    """Means with 95 % intervals of :func:`instance_fidelity`, and the share of positive margins."""
    margin, low, high = mean_interval(fidelity['margin'])
    return dict(
        ssim=float(np.mean(fidelity['ssim'])),
        best_other_ssim=float(np.mean(fidelity['best_other'])),
        margin=margin,
        margin_low=low,
        margin_high=high,
        positive_margin=float(np.mean(fidelity['margin'] > 0)))
