from .batch_encryption import (BatchEncryption, convex_mix_batch, mix_batch, pixel_bags_batch, scramble_batch,
                               shuffle_batch)
from .det_preprocessor import EncryptingDetDataPreprocessor
from .encrypting_preprocessor import EncryptingClsDataPreprocessor

__all__ = [
    'EncryptingClsDataPreprocessor', 'EncryptingDetDataPreprocessor', 'BatchEncryption', 'shuffle_batch', 'mix_batch',
    'convex_mix_batch', 'pixel_bags_batch', 'scramble_batch'
]
