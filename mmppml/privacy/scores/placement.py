"""Scores of a jigsaw reassembly against the truth (Cho et al., CVPR 2010).

A reassembly is described by ``placed``: a (gh, gw) int array holding, for every cell of the block grid,
the original raster index of the block the attacker put there (-1 for an empty cell). The truth is
``np.arange(gh * gw).reshape(gh, gw)``.
"""
import numpy as np


def _check_placed(placed: np.ndarray) -> np.ndarray:
    placed = np.asarray(placed)
    if placed.ndim != 2 or not np.issubdtype(placed.dtype, np.integer):
        raise ValueError(f'placed must be a 2-D int array (the block grid), got {placed.dtype} {placed.shape}')
    n = placed.size
    if placed.max(initial=-1) >= n or placed.min(initial=0) < -1:
        raise ValueError(f'placed holds indices outside [-1, {n})')
    return placed


def placed_origins(layout: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """Translate a solver's layout into original block indices.

    Args:
        layout (np.ndarray): (gh, gw) indices into the attacker's list of blocks (-1 = empty).
        origin (np.ndarray): (N,) the original raster index of each block of that list (for a
            shuffle with ``perm``, ``origin = perm``).

    Returns:
        np.ndarray: (gh, gw) ``placed`` for the scores of this module.
    """
    layout = np.asarray(layout)
    origin = np.asarray(origin)
    return np.where(layout >= 0, origin[np.clip(layout, 0, None)], -1)


def direct_comparison(placed: np.ndarray) -> float:
    """Fraction of blocks at their correct absolute position."""
    placed = _check_placed(placed)
    return float(np.mean(placed == np.arange(placed.size).reshape(placed.shape)))


def shifted_direct_comparison(placed: np.ndarray) -> float:
    """Direct comparison after the best global translation of the reassembly.

    A solver that assembles the right picture one column off scores 0 by direct comparison; this
    score forgives one global shift (dy, dx). The fraction stays relative to all N blocks.
    """
    placed = _check_placed(placed)
    gh, gw = placed.shape
    truth = np.arange(placed.size).reshape(gh, gw)
    best = 0
    for dy in range(-gh + 1, gh):
        for dx in range(-gw + 1, gw):
            # cell (r, c) of the reassembly is compared with cell (r + dy, c + dx) of the truth
            sub = placed[max(0, -dy):gh - max(0, dy), max(0, -dx):gw - max(0, dx)]
            ref = truth[max(0, dy):gh + min(0, dy), max(0, dx):gw + min(0, dx)]
            best = max(best, int(np.sum(sub == ref)))
    return best / placed.size


def neighbour_comparison(placed: np.ndarray) -> float:
    """Fraction of the true adjacent pairs (left-right and top-bottom) that the reassembly keeps.

    Invariant to a global translation. A grid of gh x gw blocks has gh (gw - 1) + (gh - 1) gw pairs.
    """
    placed = _check_placed(placed)
    gh, gw = placed.shape
    n_pairs = gh * (gw - 1) + (gh - 1) * gw
    if n_pairs == 0:
        return 1.0
    left, right = placed[:, :-1], placed[:, 1:]
    top, bottom = placed[:-1, :], placed[1:, :]
    # original index p is left of p + 1 if both are in the same original row
    ok_h = (left >= 0) & (right == left + 1) & ((left % gw) != gw - 1)
    ok_v = (top >= 0) & (bottom == top + gw)
    return float((ok_h.sum() + ok_v.sum()) / n_pairs)


def jigsaw_scores(placed: np.ndarray) -> dict:
    """All three scores as a dict: ``direct``, ``direct_shifted``, ``neighbour``."""
    return dict(
        direct=direct_comparison(placed),
        direct_shifted=shifted_direct_comparison(placed),
        neighbour=neighbour_comparison(placed))


def chance_neighbour_score(grid: tuple) -> float:
    """Expected neighbour score of a uniformly random layout of a (gh, gw) grid (about 1 / N)."""
    gh, gw = grid
    n = gh * gw
    h_pairs, v_pairs = gh * (gw - 1), (gh - 1) * gw
    if h_pairs + v_pairs == 0:
        return 1.0
    # a true horizontal pair survives if p lands on one of the h_pairs left cells and p + 1 beside it
    return (h_pairs**2 + v_pairs**2) / (n * (n - 1) * (h_pairs + v_pairs))
