"""Data: the encryption transforms, a dataset for offline-encrypted copies, Fashion-MNIST held in memory."""
from .encrypted_folder import EncryptedImageFolder
from .in_memory_fashion_mnist import InMemoryFashionMNIST
from .keyed_transforms import KeyedScramble
from .mode_transform import ModeEncryption
from .pipeline_check import check_encrypted_pipeline
from .private_transforms import NoisyShuffledMix, RandomConvexMix, RandomPixelBags
from .transforms import MixSubPatches, RandomPatchShuffle, ShuffledMixSubPatches

__all__ = [
    'RandomPatchShuffle', 'MixSubPatches', 'ShuffledMixSubPatches', 'KeyedScramble', 'EncryptedImageFolder',
    'check_encrypted_pipeline', 'RandomPixelBags', 'RandomConvexMix', 'NoisyShuffledMix', 'InMemoryFashionMNIST',
    'ModeEncryption'
]
