"""Re-identification from another view: which of K same-class gallery images is another view of the
instance behind a ciphertext?

The gallery of each target holds one view of its original (:mod:`~mmppml.privacy.scores.views`: shift,
contrast, blur) and views of K - 1 other images of its class, so knowing the class (which the trainer
holds with the labels) is worth 1 / K. Two attackers:

- (a) a reconstruction (the strongest attack's output) ranked against the gallery by within-class
  matchers of this module: pixel correlation at the best small shift, SSIM, or the cosine of the
  features of a model trained on plain public images
  (:func:`~mmppml.privacy.scores.matcher.train_view_embedding`);
- (b) a learned matcher that embeds the ciphertext itself and the plain views
  (:func:`~mmppml.privacy.scores.matcher.train_cipher_matcher`), trained on pairs made from public images.

The plain image as query (no encryption) is the upper bound; a class prototype as query (what the
label alone gives) must score chance.
"""
from typing import Dict

import numpy as np

from .fidelity import ssim_to_gallery


def _zscore(x: np.ndarray) -> np.ndarray:
    """(..., H, W) -> (..., H * W) float64 with zero mean and unit norm per row (constant rows: zero)."""
    x = np.asarray(x, dtype=np.float64)
    flat = x.reshape(x.shape[:-2] + (-1, ))
    flat = flat - flat.mean(axis=-1, keepdims=True)
    norm = np.linalg.norm(flat, axis=-1, keepdims=True)
    return flat / np.where(norm > 1e-9, norm, 1.)


def shift_zero(x: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Shift (n, H, W) images by (dy, dx) pixels, filling with zeros."""
    out = np.zeros_like(x)
    h, w = x.shape[-2:]
    out[..., max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        x[..., max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def correlation_distances(queries: np.ndarray,
                          pool: np.ndarray,
                          galleries: np.ndarray,
                          max_shift: int = 2,
                          chunk_elements: int = 2**24) -> np.ndarray:
    """1 - the best Pearson correlation of each query, shifted by up to ``max_shift`` pixels, with each
    gallery image (invariant to contrast and brightness, tolerant to small shifts).

    Args:
        queries (np.ndarray): (T, H, W) the images the attacker holds.
        pool (np.ndarray): (M, H, W) the images the galleries index.
        galleries (np.ndarray): (T, K) pool indices.
        chunk_elements (int): about how many pixels a chunk of targets holds (memory, not results).

    Returns:
        np.ndarray: (T, K) in [0, 2].
    """
    pool_z = _zscore(pool).astype(np.float32)
    q = np.asarray(queries, dtype=np.float64)
    shifts = [(dy, dx) for dy in range(-max_shift, max_shift + 1) for dx in range(-max_shift, max_shift + 1)]
    chunk = max(1, chunk_elements // (pool_z.shape[1] * (galleries.shape[1] + len(shifts))))
    best = np.empty(galleries.shape)
    for i in range(0, len(q), chunk):
        part = q[i:i + chunk]
        qz = np.stack([_zscore(shift_zero(part, dy, dx)) for dy, dx in shifts], axis=1).astype(np.float32)
        g = pool_z[galleries[i:i + chunk]]  # (t, K, D)
        corr = np.matmul(qz, g.transpose(0, 2, 1))  # (t, S, K)
        best[i:i + chunk] = corr.max(axis=1)
    return 1. - best


def ssim_distances(queries: np.ndarray, pool: np.ndarray, galleries: np.ndarray) -> np.ndarray:
    """-SSIM of each query to each gallery image: (T, K)."""
    return -ssim_to_gallery(queries, pool, galleries)


def embedding_distances(query_features: np.ndarray, pool_features: np.ndarray, galleries: np.ndarray) -> np.ndarray:
    """1 - cosine of (T, D) query features with (M, D) pool features at the gallery indices: (T, K)."""
    q = query_features / np.maximum(np.linalg.norm(query_features, axis=1, keepdims=True), 1e-12)
    p = pool_features / np.maximum(np.linalg.norm(pool_features, axis=1, keepdims=True), 1e-12)
    return 1. - np.einsum('td,tkd->tk', q, p[galleries])


def image_matcher_distances(queries: np.ndarray,
                            pool_views: np.ndarray,
                            galleries: np.ndarray,
                            embed=None,
                            pool_features: np.ndarray = None) -> Dict[str, np.ndarray]:
    """The distances of attacker (a)'s matchers, by name.

    Args:
        queries (np.ndarray): (T, H, W) images the attacker holds (reconstructions; or plain images or
            prototypes as references).
        pool_views (np.ndarray): (M, H, W) the gallery views.
        galleries (np.ndarray): (T, K) pool indices.
        embed (callable, optional): (n, H, W) uint8 -> (n, D) features of a model trained on plain
            public images; with ``pool_features`` (its features of ``pool_views``), adds ``features``.

    Returns:
        dict: ``pixels`` (:func:`correlation_distances`), ``ssim`` (:func:`ssim_distances`) and, when
        given an embedding, ``features``; each (T, K).
    """
    out = dict(
        pixels=correlation_distances(queries, pool_views, galleries),
        ssim=ssim_distances(queries, pool_views, galleries))
    if embed is not None:
        out['features'] = embedding_distances(embed(queries), pool_features, galleries)
    return out
