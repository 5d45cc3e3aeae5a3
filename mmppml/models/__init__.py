"""Models: the position-free ViT, its detection parts (neck, YOLOS), the predefined-anchor head and losses, and
the encrypting data preprocessors. The detection modules need mmdet with mmcv's compiled ops; without them they
are stand-ins that say so when built (:mod:`.detection_support`)."""
from mmppml.registry import MODELS
from mmppml.utils.safe_globals import register_safe_globals
from .backbones import *  # noqa: F401,F403
from .data_preprocessors import *  # noqa: F401,F403
from .detection_support import DETECTION_MODULES, mmdet_import_error, register_unavailable
from .detectors import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .utils import *  # noqa: F401,F403

if mmdet_import_error() is not None:
    register_unavailable(MODELS, DETECTION_MODULES, mmdet_import_error())
register_safe_globals()  # checkpoints of the Runner load under torch's safe loader wherever models are built
