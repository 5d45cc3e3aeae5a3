"""A check that a pipeline keeps encryptions intact.

Which augmentations commute with the encryption (may run after it, or on an encrypted copy):

- flips: for MI exactly (``flip(MI(x)) == MI(flip(x))``); for RS and RS-on-MI up to a permutation
  (a flipped RS image is an RS image of the flipped photo with another permutation). NOT after a
  keyed scramble: a flip mirrors every block, which is the scramble of another key.
- colour changes (brightness, contrast, saturation): exactly for RS (pointwise, and the image mean is
  unchanged by shuffling), exactly for MI when linear (brightness, contrast, saturation without
  clipping), approximately otherwise (hue). NOT after a keyed scramble (inverted pixels move the
  opposite way).
- resizing, cropping, padding, rotation, shear, translation, mosaic/mix-up pasting: never, unless
  aligned to the blocks; they cut through patches and blend pixels of unrelated patches.
"""
import re
from typing import Any, Iterator, List, Sequence, Tuple

ENCRYPTIONS = ('RandomPatchShuffle', 'MixSubPatches', 'ShuffledMixSubPatches', 'KeyedScramble')
# Names of transforms that move, resample or paste pixels (matched as substrings of the class name).
GEOMETRIC = re.compile(r'Resize|Crop|Pad|Scale|Rotate|Shear|Translate|Affine|Perspective|Expand|Mosaic|'
                       r'MixUp|CutMix|CopyPaste|Zoom|Warp')
# Transforms that bundle geometric operations or hide what they do.
OPAQUE = re.compile(r'AutoAugment|RandAugment|TrivialAugment|Albu')
# Pointwise colour changes: fine after RS and MI, but on a keyed scramble the inverted pixels move the
# other way (brighter becomes darker), which no change of the plain image gives.
PHOTOMETRIC = re.compile(r'Color|Bright|Contrast|Saturation|Hue|Jitter|Lighting|Solarize|Posterize|'
                         r'Equalize|Invert|Gamma|PhotoMetric|Sharpness|Blur|Grayscale')


def _name(transform: Any) -> str:
    """Class name of a transform config (``type`` may be 'mmppml.X', 'torchvision/X' or a class)."""
    if isinstance(transform, dict):
        t = transform.get('type', '')
        return re.split(r'[./]', t)[-1] if isinstance(t, str) else getattr(t, '__name__', str(t))
    inner = getattr(transform, 't', None)  # mmpretrain's wrapper of torchvision transforms
    if type(transform).__name__ == 'TorchVisonTransformWrapper' and inner is not None:
        return type(inner).__name__
    return type(transform).__name__


def _children(transform: Any) -> List[Any]:
    """Transforms nested in a wrapper (Compose, RandomApply, RandomChoice, KeyMapper, ...)."""
    nested = transform.get('transforms') if isinstance(transform, dict) else getattr(transform, 'transforms', None)
    if nested is None:
        return []
    if not isinstance(nested, (list, tuple)):
        nested = [nested]
    out = []
    for item in nested:
        if isinstance(item, (list, tuple)):
            out.extend(item)
        elif not isinstance(item, dict) and hasattr(item, 'transforms') and type(item).__name__ == 'Compose':
            out.extend(_children(item))
        else:
            out.append(item)
    return out


def _flatten(pipeline: Sequence[Any], where: str = '') -> Iterator[Tuple[str, str]]:
    """(position, class name) of every transform in order, wrappers before what they wrap."""
    for i, transform in enumerate(pipeline):
        pos = f'{where}{i}'
        yield pos, _name(transform)
        yield from _flatten(_children(transform), pos + '.')


def check_encrypted_pipeline(pipeline: Sequence[Any], encrypted_input: bool = False, keyed_input: bool = False) -> None:
    """Raise if a transform would break an encryption that precedes it.

    After an encryption transform (RandomPatchShuffle, MixSubPatches, ShuffledMixSubPatches,
    KeyedScramble), or everywhere when the images are an encrypted copy, geometric transforms
    (resize, crop, pad, rotate, ...) and transforms that cannot be checked (AutoAugment, RandAugment,
    Albu) are refused; after a keyed scramble flips and colour changes are refused too. Transforms
    nested in wrappers (RandomApply, RandomChoice, ...) are checked. Names are matched, so a custom
    geometric transform with an unusual name goes unnoticed.

    Args:
        pipeline (Sequence[dict | callable]): transform configs or built transforms.
        encrypted_input (bool): the images are already encrypted (an offline copy).
        keyed_input (bool): the copy was made with a keyed scramble.

    Raises:
        ValueError: naming the transform, its position and why.
    """
    encrypted, keyed = bool(encrypted_input or keyed_input), bool(keyed_input)
    for pos, name in _flatten(pipeline):
        if name in ENCRYPTIONS:
            encrypted = True
            keyed = keyed or name == 'KeyedScramble'
            continue
        if not encrypted:
            continue
        what = 'keyed-scrambled' if keyed else 'encrypted'
        if OPAQUE.search(name):
            raise ValueError(f'pipeline transform {pos} ({name}) runs on {what} images but bundles geometric '
                             'operations or cannot be checked; list the photometric transforms you want instead')
        if GEOMETRIC.search(name):
            raise ValueError(f'pipeline transform {pos} ({name}) runs on {what} images: resizing, cropping, '
                             'padding or warping cuts through the patches. Move it before the encryption, or '
                             'for an encrypted copy use flips and photometric transforms only')
        if keyed and 'Flip' in name:
            raise ValueError(f'pipeline transform {pos} ({name}) flips keyed-scrambled images, which mirrors '
                             'the key inside every block (another key); flip before the scramble or not at all')
        if keyed and PHOTOMETRIC.search(name):
            raise ValueError(f'pipeline transform {pos} ({name}) changes colours of keyed-scrambled images, '
                             'whose inverted pixels then change the opposite way; apply it before the scramble')
