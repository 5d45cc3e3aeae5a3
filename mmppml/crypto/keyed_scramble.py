"""Keyed block scrambling: a fixed in-block pixel permutation and a fixed per-pixel sign mask.

The same key is applied inside every ``b x b`` block of an image, on top of RS (b = P) or MI and
RS-on-MI (b = S). A linear patch embedding with kernel = stride = b absorbs it exactly (see
:func:`absorb_scramble`), so a model loses nothing, while the image no longer shows edges a naive
jigsaw solver or a casual viewer can use and its mean colour is hidden.

Limit: one key serves every block of every image, so it can be estimated from pixel statistics of
the encrypted images: the correlations between in-block positions give away the sign mask and which
pixels were neighbours (the blocks of a single 512 x 512 photo are enough). It stops casual viewing
and naive jigsaw solvers, not a determined attacker.

Conventions: output pixel ``j`` of a block (raster order inside the block) is input pixel
``pixel_perm[j]``; then each output pixel whose ``sign_mask`` entry is True is inverted:
``v -> max - v`` for unsigned integers (``255 - v`` for uint8), ``v -> -v`` for floats (or
``float_max - v`` when given). Channels are those of the array the key is applied to (BGR for images
read with OpenCV or MMCV).
"""
import io
import os
import uuid
import zipfile
from dataclasses import dataclass, field
from typing import Optional, Tuple, Union

import numpy as np

from .keys import SeedLike, new_rng
from .patches import check_block_size, check_image, from_blocks, to_blocks

KEY_FORMAT = 'mmppml-scramble-key-v1'


@dataclass(frozen=True, eq=False)
class ScrambleKey:
    """A keyed scramble for ``block_size x block_size`` blocks.

    Args:
        block_size (int): b, the side of the blocks the key is applied to.
        pixel_perm (np.ndarray): (b * b,) int, a permutation of ``range(b * b)``.
        sign_mask (np.ndarray): (b, b, C) bool; True inverts the pixel at that output position.
        key_id (str): a random identifier independent of the key's content, so that tools can tell
            keys apart without revealing them. Generated when not given.
    """
    block_size: int
    pixel_perm: np.ndarray
    sign_mask: np.ndarray
    key_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __post_init__(self):
        b = check_block_size('block_size', self.block_size)
        perm = np.asarray(self.pixel_perm)
        if perm.shape != (b * b,) or not np.issubdtype(perm.dtype, np.integer) \
                or not np.array_equal(np.sort(perm), np.arange(b * b)):
            raise ValueError(f'pixel_perm must be a permutation of range({b * b}) for block_size={b}')
        mask = np.asarray(self.sign_mask)
        if mask.dtype != bool or mask.ndim != 3 or mask.shape[:2] != (b, b) or mask.shape[2] < 1:
            raise ValueError(f'sign_mask must be a bool array of shape ({b}, {b}, C), '
                             f'got {mask.dtype} {mask.shape}')
        if not isinstance(self.key_id, str) or not self.key_id:
            raise ValueError('key_id must be a non-empty string')
        object.__setattr__(self, 'block_size', b)
        object.__setattr__(self, 'pixel_perm', perm.astype(np.int64))
        object.__setattr__(self, 'sign_mask', mask.copy())

    @property
    def channels(self) -> int:
        """C, the number of image channels the key applies to."""
        return self.sign_mask.shape[2]

    def __eq__(self, other) -> bool:
        if not isinstance(other, ScrambleKey):
            return NotImplemented
        return (self.block_size == other.block_size and np.array_equal(self.pixel_perm, other.pixel_perm)
                and np.array_equal(self.sign_mask, other.sign_mask))

    __hash__ = None

    def __repr__(self) -> str:
        # Never print the permutation or the mask.
        return f'ScrambleKey(block_size={self.block_size}, channels={self.channels}, key_id={self.key_id!r})'


def new_scramble_key(block_size: int, channels: int, seed: SeedLike = None) -> ScrambleKey:
    """Draw a key: a uniform pixel permutation and a uniform random sign mask.

    Args:
        block_size (int): the block side b.
        channels (int): C of the images it will be applied to (3 for colour, 1 for grayscale).
        seed (None | int | np.random.Generator): None (default) draws from OS entropy; an int makes
            the key reproducible, which is insecure (tests only).
    """
    b = check_block_size('block_size', block_size)
    c = check_block_size('channels', channels)
    rng = new_rng(seed)
    return ScrambleKey(b, rng.permutation(b * b), rng.integers(0, 2, size=(b, b, c)).astype(bool))


