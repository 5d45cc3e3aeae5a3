"""Checkpoint loading under PyTorch's safe unpickler: the types MMEngine's checkpoints hold."""
from typing import Any

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

# HistoryBuffer's built-in statistics; custom ones join HistoryBuffer._statistics_methods.
HISTORY_BUFFER_STATISTICS = ('min', 'max', 'mean', 'current')


def _history_buffer_method(owner: Any, name: str) -> Any:
    """Restricted ``getattr`` for checkpoints: only ``HistoryBuffer``'s statistics methods.

    MMEngine's message hub pickles ``HistoryBuffer.min`` (and ``max``, ``mean``, ``current``) as
    ``getattr(HistoryBuffer, 'min')``. Unpickling maps ``builtins.getattr`` to this function, so a
    checkpoint can reach those methods and nothing else.
    """
    allowed = set(HISTORY_BUFFER_STATISTICS) | set(HistoryBuffer._statistics_methods)
    if owner is HistoryBuffer and name in allowed:
        return getattr(owner, name)
    raise RuntimeError(f'checkpoint asks for getattr({owner!r}, {name!r}); only the statistics '
                       'methods of mmengine.logging.HistoryBuffer are allowed')


def _numpy_safe_globals() -> list:
    """The NumPy reconstruct helpers, dtypes and dtype classes that checkpoints pickle."""
    try:
        from numpy._core import multiarray  # NumPy >= 2 (1.26 forwards it to numpy.core)
    except ImportError:
        from numpy.core import multiarray
    dtype_names = ('bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float16',
                   'float32', 'float64')
    entries = [np.ndarray, np.dtype] + [type(np.dtype(name)) for name in dtype_names]
    # A checkpoint written under either NumPy major version names the helpers by its own module.
    for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        entries += [(multiarray.scalar, f'{module}.scalar'), (multiarray._reconstruct, f'{module}._reconstruct')]
    return entries


def register_safe_globals() -> None:
    """Let ``torch.load(weights_only=True)`` read checkpoints written by MMEngine's Runner.

    Since PyTorch 2.6 ``torch.load`` defaults to ``weights_only=True``; MMEngine 0.10 calls it
    without the argument, so loading a full training checkpoint (``--resume``) fails on the message
    hub's ``HistoryBuffer`` and NumPy scalars. This allow-lists exactly those types, instead of
    turning the safe loader off. Idempotent; call it before building a Runner in your own scripts.
    """
    if not hasattr(torch.serialization, 'add_safe_globals'):  # PyTorch < 2.4 loads unrestricted
        return
    torch.serialization.add_safe_globals([HistoryBuffer, (_history_buffer_method, 'builtins.getattr')] +
                                         _numpy_safe_globals())
