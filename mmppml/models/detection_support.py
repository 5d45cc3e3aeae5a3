"""Whether mmdet's models import here, and stand-ins for mmppml's detection modules where they do not.

mmdet's models need mmcv's compiled ops; a classification-only install (mmcv-lite, as the offline kit
installs before mmcv's ops are built) lacks them, and mmpretrain does not need them. There, the
classification modules register as usual and each detection module is registered as a stand-in that
raises an ImportError naming the cause when a config builds it.
"""
import functools
from typing import Optional, Sequence

DETECTION_MODULES = ('YOLOS', 'YOLOSHead', 'EncryptingDetDataPreprocessor')


@functools.lru_cache(maxsize=None)
def mmdet_import_error() -> Optional[str]:
    """None when mmdet's models import, else the ImportError that stops them."""
    try:
        import mmdet.models  # noqa: F401
    except ImportError as err:
        return f'{type(err).__name__}: {err}'
    return None


def register_unavailable(registry, names: Sequence[str], reason: str) -> None:
    """Register each of ``names`` in ``registry`` as a builder that raises an ImportError with ``reason``."""
    for name in names:

        def unavailable(*args, _name=name, **kwargs):
            raise ImportError(f'mmppml.{_name} needs mmdet, and mmdet\'s models need mmcv with its compiled ops, '
                              f'which do not import here ({reason}); install mmcv with ops: '
                              'bash tools/setup_env.sh, or tools/setup/install_offline_kit.sh on a machine '
                              'without network')

        registry.register_module(name=name, module=unavailable)
