"""Data: the encryption transforms and a dataset for offline-encrypted copies."""
from .encrypted_folder import EncryptedImageFolder
from .keyed_transforms import KeyedScramble
from .pipeline_check import check_encrypted_pipeline
from .private_transforms import NoisyShuffledMix, RandomConvexMix, RandomPixelBags
from .transforms import MixSubPatches, RandomPatchShuffle, ShuffledMixSubPatches

__all__ = [
    'RandomPatchShuffle', 'MixSubPatches', 'ShuffledMixSubPatches', 'KeyedScramble', 'EncryptedImageFolder',
    'check_encrypted_pipeline', 'RandomPixelBags', 'RandomConvexMix', 'NoisyShuffledMix'
]
