"""MI: mixing-up sub-patches. Each P x P patch becomes the mean of its (P/S)^2 sub-patches of S x S."""
import functools
import math
from typing import Optional

import numpy as np

from .keys import SeedLike, new_rng
from .patch_shuffle import random_patch_shuffle
from .patches import (SHUFFLE_DRAWS, block_lines, check_block_size, check_image, check_permutation, check_shuffle_grid,
                      keeps_image)


def check_mix_sizes(patch_size: int, sub_patch_size: int) -> int:
    """Validate (P, S) and return the ratio r = P / S (at least 2).

    ``S == P`` is refused: each patch would be the mean of itself, the image unchanged.
    """
    patch_size = check_block_size('patch_size', patch_size)
    sub_patch_size = check_block_size('sub_patch_size', sub_patch_size)
    if patch_size % sub_patch_size:
        raise ValueError(f'sub_patch_size={sub_patch_size} must divide patch_size={patch_size}')
    if sub_patch_size == patch_size:
        raise ValueError(f'sub_patch_size={sub_patch_size} equals patch_size: MI would mix nothing and '
                         'leave the image unchanged; choose a proper divisor (e.g. patch_size / 2)')
    return patch_size // sub_patch_size


def as_channels_first(img: np.ndarray) -> np.ndarray:
    """An (H, W, C) image as the (H, W, C) view of a C-contiguous (C, H, W) copy; 2-D images as they are.

    Packing transforms turn such a view into a (C, H, W) tensor without copying.
    """
    if img.ndim != 3:
        return img
    return np.ascontiguousarray(np.moveaxis(img, -1, 0)).transpose(1, 2, 0)


def _sums_to_image(sums: np.ndarray, ratio: int, channels_first: bool) -> np.ndarray:
    if channels_first and sums.ndim == 3:
        import cv2  # splits the channels of a contiguous image several times faster than a strided copy
        out = np.empty((sums.shape[2], *sums.shape[:2]), np.float32)
        for plane, means in zip(cv2.split(sums), out):
            sums_to_means(plane, ratio, out=means)
        return out.transpose(1, 2, 0)
    return sums_to_means(sums, ratio)


def mix_subpatches(img: np.ndarray, patch_size: int, sub_patch_size: int, channels_first: bool = False) -> np.ndarray:
    """MI: replace each P x P patch by the mean of its S x S sub-patches.

    The output keeps the patch layout at S/P of the size, so it behaves like a resize by S/P for
    boxes: a point (x, y) of the input maps to (x * S / P, y * S / P).

    Args:
        img (np.ndarray): (H, W) or (H, W, C), H and W multiples of ``patch_size``.
        patch_size (int): the patch size P.
        sub_patch_size (int): S, a divisor of P.
        channels_first (bool): lay an (H, W, C) result out as :func:`as_channels_first` says
            (same values, no extra copy).

    Returns:
        np.ndarray: (H * S / P, W * S / P[, C]); float32 for integer input (the means are not
        integers), otherwise the input's float dtype. For uint8 input it equals bit for bit
        ``ndarray.mean(dtype=np.float32)`` over the sub-patches.
    """
    r = check_mix_sizes(patch_size, sub_patch_size)
    gh, gw = check_image(img, patch_size)
    if img.dtype == np.uint8 and r <= MAX_EXACT_UINT16_RATIO:
        return _sums_to_image(subpatch_sums(img, patch_size, sub_patch_size), r, channels_first)
    s = sub_patch_size
    rest = img.shape[2:]
    dtype = img.dtype if np.issubdtype(img.dtype, np.floating) else np.float32
    # (gh, r, S, gw, r, S, C): average over the two r axes, which index sub-patches inside a patch.
    grid = img.reshape(gh, r, s, gw, r, s, *rest)
    mixed = grid.mean(axis=(1, 4), dtype=np.float64 if dtype == np.float64 else np.float32)
    mixed = mixed.reshape(gh * s, gw * s, *rest).astype(dtype, copy=False)
    return as_channels_first(mixed) if channels_first else mixed


# Up to 16 x 16 sub-patches, a sum of uint8 values fits in uint16 (256 * 255 < 2 ** 16).
MAX_EXACT_UINT16_RATIO = 16


def subpatch_sums(img: np.ndarray,
                  patch_size: int,
                  sub_patch_size: int,
                  perm: Optional[np.ndarray] = None) -> np.ndarray:
    """The exact sums behind MI: each P x P patch becomes the sum of its r^2 sub-patches, r = P / S.

    Every step is a long contiguous NumPy pass: the r sub-patch rows of each row of patches are
    added first; then each run of S pixels is added to the r - 1 runs to its right (one pass over
    the whole image per run), and the runs that start a patch, which now hold its sums, are gathered
    (in the order ``perm`` says, if given: the RS-on-MI shuffle costs no pass of its own).

    Args:
        img (np.ndarray): uint8, (H, W) or (H, W, C), H and W multiples of ``patch_size``.
        patch_size (int): the patch size P.
        sub_patch_size (int): S, a divisor of P with r = P / S at most 16 (the sums fit in uint16).
        perm (np.ndarray, optional): a permutation of the N = H * W / P^2 mixed S x S blocks:
            output block ``i`` is block ``perm[i]`` (raster order), as :func:`shuffle_patches`.

    Returns:
        np.ndarray: uint16, (H / r, W / r[, C]): r^2 times the MI image (shuffled by ``perm``), exactly.
    """
    r = check_mix_sizes(patch_size, sub_patch_size)
    gh, gw = check_image(img, patch_size)
    if img.dtype != np.uint8:
        raise TypeError(f'subpatch_sums needs a uint8 image, got {img.dtype}')
    if r > MAX_EXACT_UINT16_RATIO:
        raise ValueError(f'patch_size / sub_patch_size = {r} > {MAX_EXACT_UINT16_RATIO}: the sums would '
                         'overflow uint16')
    return _subpatch_sums(img, gh, gw, r, sub_patch_size, None if perm is None else check_permutation(perm, (gh, gw)))


