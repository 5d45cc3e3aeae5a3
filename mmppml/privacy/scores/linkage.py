"""Linkage: the attacker holds the very original among K candidates of its class and asks which one it is.

The worst case, stated first: whoever holds a copy of a photo (the subject, a leaked original, a public
image) encrypts every candidate with the public method and compares the result with the ciphertext,
order-free where the method shuffles. For a keyless mode whose content is deterministic (RS keeps the
blocks, MI is a fixed map, RS-on-MI keeps the mixed blocks) the true candidate matches exactly: the
encryption is not semantically secure, and a ciphertext confirms that a known image is in the data.

What the attacker compares, per mode, as its record says (:attr:`mmppml.crypto.Mode.linkage`; a *describer*
turns an image as handed over into (N, d) rows):

- ``rs``, ``rs-on-mi``: the blocks (P x P, resp. the S x S mixed blocks), as a set;
- ``mi``: the mixed blocks in place (MI keeps the layout);
- ``keyed-rs``, ``keyed-rs-on-mi`` *without the key*: per block, the sorted values of
  ``min(v, 255 - v)``. The key permutes pixels inside every block and inverts some of them, which leaves
  this bag unchanged, so no key is needed (and the key is recoverable anyway,
  :mod:`mmppml.privacy.attacks.key_recovery`);
- ``bag``: the sorted values of every block, as a set;
- ``noisy-rs-on-mi``: the noise-free mixed blocks, as a set; the noise only adds distance;
- ``convex-mi`` (random convex weights per patch): per patch, how far the mixed block lies from the affine
  hull of the candidate's r^2 sub-patches (zero for the true candidate, whatever the weights).

Two sets of rows are compared by the cheapest one-to-one matching of their rows (squared L2, Hungarian).
"""
from typing import Callable, Dict, Optional, Tuple

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from mmppml.crypto import Mode, new_rng, round_to_uint8, shuffle_patches, split_keyed, to_blocks

Describer = Callable[[np.ndarray], np.ndarray]
Encrypter = Callable[[np.ndarray], np.ndarray]


def block_rows(cipher: np.ndarray, block: int) -> np.ndarray:
    """(H, W) image -> (N, block * block) float64 rows, blocks in raster order."""
    return to_blocks(np.asarray(cipher), block).reshape(-1, block * block).astype(np.float64)


def folded_bags(cipher: np.ndarray, block: int, top: float = 255.) -> np.ndarray:
    """Per block, the sorted values of ``min(v, top - v)``: unchanged by any fixed in-block pixel
    permutation and per-pixel inversion ``v -> top - v`` (the keyed scramble). (N, block * block)."""
    rows = block_rows(cipher, block)
    return np.sort(np.minimum(rows, top - rows), axis=1)


def sorted_bags(cipher: np.ndarray, block: int) -> np.ndarray:
    """Per block, its sorted values (the bag of a pixel-bag ciphertext). (N, block * block)."""
    return np.sort(block_rows(cipher, block), axis=1)


def _linkable(mode: str) -> Tuple[Optional[Mode], bool, bool]:
    """(record, keyed, whether :func:`linkage_attacker` has an attacker for ``mode``)."""
    record, keyed = split_keyed(mode)
    if record is None or record.linkage not in ('blocks', 'bags'):
        return record, keyed, False
    # The keyed scramble is compared through folded bags, on what the offline tool hands over (uint8).
    return record, keyed, not keyed or (record.offline and record.linkage == 'blocks')


def compares_in_place(mode: str) -> bool:
    """Whether linkage of ``mode`` compares the blocks in place (an unkeyed mode that keeps the layout)."""
    record, keyed, usable = _linkable(mode)
    return usable and not keyed and record.keeps_layout


