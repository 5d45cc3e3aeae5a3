"""Models: the position-free ViT, its detection parts (neck, YOLOS), the predefined-anchor head and losses, and
the encrypting data preprocessor."""
from mmppml.utils.safe_globals import register_safe_globals
from .backbones import *  # noqa: F401,F403
from .data_preprocessors import *  # noqa: F401,F403
from .detectors import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .utils import *  # noqa: F401,F403

register_safe_globals()  # checkpoints of the Runner load under torch's safe loader wherever models are built