def _subpatch_sums(img: np.ndarray, gh: int, gw: int, r: int, s: int, perm: Optional[np.ndarray]) -> np.ndarray:
    """:func:`subpatch_sums` of a checked uint8 image of ``gh x gw`` patches (r = P / S <= 16), ``perm`` a
    permutation of the blocks or None."""
    rest = img.shape[2:]
    run = s * math.prod(rest)  # one row of one sub-patch
    patch_rows = img.reshape(gh, r, -1)  # the r sub-patch rows of each row of patches
    row_sum = np.add(patch_rows[:, 0], patch_rows[:, 1], dtype=np.uint16)
    for i in range(2, r):
        np.add(row_sum, patch_rows[:, i], out=row_sum)
    flat = row_sum.reshape(-1)
    n, tail = flat.size, (r - 1) * run
    run_sum = np.empty(n, np.uint16)  # its last r - 1 runs are never read
    np.add(flat[:n - tail], flat[run:n - tail + run], out=run_sum[:n - tail])
    for j in range(2, r):
        np.add(run_sum[:n - tail], flat[j * run:n - tail + j * run], out=run_sum[:n - tail])
    index = every_nth(n // run, r)  # mixed-image line l is run index[l]
    if perm is not None:
        index = index.take(block_lines(gh * s, gw * s, s, perm))
    return run_sum.reshape(n // run, run).take(index, axis=0).reshape(gh * s, gw * s, *rest)


@functools.lru_cache(maxsize=64)
def every_nth(length: int, step: int) -> np.ndarray:
    """``np.arange(0, length, step)``, read-only and cached."""
    index = np.arange(0, length, step, dtype=np.intp)
    index.setflags(write=False)
    return index


def sums_to_means(sums: np.ndarray, ratio: int, out: Optional[np.ndarray] = None) -> np.ndarray:
    """The MI image from :func:`subpatch_sums`: each sum divided by r^2 in float32.

    Sums of at most 256 uint8 values are exact in float32, so this rounds exactly as the mean does
    (a multiplication when r^2 is a power of two, which is then exact too).

    Args:
        sums (np.ndarray): uint16 sums, any shape.
        ratio (int): r = P / S.
        out (np.ndarray, optional): a float32 array of the shape of ``sums`` to write the means to.

    Returns:
        np.ndarray: float32 means, ``out`` or a new C-contiguous array of the shape of ``sums``.
    """
    out = np.empty(sums.shape, np.float32) if out is None else out
    count = ratio * ratio  # computed in float32: the uint16 sums convert to it exactly
    if count & (count - 1) == 0:
        return np.multiply(sums, np.float32(1 / count), out=out)
    return np.divide(sums, np.float32(count), out=out)


def shuffle_mixed_blocks(img: np.ndarray,
                         patch_size: int,
                         sub_patch_size: int,
                         seed: SeedLike = None,
                         channels_first: bool = False) -> np.ndarray:
    """RS-on-MI: mix sub-patches (MI), then shuffle the S x S mixed blocks with a fresh permutation.

    Removes the patch layout that MI keeps and the edge continuity that jigsaw solvers use; for
    classification only (boxes lose their meaning). A draw that would leave the MI image as it was is
    drawn again, as in :func:`~mmppml.crypto.random_patch_shuffle`.

    Args:
        img (np.ndarray): (H, W) or (H, W, C), H and W multiples of ``patch_size``.
        patch_size (int): the patch size P.
        sub_patch_size (int): S, a divisor of P; also the side of the shuffled blocks.
        seed (None | int | np.random.Generator): see :func:`mmppml.crypto.new_rng`.
        channels_first (bool): as in :func:`mix_subpatches`.

    Returns:
        np.ndarray: (H * S / P, W * S / P[, C]), dtype as :func:`mix_subpatches`.

    Raises:
        ValueError: if the image has fewer than ``MIN_SHUFFLED_BLOCKS`` (4) patches.
    """
    r = check_mix_sizes(patch_size, sub_patch_size)
    grid = check_image(img, patch_size)
    n = check_shuffle_grid(grid, patch_size)
    if img.dtype == np.uint8 and r <= MAX_EXACT_UINT16_RATIO:
        rng = new_rng(seed)
        for _ in range(SHUFFLE_DRAWS):
            perm = rng.permutation(n)
            sums = _subpatch_sums(img, *grid, r, sub_patch_size, perm)
            # Output block i is mixed block perm[i]. The shuffle moves the blocks along the cycles of perm, so it
            # leaves the MI image as it was iff every cycle holds equal blocks: iff the output does too.
            if not keeps_image(sums, sub_patch_size, perm):
                break
        return _sums_to_image(sums, r, channels_first)
    mixed = random_patch_shuffle(mix_subpatches(img, patch_size, sub_patch_size), sub_patch_size, seed)
    return as_channels_first(mixed) if channels_first else mixed