def linkage_attacker(mode: str,
                     p: int,
                     s: int = None,
                     rng: np.random.Generator = None) -> Tuple[Encrypter, Describer, bool]:
    """What the attacker of ``mode`` does without any secret: encrypt, describe, compare in order or as sets.

    The mode's record says how (:class:`~mmppml.crypto.Mode`): the attacker computes its ``content`` on a
    candidate and shuffles the blocks (or, without a content, runs its NumPy function with its own
    randomness), and describes every block as ``linkage`` says; ``keyed-<mode>`` describes folded bags.

    Args:
        mode (str): a mode of :data:`~mmppml.crypto.MODE_TABLE` whose ``linkage`` is ``'blocks'`` or ``'bags'``
            (``rs``, ``mi``, ``rs-on-mi``, ``noisy-rs-on-mi``, ``bag``), or ``keyed-`` and an offline one
            (``keyed-rs``, ``keyed-rs-on-mi``).
        p (int): the patch size P.
        s (int, optional): the sub-patch size S of the mixing modes.
        rng (np.random.Generator, optional): the attacker's own randomness (default: OS entropy).

    Returns:
        tuple: ``encrypt`` (plain (H, W) uint8 -> the attacker's ciphertext), ``describe`` (a ciphertext
        as handed over, or the attacker's own, -> (N, d) rows) and ``ordered`` (compare rows in place,
        not as sets).
    """
    rng = new_rng(rng)
    record, keyed, usable = _linkable(mode)
    if s is None and not (usable and not record.needs_sub_patch):
        raise ValueError(f'mode {mode!r} needs S')
    if not usable:
        raise ValueError(f'no linkage attacker for mode {mode!r}')
    b = record.block_size(p, s)

    def encrypt(x):
        if record.content is None:  # its randomness is more than a shuffle: run it with the attacker's own
            return record.numpy(x, p, s, record.param_value(), rng)
        c = record.content(x, p, s)
        if keyed:
            c = round_to_uint8(c)  # the keyed modes are handed over as uint8
        return shuffle_patches(c, b, rng.permutation((c.shape[0] // b) * (c.shape[1] // b))) if record.shuffles else c

    rows = folded_bags if keyed else sorted_bags if record.linkage == 'bags' else block_rows

    def describe(c):
        return rows(c, b)

    return encrypt, describe, record.keeps_layout and not keyed


def set_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Mean squared L2 between the rows of (N, d) ``a`` and (N, d) ``b`` under the cheapest one-to-one
    matching of rows (0 exactly when the two sets are equal)."""
    cost = ((a[:, None, :] - b[None, :, :])**2).sum(axis=2)
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].mean())


def linkage_distances(cipher_rows: np.ndarray, candidate_rows: np.ndarray, galleries: np.ndarray,
                      ordered: bool) -> np.ndarray:
    """Distance of every target's ciphertext to the attacker's encryption of every candidate of its gallery.

    Args:
        cipher_rows (np.ndarray): (T, N, d) described ciphertexts of the targets.
        candidate_rows (np.ndarray): (M, N, d) described attacker's encryptions of the pool.
        galleries (np.ndarray): (T, K) pool indices, column 0 the target's original.
        ordered (bool): compare rows in place (layout-keeping modes) instead of as sets.

    Returns:
        np.ndarray: (T, K) float64, lower = closer.
    """
    t, k = galleries.shape
    out = np.empty((t, k))
    for i in range(t):
        cand = candidate_rows[galleries[i]]  # (K, N, d)
        if ordered:
            out[i] = ((cand - cipher_rows[i][None])**2).sum(axis=2).mean(axis=1)
            continue
        for j in range(k):
            cost = cdist(cipher_rows[i], cand[j], 'sqeuclidean')  # (N, N), one candidate at a time
            rows, cols = linear_sum_assignment(cost)
            out[i, j] = cost[rows, cols].mean()
    return out


def convex_mix_residuals(cipher: np.ndarray, candidates: np.ndarray, p: int, s: int) -> np.ndarray:
    """Mean squared distance of every mixed block of one convex-MI ciphertext to the affine hull of the
    sub-patches of the same patch of each candidate: min over w with sum(w) = 1 of
    ``||y - sum_j w_j x_j||^2``, averaged over patches.

    Args:
        cipher (np.ndarray): (H * s / p, W * s / p) the ciphertext.
        candidates (np.ndarray): (K, H, W) the candidates' plain images.

    Returns:
        np.ndarray: (K,) float64, 0 (to rounding) for the image the ciphertext was made from.
    """
    k, h, w = candidates.shape
    r, gh, gw = p // s, h // p, w // p
    x = candidates.astype(np.float64).reshape(k, gh, r, s, gw, r, s).transpose(0, 1, 4, 2, 5, 3, 6)
    x = x.reshape(k, gh * gw, r * r, s * s)  # the sub-patches of every patch
    y = np.asarray(cipher, np.float64).reshape(gh, s, gw, s).transpose(0, 2, 1, 3).reshape(gh * gw, s * s)
    a = (x[:, :, 1:] - x[:, :, :1]).transpose(0, 1, 3, 2)  # (K, N, s*s, r*r - 1)
    b = y[None] - x[:, :, 0]  # (K, N, s*s)
    gram = a.transpose(0, 1, 3, 2) @ a
    ridge = 1e-9 * (np.trace(gram, axis1=2, axis2=3)[..., None, None] + 1.) * np.eye(r * r - 1)
    wts = np.linalg.solve(gram + ridge, (a.transpose(0, 1, 3, 2) @ b[..., None]))
    return ((b - (a @ wts)[..., 0])**2).sum(axis=2).mean(axis=1) / (s * s)


def linkage(ciphertexts: np.ndarray,
            pool: np.ndarray,
            galleries: np.ndarray,
            mode: str,
            p: int,
            s: int = None) -> Dict[str, float]:
    """Link each ciphertext to its original among the K candidates of its gallery.

    Args:
        ciphertexts (np.ndarray): (T, h, w) the targets' ciphertexts as handed over (fresh randomness each).
        pool (np.ndarray): (M, H, W) uint8 plain images the attacker holds (the galleries index them).
        galleries (np.ndarray): (T, K) pool indices, column 0 the target.
        mode (str): the mode, as :func:`linkage_attacker` takes it, or one whose ``linkage`` is
            ``'affine-hull'`` (``convex-mi``).
        p (int): the patch size P.
        s (int, optional): the sub-patch size S of the mixing modes.

    Returns:
        dict: :func:`~mmppml.privacy.scores.ranking.ranking_scores` of the true candidate.
    """
    from .ranking import ranking_scores
    record, keyed = split_keyed(mode)
    if record is not None and not keyed and record.linkage == 'affine-hull':
        d = np.stack([convex_mix_residuals(c, pool[g], p, s) for c, g in zip(ciphertexts, galleries)])
        return ranking_scores(d)
    encrypt, describe, ordered = linkage_attacker(mode, p, s)
    needed = np.unique(galleries)
    rows = {int(i): describe(encrypt(pool[i])) for i in needed}
    d = rows[int(needed[0])].shape
    candidate_rows = np.zeros((len(pool), ) + d)
    for i, r in rows.items():
        candidate_rows[i] = r
    cipher_rows = np.stack([describe(c) for c in ciphertexts])
    return ranking_scores(linkage_distances(cipher_rows, candidate_rows, galleries, ordered))
