"""Randomness for the encryptions.

Permutations must not be reproducible by whoever holds the training config: MMEngine seeds NumPy's
and torch's global generators from the config, so the encryptions never use them. By default each
generator draws fresh entropy from the operating system.
"""
from typing import Union

import numpy as np

SeedLike = Union[None, int, np.random.Generator]


def new_rng(seed: SeedLike = None) -> np.random.Generator:
    """Return a generator independent of NumPy's global state.

    Args:
        seed (None | int | np.random.Generator): ``None`` (default) seeds from OS entropy, which is
            what encryption needs. An ``int`` makes every output reproducible from that number:
            insecure, for research and tests only. A ``Generator`` is returned as is.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and not isinstance(seed, (int, np.integer)):
        raise TypeError(f'seed must be None, an int or a numpy Generator, got {type(seed).__name__}')
    return np.random.default_rng(seed)
