"""MI: mixing-up sub-patches. Each P x P patch becomes the mean of its (P/S)^2 sub-patches of S x S."""
import numpy as np

from .keys import SeedLike
from .patch_shuffle import random_patch_shuffle
from .patches import check_block_size, check_image, check_shuffle_grid


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


def mix_subpatches(img: np.ndarray, patch_size: int, sub_patch_size: int) -> np.ndarray:
    """MI: replace each P x P patch by the mean of its S x S sub-patches.

    The output keeps the patch layout at S/P of the size, so it behaves like a resize by S/P for
    boxes: a point (x, y) of the input maps to (x * S / P, y * S / P).

    Args:
        img (np.ndarray): (H, W) or (H, W, C), H and W multiples of ``patch_size``.
        patch_size (int): P.
        sub_patch_size (int): S, a divisor of P.

    Returns:
        np.ndarray: (H * S / P, W * S / P[, C]); float32 for integer input (the means are not
        integers), otherwise the input's float dtype.
    """
    r = check_mix_sizes(patch_size, sub_patch_size)
    gh, gw = check_image(img, patch_size)
    s = sub_patch_size
    rest = img.shape[2:]
    if img.dtype == np.uint8 and 1 < r <= MAX_EXACT_UINT16_RATIO and img.size:
        return _mix_uint8(img, r, s).reshape(gh * s, gw * s, *rest)
    dtype = img.dtype if np.issubdtype(img.dtype, np.floating) else np.float32
    # (gh, r, S, gw, r, S, C): average over the two r axes, which index sub-patches inside a patch.
    grid = img.reshape(gh, r, s, gw, r, s, *rest)
    mixed = grid.mean(axis=(1, 4), dtype=np.float64 if dtype == np.float64 else np.float32)
    return mixed.reshape(gh * s, gw * s, *rest).astype(dtype, copy=False)


# Up to 16 x 16 sub-patches, a sum of uint8 values fits in uint16 (256 * 255 < 2 ** 16).
MAX_EXACT_UINT16_RATIO = 16


def _mix_uint8(img: np.ndarray, r: int, s: int) -> np.ndarray:
    """MI of a non-empty uint8 image, equal bit for bit to ``ndarray.mean(dtype=np.float32)``.

    Sums of at most 256 uint8 values are exact in uint16 and in float32, so dividing them by r^2
    in float32 rounds exactly as the mean does. The sub-patch rows are summed first (long
    contiguous runs), which leaves 1/r of the data for the short strided runs of the column sums.

    Returns:
        np.ndarray: float32, (H * W * C / r^2,) in the output's raster order.
    """
    h, w = img.shape[:2]
    c = int(np.prod(img.shape[2:], dtype=np.int64))
    patch_rows = img.reshape(h // (r * s), r, s * w * c)  # r sub-patch rows in each row of patches
    row_sum = patch_rows[:, 0].astype(np.uint16)
    for i in range(1, r):
        np.add(row_sum, patch_rows[:, i], out=row_sum)
    sub_cols = row_sum.reshape(-1, r, s * c)  # r sub-patch columns in each patch
    patch_sum = sub_cols[:, 0] + sub_cols[:, 1]
    for j in range(2, r):
        patch_sum += sub_cols[:, j]
    mixed = patch_sum.astype(np.float32)
    np.divide(mixed, np.float32(r * r), out=mixed)
    return mixed.reshape(-1)


def shuffle_mixed_blocks(img: np.ndarray, patch_size: int, sub_patch_size: int, seed: SeedLike = None) -> np.ndarray:
    """RS-on-MI: mix sub-patches (MI), then shuffle the S x S mixed blocks with a fresh permutation.

    Removes the patch layout that MI keeps and the edge continuity that jigsaw solvers use; for
    classification only (boxes lose their meaning).

    Args:
        img (np.ndarray): (H, W) or (H, W, C), H and W multiples of ``patch_size``.
        patch_size (int): P.
        sub_patch_size (int): S, a divisor of P; also the side of the shuffled blocks.
        seed (None | int | np.random.Generator): see :func:`mmppml.crypto.new_rng`.

    Returns:
        np.ndarray: (H * S / P, W * S / P[, C]), dtype as :func:`mix_subpatches`.

    Raises:
        ValueError: if the image has fewer than ``MIN_SHUFFLED_BLOCKS`` (4) patches.
    """
    check_shuffle_grid(check_image(img, patch_size), patch_size)
    return random_patch_shuffle(mix_subpatches(img, patch_size, sub_patch_size), sub_patch_size, seed)
