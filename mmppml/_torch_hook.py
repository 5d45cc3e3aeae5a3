"""Registering MMEngine's checkpoint types for torch's safe loader once torch is imported after mmppml.

Python has no post-import hook, so a finder at the front of ``sys.meta_path`` waits for ``import torch``,
lets the usual finders find it, and runs :func:`mmppml.utils.register_safe_globals` right after the
module has executed. The module, its spec and its loader are torch's own. Importing this module imports
no torch.
"""
import sys
import warnings
from typing import Optional


class _AfterTorchImport:
    """A meta path finder that finds nothing itself; it only watches for the top-level ``torch``."""

    def find_spec(self, name: str, path=None, target=None):
        if name != 'torch':
            return None
        for finder in list(sys.meta_path):
            if finder is self or not hasattr(finder, 'find_spec'):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, 'exec_module'):
            return spec
        exec_module = loader.exec_module

        def exec_then_register(module) -> None:
            exec_module(module)  # torch as usual; an error propagates and the hook waits for a retry
            try:
                del loader.exec_module  # the loader's own method again
            except AttributeError:
                pass
            remove_hook()
            _register()

        loader.exec_module = exec_then_register  # an attribute of this loader object only
        return spec


_HOOK: Optional[_AfterTorchImport] = None


def _register() -> None:
    try:
        from mmppml.utils.safe_globals import register_safe_globals
        register_safe_globals()
    except Exception as e:  # importing torch must not fail because of mmppml
        warnings.warn(f'mmppml could not allow-list the types of MMEngine checkpoints for torch.load '
                      f'(call mmppml.utils.register_safe_globals() yourself): {type(e).__name__}: {e}')


def remove_hook() -> None:
    """Take the finder off ``sys.meta_path`` (a no-op when it is not there)."""
    global _HOOK
    if _HOOK is not None and _HOOK in sys.meta_path:
        sys.meta_path.remove(_HOOK)
    _HOOK = None


def register_safe_globals_after_torch() -> None:
    """Allow-list MMEngine's checkpoint types now if torch is loaded, else as soon as it is imported."""
    global _HOOK
    if 'torch' in sys.modules:
        _register()
    elif _HOOK is None:
        _HOOK = _AfterTorchImport()
        sys.meta_path.insert(0, _HOOK)
