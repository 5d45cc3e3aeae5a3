"""Ciphertext-only recovery of a dataset-wide keyed scramble from pixel statistics.

Inside natural-image blocks every pixel correlates positively with every other, and neighbours most of
all. The keyed scramble moves pixels and inverts some of them in the same way in every block, so over
many encrypted blocks:

1. signs: the sign of each pixel's correlation with a reference pixel gives its inversion, up to one
   global flip;
2. layout: after undoing the signs and removing each block's mean, the correlation between two
   positions is highest for pixels that were neighbours; placing the b*b positions on a b x b grid so
   that grid neighbours correlate most (spectral embedding, then pairwise swaps) recovers the pixel
   permutation up to the 8 symmetries of the square.

The result is a :class:`~mmppml.crypto.keyed_scramble.ScrambleKey` usable with ``invert_scramble``.
"""
from typing import Dict

import numpy as np
from scipy.optimize import linear_sum_assignment

from mmppml.crypto.keyed_scramble import ScrambleKey
from ..blocks import pooled_blocks

blocks_of = pooled_blocks  # (M, b, b, C) float64: the blocks of several images, as the estimators read them


def estimate_signs(x: np.ndarray) -> np.ndarray:
    """Estimate which features were inverted, up to a global flip.

    Args:
        x (np.ndarray): (M, F) samples of F encrypted features (positions x channels).

    Returns:
        np.ndarray: (F,) bool, True where the feature is inverted relative to the reference (the
        feature that correlates most strongly with all others).
    """
    corr = np.corrcoef(x, rowvar=False)
    corr = np.nan_to_num(corr)
    ref = int(np.argmax(np.abs(corr).sum(axis=1)))
    return corr[ref] < 0


def position_affinity(x: np.ndarray, inverted: np.ndarray, channels: int) -> np.ndarray:
    """Correlation between block positions after undoing the signs and each block's mean colour.

    Args:
        x (np.ndarray): (M, F) samples, F = positions * channels in (position, channel) order.
        inverted (np.ndarray): (F,) bool from :func:`estimate_signs`.
        channels (int): the number of channels C.

    Returns:
        np.ndarray: (Q, Q) correlations averaged over channels, Q = F / C, zero diagonal.
    """
    m = x.shape[0]
    y = np.where(inverted, -x, x).reshape(m, -1, channels)
    y = y - y.mean(axis=1, keepdims=True)  # the block's mean carries no layout information
    q = y.shape[1]
    affinity = np.zeros((q, q))
    for c in range(channels):
        affinity += np.nan_to_num(np.corrcoef(y[:, :, c], rowvar=False))
    affinity /= channels
    np.fill_diagonal(affinity, 0.0)
    return affinity


def grid_adjacency(b: int) -> np.ndarray:
    """(b*b, b*b) 0/1 adjacency of the 4-connected b x b grid, raster order."""
    idx = np.arange(b * b).reshape(b, b)
    adj = np.zeros((b * b, b * b))
    adj[idx[:, :-1].ravel(), idx[:, 1:].ravel()] = 1
    adj[idx[:-1].ravel(), idx[1:].ravel()] = 1
    return adj + adj.T


def layout_objective(affinity: np.ndarray, cell_to_pos: np.ndarray, adjacency: np.ndarray) -> float:
    """Sum of the affinities of grid-adjacent cells (each pair once)."""
    return float(0.5 * np.sum(affinity[np.ix_(cell_to_pos, cell_to_pos)] * adjacency))


def spectral_layout(affinity: np.ndarray, b: int, adjacency: np.ndarray, n_angles: int = 90) -> np.ndarray:
    """Initial layout from the two leading non-trivial Laplacian eigenvectors.

    On the graph linking each position to its 4 strongest partners (the grid itself when the data
    suffice), those eigenvectors are the grid's coordinates warped by a cosine, turned by an unknown
    angle (their eigenvalue is double). For each angle the embedded positions are matched one to one
    to the ideal warped grid (Hungarian algorithm); the angle with the best objective wins.

    Returns:
        np.ndarray: (b*b,) ``cell_to_pos``: the position placed at each grid cell (raster order).
    """
    q = len(affinity)
    top = np.argsort(-affinity, axis=1)[:, :4]
    graph = np.zeros_like(affinity)
    graph[np.repeat(np.arange(q), 4), top.ravel()] = 1.0
    graph = np.maximum(graph, graph.T)
    _, vecs = np.linalg.eigh(np.diag(graph.sum(axis=1)) - graph)
    emb = vecs[:, 1:3]
    warp = np.cos(np.pi * (np.arange(b) + 0.5) / b) * np.sqrt(2) / b  # unit-norm grid eigenvector
    ys, xs = np.divmod(np.arange(q), b)
    target = np.stack([warp[xs], warp[ys]], axis=1)
    best, best_val = None, -np.inf
    for theta in np.linspace(0, np.pi / 2, n_angles, endpoint=False):
        rot = emb @ np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
        cost = ((rot[:, None, :] - target[None])**2).sum(axis=-1)
        pos, cell = linear_sum_assignment(cost)
        cell_to_pos = np.empty(q, dtype=np.int64)
        cell_to_pos[cell] = pos
        val = layout_objective(affinity, cell_to_pos, adjacency)
        if val > best_val:
            best, best_val = cell_to_pos, val
    return best


