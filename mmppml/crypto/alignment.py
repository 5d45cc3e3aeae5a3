"""Bringing an image to a block multiple (pad or crop bottom/right), and centre-square crops.

Padding before MI must not leave a pixel mixed with padding only: :func:`unmixed_pixels` finds such
pixels and :func:`drop_unmixed` drops them.
"""
from typing import Tuple

import numpy as np

# What to do with an image whose height or width is not a multiple of the block size.
SIZE_MISMATCH_MODES = ('error', 'pad', 'crop')


def check_size_mismatch(mode: str) -> str:
    """Return ``mode`` or raise if it is not one of :data:`SIZE_MISMATCH_MODES`."""
    if mode not in SIZE_MISMATCH_MODES:
        raise ValueError(f'size_mismatch must be one of {SIZE_MISMATCH_MODES}, got {mode!r}')
    return mode


def aligned_size(height: int,
                 width: int,
                 block: int,
                 size_mismatch: str = 'error',
                 what: str = 'patch_size') -> Tuple[int, int]:
    """(H, W) of an image of ``height x width`` brought to multiples of ``block``.

    Args:
        height (int): the image height H.
        width (int): the image width W.
        block (int): the block size (P).
        size_mismatch (str): ``'error'`` keeps multiples and raises otherwise, ``'pad'`` rounds up,
            ``'crop'`` rounds down.
        what (str): the block size's name in error messages.

    Raises:
        ValueError: for ``'error'`` and a size that is not a multiple, or for ``'crop'`` and an image
            smaller than one block.
    """
    check_size_mismatch(size_mismatch)
    if height % block == 0 and width % block == 0:
        return height, width
    if size_mismatch == 'pad':
        return height + (-height % block), width + (-width % block)
    if size_mismatch == 'crop':
        if height < block or width < block:
            raise ValueError(f'image size {height}x{width} (HxW) is smaller than one block of {what}={block}: '
                             'it cannot be cropped to a multiple')
        return height - height % block, width - width % block
    raise ValueError(f'image size {height}x{width} (HxW) is not a multiple of {what}={block}')


def align_image(img: np.ndarray, block: int, size_mismatch: str = 'error', pad_val: float = 0) -> np.ndarray:
    """``img`` (H, W[, C]) brought to multiples of ``block`` as :func:`aligned_size` says.

    Returns:
        np.ndarray: ``img`` itself when aligned, a view of its top-left part when cropped, or a new
        array padded bottom and right with ``pad_val`` (cast as NumPy assigns it, as ``np.pad``).
    """
    h, w = img.shape[:2]
    th, tw = aligned_size(h, w, block, size_mismatch)
    if (th, tw) == (h, w):
        return img
    if size_mismatch == 'crop':
        return img[:th, :tw]
    out = np.empty((th, tw) + img.shape[2:], img.dtype)
    out[:h, :w] = img
    out[h:] = pad_val
    out[:h, w:] = pad_val
    return out


def check_pad_value(value: float, name: str = 'pad_val') -> float:
    """Return ``value`` or raise: a finite number (TypeError for a non-number, ValueError for nan or inf)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f'{name} must be a number, got {value!r}')
    if not np.isfinite(value):
        raise ValueError(f'{name} must be a finite number, got {value!r}')
    return value


def _lone_lines(length: int, patch_size: int, sub_patch_size: int) -> np.ndarray:
    """The rows (or columns) of ``length`` whose MI group, padded to multiples of P, holds one content line."""
    p, s = patch_size, sub_patch_size
    lines = np.arange(length, dtype=np.intp)
    first = lines // p * p + lines % s  # the first line of each line's group: sub-patch 0 of its patch
    in_content = np.minimum((length - 1 - first) // s + 1, p // s)  # lines of the group inside the image
    return lines[in_content == 1]


def unmixed_pixels(height: int, width: int, patch_size: int, sub_patch_size: int) -> Tuple[np.ndarray, np.ndarray]:
    """The pixels of a ``height x width`` image that MI would hand over mixed with padding only.

    Padded bottom and right to multiples of P, an image is mixed pixel by pixel: output pixel (y, x)
    of patch (i, j) is the mean of the (P / S)^2 pixels (iP + aS + y, jP + bS + x). Where the image
    ends inside a patch, some of these are padding; a content pixel whose group holds no other content
    pixel comes out as itself times (S / P)^2 plus the padding's share: a copy recoverable by a scale.
    That happens only in the bottom-right patch, when the image reaches less than 2 S into it both
    down and across (e.g. all of an 8 x 8 image, or the bottom-right 8 x 8 of a 40 x 72 one, at
    P = 16, S = 8).

    Args:
        height (int): H of the image before padding.
        width (int): W of the image before padding.
        patch_size (int): P.
        sub_patch_size (int): S, a proper divisor of P.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``rows`` and ``cols`` (intp): pixel (y, x) is mixed with
        padding only iff y is in ``rows`` and x in ``cols``; both empty for multiples of P.
    """
    return _lone_lines(height, patch_size, sub_patch_size), _lone_lines(width, patch_size, sub_patch_size)


def check_mixable(height: int, width: int, patch_size: int, sub_patch_size: int) -> None:
    """Refuse an image that MI would mix with padding only, every pixel of it: one that fits in one
    S x S sub-patch but not in a P x P patch (so it would be padded)."""
    if height <= sub_patch_size and width <= sub_patch_size:  # S < P: never a multiple of P
        raise ValueError(f'image size {height}x{width} (HxW) fits in one sub-patch of sub_patch_size={sub_patch_size}:'
                         f' padded to patch_size={patch_size}, MI would mix it with padding only and hand over a '
                         'scaled copy of it')


def drop_unmixed(img: np.ndarray,
                 height: int,
                 width: int,
                 patch_size: int,
                 sub_patch_size: int,
                 pad_val: float = 0) -> np.ndarray:
    """Set the pixels of :func:`unmixed_pixels` to ``pad_val`` in ``img``, in place (as a crop drops them).

    Args:
        img (np.ndarray): (H', W'[, C]), a ``height x width`` image padded bottom and right.
        height (int): H of the image before padding.
        width (int): W of the image before padding.
        patch_size (int): P.
        sub_patch_size (int): S.
        pad_val (float): the padding value.

    Returns:
        np.ndarray: ``img``.

    Raises:
        ValueError: if every pixel would be dropped (the image fits in one S x S sub-patch).
    """
    check_mixable(height, width, patch_size, sub_patch_size)
    rows, cols = unmixed_pixels(height, width, patch_size, sub_patch_size)
    if len(rows) and len(cols):
        img[rows[:, None], cols] = pad_val
    return img


def center_square(img: np.ndarray) -> np.ndarray:
    """The largest centred square of ``img`` (H, W[, C]), as a view."""
    h, w = img.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    return img[top:top + side, left:left + side]
