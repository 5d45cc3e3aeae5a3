"""Galleries and rank scores: where the true instance lands among K candidates of its class.

A score of this module starts from a (T, K) matrix of distances: row t compares what the attacker holds
for target t (a ciphertext, a reconstruction, the plain image) with the K candidates of its gallery,
column 0 being the true instance. Lower is closer. Ties are broken uniformly at random in expectation,
so a constant score lands at chance (top-1 = 1 / K) and the truth's column gives it no advantage.
"""
from typing import Dict, Tuple

import numpy as np

Z95 = 1.959963984540054  # two-sided 95 % normal quantile


def same_class_galleries(labels: np.ndarray, targets: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """A gallery per target: itself first, then ``size - 1`` other images of its class, drawn without
    replacement.

    Args:
        labels (np.ndarray): (M,) class of every image of the pool the galleries are drawn from.
        targets (np.ndarray): (T,) indices into the pool.
        size (int): K, the gallery size (chance of a random guess: 1 / K).
        rng (np.random.Generator): draws the other members.

    Returns:
        np.ndarray: (T, K) int64 pool indices; column 0 holds the target.

    Raises:
        ValueError: if a class holds fewer than K images.
    """
    labels = np.asarray(labels)
    targets = np.asarray(targets, dtype=np.int64)
    if size < 2:
        raise ValueError(f'a gallery needs at least 2 images, got size={size}')
    members = {c: np.flatnonzero(labels == c) for c in np.unique(labels[targets])}
    out = np.empty((len(targets), size), dtype=np.int64)
    for row, t in enumerate(targets):
        others = members[labels[t]]
        others = others[others != t]
        if len(others) < size - 1:
            raise ValueError(f'class {labels[t]} has {len(others) + 1} images, a gallery needs {size}')
        out[row, 0] = t
        out[row, 1:] = rng.choice(others, size - 1, replace=False)
    return out


def random_galleries(pool_size: int, targets: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """A gallery per target of an unlabelled pool: itself first, then ``size - 1`` other images of the pool,
    drawn without replacement (what :func:`same_class_galleries` draws when every image has one class).

    Args:
        pool_size (int): M, the images of the pool.
        targets (np.ndarray): (T,) indices into the pool.
        size (int): K, at most M.
        rng (np.random.Generator): draws the other members.

    Returns:
        np.ndarray: (T, K) int64 pool indices; column 0 holds the target.
    """
    return same_class_galleries(np.zeros(pool_size, np.int64), targets, size, rng)


def truth_scores(distances: np.ndarray, truth: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """Top-1 and reciprocal rank of the true column, in expectation over random tie-breaking.

    Args:
        distances (np.ndarray): (T, K) lower = closer; NaN counts as farther than everything.
        truth (int): the column of the true instance.

    Returns:
        tuple[np.ndarray, np.ndarray]: (T,) float top-1 (1 / (1 + ties) when nothing is strictly
        closer, else 0) and (T,) float reciprocal rank (mean of 1 / rank over the tied places).
    """
    d = np.asarray(distances, dtype=np.float64)
    if d.ndim != 2 or not 0 <= truth < d.shape[1]:
        raise ValueError(f'distances must be (T, K) with K > truth={truth}, got {d.shape}')
    d = np.where(np.isnan(d), np.inf, d)
    true = d[:, truth:truth + 1]
    better = (d < true).sum(axis=1)
    tied = (d == true).sum(axis=1)  # includes the truth itself
    top1 = np.where(better == 0, 1.0 / tied, 0.0)
    harmonic = np.concatenate([[0.], np.cumsum(1.0 / np.arange(1, d.shape[1] + 1))])
    rr = (harmonic[better + tied] - harmonic[better]) / tied  # mean of 1 / r for r in better+1 .. better+tied
    return top1, rr


def wilson_interval(successes: float, n: int, z: float = Z95) -> Tuple[float, float]:
    """Wilson score interval of a proportion ``successes / n`` (fractional successes allowed)."""
    if n <= 0:
        return float('nan'), float('nan')
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(0., centre - half)), float(min(1., centre + half))


def mean_interval(values: np.ndarray, z: float = Z95) -> Tuple[float, float, float]:
    """Mean and its normal-approximation 95 % interval: (mean, low, high)."""
    v = np.asarray(values, dtype=np.float64)
    mean = float(v.mean())
    if len(v) < 2:
        return mean, float('nan'), float('nan')
    half = z * float(v.std(ddof=1)) / np.sqrt(len(v))
    return mean, mean - half, mean + half


def chance_mrr(size: int) -> float:
    """Mean reciprocal rank of a uniformly random ranking of ``size`` candidates: H_K / K."""
    return float(np.sum(1.0 / np.arange(1, size + 1)) / size)


def ranking_scores(distances: np.ndarray, truth: int = 0) -> Dict[str, float]:
    """Top-1 and MRR of the true column with 95 % intervals, next to chance.

    Args:
        distances (np.ndarray): (T, K), column ``truth`` is the true instance.

    Returns:
        dict: ``top1``, ``top1_low``, ``top1_high`` (Wilson), ``mrr``, ``mrr_low``, ``mrr_high``
        (normal approximation), ``chance_top1`` (1 / K), ``chance_mrr`` (H_K / K), ``targets`` (T),
        ``gallery`` (K).
    """
    top1, rr = truth_scores(distances, truth)
    n, k = np.asarray(distances).shape
    low, high = wilson_interval(float(top1.sum()), n)
    mrr, mrr_low, mrr_high = mean_interval(rr)
    mrr_low, mrr_high = max(0., mrr_low), min(1., mrr_high)  # a reciprocal rank lies in [0, 1]
    return dict(
        top1=float(top1.mean()),
        top1_low=low,
        top1_high=high,
        mrr=mrr,
        mrr_low=mrr_low,
        mrr_high=mrr_high,
        chance_top1=1.0 / k,
        chance_mrr=chance_mrr(k),
        targets=int(n),
        gallery=int(k))