def _as_hwc(img: np.ndarray, key: ScrambleKey) -> np.ndarray:
    """Return ``img`` as H x W x C after checking it against the key."""
    check_image(img, key.block_size, what='key block_size')
    if not (np.issubdtype(img.dtype, np.floating) or np.issubdtype(img.dtype, np.unsignedinteger)):
        raise TypeError(f'keyed scramble supports unsigned integer and float images, got {img.dtype}')
    hwc = img[..., None] if img.ndim == 2 else img
    if hwc.shape[2] != key.channels:
        raise ValueError(f'image has {hwc.shape[2]} channel(s) but the key was made for {key.channels}')
    return hwc


def _invert_masked_(blocks: np.ndarray, mask: np.ndarray, float_max: Optional[float] = None) -> np.ndarray:
    """Invert, in place, the pixels of (N, b, b, C) ``blocks`` where ``mask`` (b, b, C) is True."""
    if np.issubdtype(blocks.dtype, np.floating):
        if float_max is None:
            blocks *= np.where(mask, -1, 1).astype(blocks.dtype)
        else:
            np.subtract(blocks.dtype.type(float_max), blocks, out=blocks, where=np.broadcast_to(mask, blocks.shape))
    else:  # max - v == v XOR max for unsigned integers (all bits set)
        blocks ^= mask.astype(blocks.dtype) * np.iinfo(blocks.dtype).max
    return blocks


