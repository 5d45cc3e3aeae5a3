from ..detection_support import mmdet_import_error
from .batch_encryption import (BatchEncryption, convex_mix_batch, mix_batch, pixel_bags_batch, scramble_batch,
                               shuffle_batch)
from .encrypting_preprocessor import EncryptingClsDataPreprocessor

__all__ = [
    'EncryptingClsDataPreprocessor', 'BatchEncryption', 'shuffle_batch', 'mix_batch', 'convex_mix_batch',
    'pixel_bags_batch', 'scramble_batch'
]
if mmdet_import_error() is None:
    from .det_preprocessor import EncryptingDetDataPreprocessor  # noqa: F401
    __all__ += ['EncryptingDetDataPreprocessor']
