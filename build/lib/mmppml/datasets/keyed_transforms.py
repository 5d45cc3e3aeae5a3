"""The keyed scramble (a fixed in-block pixel permutation and sign mask) as a pipeline transform."""
import numpy as np
from mmcv.transforms import BaseTransform

from mmppml.crypto.keyed_scramble import ScrambleKey, apply_scramble, load_key
from mmppml.registry import TRANSFORMS


@TRANSFORMS.register_module()
class KeyedScramble(BaseTransform):
    """Apply a keyed scramble (a fixed in-block pixel permutation and sign mask) to ``results['img']``.

    Goes after the encryption transform (block ``P`` after ``RandomPatchShuffle``, ``S`` after
    ``MixSubPatches`` or ``ShuffledMixSubPatches``), before packing. Boxes are unaffected (pixels move
    only inside blocks). No flip may follow it. Pixels are inverted as ``255 - v``, for uint8
    images and for float images on the uint8 scale (MI output) alike, so inverted pixels do not
    stand out as negative values; see :mod:`mmppml.crypto.keyed_scramble`.

    Required keys: ``img`` ((H, W, C) with H and W multiples of the key's block size).
    Modified keys: ``img``.

    Args:
        key_file (str): a key written by :func:`mmppml.crypto.keyed_scramble.save_key` (or by
            ``tools/encrypt_dataset.py --new-key``).
    """

    def __init__(self, key_file: str) -> None:
        self.key_file = key_file
        self.key: ScrambleKey = load_key(key_file)

    def transform(self, results: dict) -> dict:
        results['img'] = apply_scramble(np.ascontiguousarray(results['img']), self.key, float_max=255.)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(key_file={self.key_file!r}, block_size={self.key.block_size})'
