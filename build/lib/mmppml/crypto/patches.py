"""Cutting images into square blocks and putting them back, with reshapes only (no copies per block)."""
from typing import Tuple

import numpy as np


def check_block_size(name: str, size: int) -> int:
    """Return ``size`` as an int, or raise if it is not a positive integer."""
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size <= 0:
        raise ValueError(f'{name} must be a positive integer, got {size!r}')
    return int(size)


def check_image(img: np.ndarray, block: int, what: str = 'patch_size') -> Tuple[int, int]:
    """Check that ``img`` is H x W or H x W x C with H and W multiples of ``block``.

    Returns:
        tuple[int, int]: the block grid (H // block, W // block).
    """
    if not isinstance(img, np.ndarray) or img.ndim not in (2, 3):
        shape = getattr(img, 'shape', None)
        raise ValueError(f'expected an H x W or H x W x C array, got {type(img).__name__} of shape {shape}')
    h, w = img.shape[:2]
    if h == 0 or w == 0:
        raise ValueError(f'image is empty ({h}x{w}, HxW)')
    if h % block or w % block:
        raise ValueError(f'image size {h}x{w} (HxW) is not a multiple of {what}={block}')
    return h // block, w // block


# A shuffle of fewer blocks hides next to nothing (one block: the output is the input).
MIN_SHUFFLED_BLOCKS = 4


def check_shuffle_grid(grid: Tuple[int, int], block: int, what: str = 'patch_size') -> int:
    """Return the number of blocks of a ``grid`` to shuffle, or raise if below ``MIN_SHUFFLED_BLOCKS``."""
    n = grid[0] * grid[1]
    if n < MIN_SHUFFLED_BLOCKS:
        raise ValueError(
            f'a {grid[0]}x{grid[1]} grid of {what}={block} blocks has {n} block(s); shuffling needs at least '
            f'{MIN_SHUFFLED_BLOCKS} to hide anything (one block leaves the image unchanged): use smaller '
            'blocks or larger images')
    return n


def to_blocks(img: np.ndarray, block: int) -> np.ndarray:
    """Split an image into square blocks in raster order.

    Args:
        img (np.ndarray): (H, W) or (H, W, C), H and W multiples of ``block``.
        block (int): side of a block.

    Returns:
        np.ndarray: (N, block, block[, C]) with N = (H // block) * (W // block).
    """
    gh, gw = check_image(img, block)
    rest = img.shape[2:]
    blocks = img.reshape(gh, block, gw, block, *rest).swapaxes(1, 2)
    return blocks.reshape(gh * gw, block, block, *rest)


def from_blocks(blocks: np.ndarray, grid: Tuple[int, int]) -> np.ndarray:
    """Inverse of :func:`to_blocks`: blocks (N, b, b[, C]) in raster order to an image."""
    gh, gw = grid
    n, b = blocks.shape[:2]
    if n != gh * gw:
        raise ValueError(f'{n} blocks do not fill a {gh}x{gw} grid')
    rest = blocks.shape[3:]
    img = blocks.reshape(gh, gw, b, b, *rest).swapaxes(1, 2)
    return img.reshape(gh * b, gw * b, *rest)


def permute_blocks(img: np.ndarray, block: int, perm: np.ndarray) -> np.ndarray:
    """Rearrange the blocks of an image: output block ``i`` is input block ``perm[i]`` (raster order).

    Same result as ``from_blocks(to_blocks(img, block)[perm], grid)``, in a single gather: each
    block row (``block`` pixels of all channels, contiguous in the image) is copied once.

    Args:
        img (np.ndarray): (H, W) or (H, W, C), H and W multiples of ``block`` (not checked here).
        block (int): side of a block.
        perm (np.ndarray): a permutation of ``range(N)``, N = (H // block) * (W // block).

    Returns:
        np.ndarray: a new C-contiguous array of the same shape and dtype.
    """
    gh, gw = img.shape[0] // block, img.shape[1] // block
    line_size = block * int(np.prod(img.shape[2:], dtype=np.int64))
    rows = img.reshape(img.shape[0] * gw, line_size)  # one block row per line, in raster order
    src_row, src_col = np.divmod(np.asarray(perm), gw)
    first_line = (src_row * (block * gw) + src_col).reshape(gh, 1, gw)
    lines = first_line + (np.arange(block) * gw).reshape(1, block, 1)  # (gh, block, gw): output order
    return rows.take(lines.reshape(-1), axis=0).reshape(img.shape)