def apply_scramble(img: np.ndarray, key: ScrambleKey, float_max: Optional[float] = None) -> np.ndarray:
    """Scramble every ``b x b`` block of ``img`` with ``key``.

    Args:
        img (np.ndarray): (H, W, C) or, for a one-channel key, (H, W); H and W multiples of
            ``key.block_size``; unsigned integer or float dtype.
        key (ScrambleKey): the key.
        float_max (float, optional): for float images, invert as ``float_max - v`` instead of
            ``-v`` (e.g. 255 for MI images on the uint8 scale), so that inverted pixels do not stand
            out as negative values. Ignored for integer images.

    Returns:
        np.ndarray: a new array of the same shape and dtype.
    """
    hwc = _as_hwc(img, key)
    b = key.block_size
    blocks = to_blocks(hwc, b)
    n, c = blocks.shape[0], blocks.shape[-1]
    moved = np.take(blocks.reshape(n, b * b, c), key.pixel_perm, axis=1).reshape(n, b, b, c)  # a copy
    out = from_blocks(_invert_masked_(moved, key.sign_mask, float_max), (hwc.shape[0] // b, hwc.shape[1] // b))
    return out.reshape(img.shape)


def invert_scramble(img: np.ndarray, key: ScrambleKey, float_max: Optional[float] = None) -> np.ndarray:
    """Undo :func:`apply_scramble` (bit for bit for integer images); pass the same ``float_max``."""
    hwc = _as_hwc(img, key)
    b = key.block_size
    blocks = to_blocks(hwc, b)
    n, c = blocks.shape[0], blocks.shape[-1]
    inverse = np.argsort(key.pixel_perm)
    restored = np.take(blocks.reshape(n, b * b, c), inverse, axis=1).reshape(n, b, b, c)  # a copy
    # Input pixel i sat at output position inverse[i], whose mask entry says whether it was inverted.
    _invert_masked_(restored, key.sign_mask.reshape(b * b, c)[inverse].reshape(b, b, c), float_max)
    return from_blocks(restored, (hwc.shape[0] // b, hwc.shape[1] // b)).reshape(img.shape)


def absorb_scramble(weight: np.ndarray,
                    bias: Optional[np.ndarray],
                    key: ScrambleKey,
                    offset: Union[float, np.ndarray] = 255.) -> Tuple[np.ndarray, np.ndarray]:
    """Weights of a patch embedding (conv, kernel = stride = b) that reads scrambled images exactly.

    If ``conv(x)`` has ``weight`` and ``bias``, the returned pair gives ``conv'(y) == conv(x)`` for
    ``y = apply_scramble(x, key)``, where an inverted pixel is ``offset - v``. Use ``offset=255`` for
    raw uint8 pixels, 0 for float images, ``(max - 2 * mean) / std`` per channel after normalisation.

    Args:
        weight (np.ndarray): (O, C, b, b), channels in the order the key was applied in.
        bias (np.ndarray | None): (O,) or None (zero).
        key (ScrambleKey): the key.
        offset (float | np.ndarray): scalar or (C,).

    Returns:
        tuple[np.ndarray, np.ndarray]: the new weight (O, C, b, b) and bias (O,), float64.
    """
    weight = np.asarray(weight, dtype=np.float64)
    b, c = key.block_size, key.channels
    if weight.ndim != 4 or weight.shape[1:] != (c, b, b):
        raise ValueError(f'weight must be (O, {c}, {b}, {b}) for this key, got {weight.shape}')
    out_ch = weight.shape[0]
    bias = np.zeros(out_ch) if bias is None else np.asarray(bias, dtype=np.float64)
    offset = np.broadcast_to(np.asarray(offset, dtype=np.float64), (c, ))
    moved = weight.reshape(out_ch, c, b * b)[:, :, key.pixel_perm]  # weight seen by output pixel j
    masked = key.sign_mask.reshape(b * b, c).T  # (C, b*b)
    new_weight = np.where(masked, -moved, moved)
    new_bias = bias + (np.where(masked, moved, 0.) * offset[:, None]).sum(axis=(1, 2))
    return new_weight.reshape(out_ch, c, b, b), new_bias


def save_key(path: Union[str, os.PathLike], key: ScrambleKey, overwrite: bool = False) -> None:
    """Write ``key`` to ``path`` (NumPy .npz), readable by its owner only (mode 0600).

    Raises:
        FileExistsError: if ``path`` exists and ``overwrite`` is False.
    """
    path = os.fspath(path)
    arrays = dict(
        format=np.array(KEY_FORMAT),
        block_size=np.array(key.block_size),
        pixel_perm=key.pixel_perm,
        sign_mask=key.sign_mask,
        key_id=np.array(key.key_id))
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f'key file {path} exists; refusing to overwrite it (pass overwrite=True)')
    # Write a private temporary file (mode set at creation), then move it into place.
    tmp = f'{path}.tmp-{uuid.uuid4().hex}'
    buf = io.BytesIO()  # built in memory: a failed write (disk full) then leaves no half-closed archive behind
    np.savez(buf, **arrays)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(buf.getvalue())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load_key(path: Union[str, os.PathLike]) -> ScrambleKey:
    """Read a key written by :func:`save_key`.

    Raises:
        OSError: the file cannot be read.
        ValueError: it is not a whole, well-formed key file (the message says what is wrong).
    """
    path = os.fspath(path)
    try:
        data = np.load(path, allow_pickle=False)
    except (ValueError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f'{path} is not a readable mmppml scramble key file (truncated or another format: '
                         f'{type(e).__name__})') from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError(f'{path} is not an mmppml scramble key file (a single array, not a key archive)')
    with data:
        if 'format' not in data.files:
            raise ValueError(f'{path} is not an mmppml scramble key file')
        try:
            fields = {name: data[name] for name in ('format', 'block_size', 'pixel_perm', 'sign_mask', 'key_id')}
        except (KeyError, ValueError, EOFError, zipfile.BadZipFile) as e:
            raise ValueError(f'{path} is not a whole mmppml scramble key file ({type(e).__name__}: {e})') from None
    if fields['format'].shape != () or str(fields['format']) != KEY_FORMAT:
        raise ValueError(f'{path} is not an mmppml scramble key file')
    for name in ('block_size', 'key_id'):
        if fields[name].shape != ():
            raise ValueError(f'{path}: {name} must be a single value, got an array of shape {fields[name].shape}')
    if not np.issubdtype(fields['block_size'].dtype, np.integer):
        raise ValueError(f'{path}: block_size must be an integer, got {fields["block_size"].dtype}')
    return ScrambleKey(int(fields['block_size']), fields['pixel_perm'], fields['sign_mask'], str(fields['key_id']))
