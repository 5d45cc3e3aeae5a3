"""mmppml: train OpenMMLab models on human-imperceptible, machine-recognizable images.

Importing the package creates its registries and allow-lists the types MMEngine's checkpoints hold
for torch's safe loader (:func:`mmppml.utils.register_safe_globals`), now or when torch is imported;
models and transforms are imported lazily when a config first asks for ``type='mmppml.<Name>'``.
Without MMEngine installed, the NumPy encryption core
(:mod:`mmppml.crypto`) still works, for data owners who only encrypt.
"""
import os
import sys

from .version import __version__  # noqa: F401

try:
    import mmengine  # noqa: F401
except ImportError:  # a data owner's machine: mmppml.crypto needs NumPy only
    pass
else:
    from . import registry  # noqa: F401

    # A tool that has torch and imports mmppml (a config's custom_imports included: mmdet's and
    # mmpretrain's own test tools and inferencers) loads MMEngine's checkpoints under torch's safe
    # loader, whether torch was imported before mmppml or is imported after it; mmppml.models does
    # the same when it is imported. Without torch nothing is imported here.
    if 'torch' in sys.modules:
        from .utils.safe_globals import register_safe_globals
        register_safe_globals()
    else:
        from ._torch_hook import register_safe_globals_after_torch
        register_safe_globals_after_torch()


def config_path(relative: str = '') -> str:
    """Path of a config (or config folder) shipped with mmppml, e.g. ``'demo/pevit-tiny-rs-...py'``.

    The configs ship inside the package (``mmppml/.mim/configs``, a link to the repository's
    ``configs/`` in a checkout), so another project can inherit them by path: MMEngine resolves
    ``pkg::`` bases only for the packages it knows.

    Raises:
        FileNotFoundError: naming the path that does not exist.
    """
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '.mim', 'configs', relative)
    if not os.path.exists(path):
        raise FileNotFoundError(f'mmppml ships no config {relative!r} (looked for {path})')
    return path