def refine_layout(affinity: np.ndarray,
                  cell_to_pos: np.ndarray,
                  adjacency: np.ndarray,
                  max_swaps: int = 10000) -> np.ndarray:
    """Hill climbing: repeatedly apply the swap of two cells that raises the objective most."""
    cell_to_pos = cell_to_pos.copy()
    for _ in range(max_swaps):
        wa = affinity[np.ix_(cell_to_pos, cell_to_pos)]  # affinities between cells
        s = wa @ adjacency  # s[x, u]: affinity of cell x's content to the neighbours of cell u
        d = np.diag(s)
        gain = s + s.T - d[:, None] - d[None, :] + 2 * adjacency * wa
        u, v = np.unravel_index(np.argmax(gain), gain.shape)
        if gain[u, v] <= 1e-12:
            break
        cell_to_pos[[u, v]] = cell_to_pos[[v, u]]
    return cell_to_pos


def recover_scramble_key(blocks: np.ndarray) -> ScrambleKey:
    """Estimate a keyed scramble from encrypted blocks only.

    Args:
        blocks (np.ndarray): (M, b, b[, C]) encrypted blocks, from many images (see :func:`blocks_of`).

    Returns:
        ScrambleKey: a key whose ``invert_scramble`` restores the blocks up to one of the 8 symmetries
        of the square (the same for every block) and a global sign flip.
    """
    blocks = np.asarray(blocks, dtype=np.float64)
    blocks = blocks[..., None] if blocks.ndim == 3 else blocks
    m, b, _, c = blocks.shape
    if m < 2:
        raise ValueError('key recovery needs at least two encrypted blocks')
    x = blocks.reshape(m, b * b * c)
    inverted = estimate_signs(x)
    affinity = position_affinity(x, inverted, c)
    adjacency = grid_adjacency(b)
    cell_to_pos = refine_layout(affinity, spectral_layout(affinity, b, adjacency), adjacency)
    # invert_scramble reads restored cell u from encrypted position argsort(pixel_perm)[u]
    return ScrambleKey(b, np.argsort(cell_to_pos), inverted.reshape(b, b, c))


def _square_symmetries(b: int):
    """The 8 symmetries of the b x b grid as cell permutations (raster order)."""
    idx = np.arange(b * b).reshape(b, b)
    for k in range(4):
        rot = np.rot90(idx, k)
        yield rot.ravel()
        yield rot.T.ravel()


def key_recovery_scores(estimate: ScrambleKey, truth: ScrambleKey) -> Dict[str, float]:
    """How much of the key was recovered.

    Returns:
        dict: ``positions``: fraction of pixels put at their true in-block position, under the best
        of the 8 square symmetries; ``adjacency``: fraction of truly adjacent pixel pairs that are
        adjacent in the estimate (symmetry invariant); ``signs``: fraction of correct inversion bits
        under the best global flip.
    """
    b = truth.block_size
    if estimate.block_size != b:
        raise ValueError('estimate and truth have different block sizes')
    true_c2p, est_c2p = np.argsort(truth.pixel_perm), np.argsort(estimate.pixel_perm)
    pos_to_est_cell = np.argsort(est_c2p)
    positions = max(float(np.mean(est_c2p[sym] == true_c2p)) for sym in _square_symmetries(b))
    adj = grid_adjacency(b)
    us, vs = np.nonzero(np.triu(adj))
    eu, ev = pos_to_est_cell[true_c2p[us]], pos_to_est_cell[true_c2p[vs]]
    adjacency = float(np.mean(adj[eu, ev] > 0))
    agree = float(np.mean(estimate.sign_mask == truth.sign_mask))
    return dict(positions=positions, adjacency=adjacency, signs=max(agree, 1 - agree))


def align_to_truth(estimate: ScrambleKey, truth: ScrambleKey) -> ScrambleKey:
    """Resolve the symmetry and the global flip of an estimate with the true key (for scoring only).

    An attacker without the key looks at the 16 candidate decryptions instead; this picks the one
    closest to the truth so that downstream scores measure what the statistics recovered.
    """
    b = truth.block_size
    true_c2p, est_c2p = np.argsort(truth.pixel_perm), np.argsort(estimate.pixel_perm)
    sym = max(_square_symmetries(b), key=lambda s: np.mean(est_c2p[s] == true_c2p))
    mask = estimate.sign_mask
    if np.mean(mask == truth.sign_mask) < 0.5:
        mask = ~mask
    return ScrambleKey(b, np.argsort(est_c2p[sym]), mask)
