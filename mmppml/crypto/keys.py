"""Randomness for the encryptions.

Permutations must not be reproducible by whoever holds the training config: MMEngine seeds NumPy's
and torch's global generators from the config, so the encryptions never use them. By default each
generator draws fresh entropy from the operating system.
"""
import os
from typing import Any, Callable, Hashable, Optional, Union

import numpy as np

SeedLike = Union[None, int, np.random.Generator]


def check_seed(seed: Optional[int]) -> Optional[int]:
    """Return ``seed`` or raise TypeError: None or an int (not a bool), as the encrypting transforms and
    data preprocessors take it."""
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f'seed must be None or an int, got {type(seed).__name__}')
    return seed


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


class PerProcess:
    """One value per process, made on first use: data-loader workers forked from one parent never
    share a generator's state, and pickling (a worker's copy of a transform) drops the value.

    ``get(make, key)`` returns the value made by ``make()`` in this process for ``key`` (e.g. a
    device), making it again when the process or the key changed.
    """

    def __init__(self) -> None:
        self._value, self._owner = None, None

    def get(self, make: Callable[[], Any], key: Hashable = None) -> Any:
        owner = (os.getpid(), key)
        if self._owner != owner:
            self._value, self._owner = make(), owner
        return self._value

    def __getstate__(self) -> dict:
        return {'_value': None, '_owner': None}
