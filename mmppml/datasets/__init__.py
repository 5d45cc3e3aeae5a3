"""Data: the encryption transforms."""
from .transforms import MixSubPatches, RandomPatchShuffle, ShuffledMixSubPatches

__all__ = ['RandomPatchShuffle', 'MixSubPatches', 'ShuffledMixSubPatches']
