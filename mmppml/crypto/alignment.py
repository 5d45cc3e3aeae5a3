"""Bringing an image to a block multiple (pad or crop bottom/right), and centre-square crops."""
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


def center_square(img: np.ndarray) -> np.ndarray:
    """The largest centred square of ``img`` (H, W[, C]), as a view."""
    h, w = img.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    return img[top:top + side, left:left + side]
