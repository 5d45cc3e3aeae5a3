"""Edge compatibility of square pieces: the Mahalanobis gradient compatibility (MGC).

Gallagher (CVPR 2012): across a true boundary, the gradient from the last column of the left piece to
the first column of the right piece follows the distribution of the gradients just inside the left
piece (and, mirrored, just inside the right piece). The dissimilarity is the Mahalanobis distance of the
boundary gradients under that distribution, summed over the boundary rows and over both sides.

All N x N pairs are computed with a few matrix products (no Python loop over pairs).
"""
from typing import Tuple

import numpy as np


def as_pieces(blocks: np.ndarray) -> np.ndarray:
    """(N, P, P[, C]) blocks of any dtype -> (N, P, P, C) float64."""
    blocks = np.asarray(blocks)
    if blocks.ndim == 3:
        blocks = blocks[..., None]
    if blocks.ndim != 4 or blocks.shape[1] != blocks.shape[2]:
        raise ValueError(f'expected square blocks (N, P, P[, C]), got shape {blocks.shape}')
    if blocks.shape[1] < 2:
        raise ValueError('pieces must be at least 2 x 2 pixels to measure gradients')
    return blocks.astype(np.float64)


def _one_sided(edge: np.ndarray, inner: np.ndarray, other: np.ndarray, ridge: float) -> np.ndarray:
    """Mahalanobis part seen from the piece that owns ``edge``.

    Args:
        edge (np.ndarray): (N, P, C) the boundary column of piece i.
        inner (np.ndarray): (N, P, C) the column next to it, inside piece i.
        other (np.ndarray): (N, P, C) the boundary column of each candidate j that would touch ``edge``.
        ridge (float): added to the gradient covariance's diagonal (flat pieces have none).

    Returns:
        np.ndarray: (N, N), entry [i, j] = sum over rows of the Mahalanobis distance of
        (other_j - edge_i) to the distribution of (edge_i - inner_i).
    """
    n, p, c = edge.shape
    grads = edge - inner
    mu = grads.mean(axis=1)  # (N, C)
    centred = grads - mu[:, None]
    cov = np.einsum('npc,npd->ncd', centred, centred) / max(p - 1, 1) + ridge * np.eye(c)
    inv_cov = np.linalg.inv(cov)  # (N, C, C)
    # (x_j - b_i)^T A_i (x_j - b_i) with b_i = edge_i + mu_i, expanded into three matrix products
    b = edge + mu[:, None]
    a_b = np.einsum('ncd,npd->npc', inv_cov, b)
    second_moments = np.einsum('npc,npd->ncd', other, other).reshape(n, c * c)
    quad = inv_cov.reshape(n, c * c) @ second_moments.T
    cross = a_b.reshape(n, p * c) @ other.reshape(n, p * c).T
    const = np.einsum('npc,npc->n', a_b, b)
    return np.maximum(quad - 2 * cross + const[:, None], 0.0)


def mgc_left_right(pieces: np.ndarray, ridge: float) -> np.ndarray:
    """(N, N) dissimilarity of putting piece j immediately right of piece i (both sides of MGC)."""
    right, right_inner = pieces[:, :, -1], pieces[:, :, -2]
    left, left_inner = pieces[:, :, 0], pieces[:, :, 1]
    from_left = _one_sided(right, right_inner, left, ridge)  # [i, j]
    from_right = _one_sided(left, left_inner, right, ridge)  # [j, i]
    return from_left + from_right.T


def mgc_dissimilarities(blocks: np.ndarray, ridge_ratio: float = 0.01) -> Tuple[np.ndarray, np.ndarray]:
    """MGC dissimilarities of all ordered pairs of pieces, horizontally and vertically.

    Args:
        blocks (np.ndarray): (N, P, P[, C]) pieces in any order, any dtype.
        ridge_ratio (float): covariance regulariser, relative to the mean variance of all the
            in-piece boundary gradients (scale free: 0-1 or 0-255 images behave alike).

    Returns:
        tuple[np.ndarray, np.ndarray]: ``right`` and ``down``, each (N, N) float64 with +inf on the
        diagonal; ``right[i, j]`` scores j right of i, ``down[i, j]`` scores j below i. Lower is
        more compatible.
    """
    pieces = as_pieces(blocks)
    grads = np.concatenate([
        pieces[:, :, -1] - pieces[:, :, -2], pieces[:, :, 0] - pieces[:, :, 1], pieces[:, -1] - pieces[:, -2],
        pieces[:, 0] - pieces[:, 1]
    ],
                           axis=1)
    ridge = ridge_ratio * float(grads.var(axis=(0, 1)).mean()) + 1e-12
    right = mgc_left_right(pieces, ridge)
    down = mgc_left_right(pieces.transpose(0, 2, 1, 3), ridge)
    np.fill_diagonal(right, np.inf)
    np.fill_diagonal(down, np.inf)
    return right, down
