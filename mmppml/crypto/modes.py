"""The encryptions by name, as the tools and the offline engine choose them."""
from typing import Optional

import numpy as np

from .keys import SeedLike
from .patch_shuffle import random_patch_shuffle
from .subpatch_mix import mix_subpatches, shuffle_mixed_blocks

MODES = ('rs', 'mi', 'rs-on-mi')


def check_mode(mode: str) -> str:
    """Return ``mode`` or raise if it is not one of :data:`MODES`."""
    if mode not in MODES:
        raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
    return mode


def encrypt(img: np.ndarray,
            mode: str,
            patch_size: int,
            sub_patch_size: Optional[int] = None,
            seed: SeedLike = None) -> np.ndarray:
    """Encrypt ``img`` with ``mode``: ``'rs'`` (:func:`random_patch_shuffle`), ``'mi'``
    (:func:`mix_subpatches`) or ``'rs-on-mi'`` (:func:`shuffle_mixed_blocks`).

    Args:
        img (np.ndarray): (H, W) or (H, W, C), H and W multiples of ``patch_size``.
        mode (str): one of :data:`MODES`.
        patch_size (int): P.
        sub_patch_size (int, optional): S, required for ``'mi'`` and ``'rs-on-mi'``.
        seed (None | int | np.random.Generator): see :func:`mmppml.crypto.new_rng` (unused by MI).

    Returns:
        np.ndarray: as the chosen function returns (float32 means for MI of integer images).
    """
    if check_mode(mode) == 'rs':
        return random_patch_shuffle(img, patch_size, seed)
    if sub_patch_size is None:
        raise ValueError(f'mode {mode!r} needs sub_patch_size (S, a divisor of patch_size)')
    if mode == 'mi':
        return mix_subpatches(img, patch_size, sub_patch_size)
    return shuffle_mixed_blocks(img, patch_size, sub_patch_size, seed)
