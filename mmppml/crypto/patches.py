"""Cutting images into square blocks and putting them back, with reshapes only (no copies per block)."""
import functools
import math
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
# A permutation that leaves its image unchanged is drawn again, up to this many draws in all.
SHUFFLE_DRAWS = 32


def check_shuffle_grid(grid: Tuple[int, int], block: int, what: str = 'patch_size') -> int:
    """Return the number of blocks of a ``grid`` to shuffle, or raise if below ``MIN_SHUFFLED_BLOCKS``."""
    n = grid[0] * grid[1]
    if n < MIN_SHUFFLED_BLOCKS:
        raise ValueError(
            f'a {grid[0]}x{grid[1]} grid of {what}={block} blocks has {n} block(s); shuffling needs at least '
            f'{MIN_SHUFFLED_BLOCKS} to hide anything (one block leaves the image unchanged): use smaller '
            'blocks or larger images')
    return n


def check_permutation(perm: np.ndarray, grid: Tuple[int, int]) -> np.ndarray:
    """Return ``perm`` as an array, or raise if it is not a permutation of the blocks of ``grid``."""
    perm = np.asarray(perm)
    n = grid[0] * grid[1]
    if perm.shape != (n, ) or not np.issubdtype(perm.dtype, np.integer) \
            or not np.array_equal(np.sort(perm), np.arange(n)):
        raise ValueError(f'perm must be a permutation of range({n}) for a {grid[0]}x{grid[1]} block grid')
    return perm


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


@functools.lru_cache(maxsize=64)
def block_line_tables(height: int, width: int, block: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index tables of :func:`permute_blocks` for one image size, computed once per size.

    An image seen as ``(height * gw, block * C)`` lines, gw = width // block, holds one block row per
    line in raster order: block ``k`` starts at line ``starts[k]`` and its row ``y`` is ``y * gw``
    lines further. Output line ``l`` (raster order) is row ``offsets[l] / gw`` of the block at
    output position ``position[l]``.

    Returns:
        tuple[np.ndarray, np.ndarray, np.ndarray]: read-only intp ``starts`` (N,), ``position``
        (H * gw,) and ``offsets`` (H * gw,).
    """
    gh, gw = height // block, width // block
    starts = (np.arange(gh, dtype=np.intp)[:, None] * (block * gw) + np.arange(gw, dtype=np.intp)).reshape(-1)
    # Output line (i, y, j), flattened: row y of the block at output position (i, j).
    shape = (gh, block, gw)
    position = np.broadcast_to(np.arange(gh * gw, dtype=np.intp).reshape(gh, 1, gw), shape).reshape(-1)
    offsets = np.broadcast_to((np.arange(block, dtype=np.intp) * gw).reshape(1, block, 1), shape).reshape(-1)
    for table in (starts, position, offsets):
        table.setflags(write=False)
    return starts, position, offsets


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
    lines = block_lines(img.shape[0], img.shape[1], block, perm)
    rows = img.reshape(lines.size, block * math.prod(img.shape[2:]))  # one block row per line
    return rows.take(lines, axis=0).reshape(img.shape)


def block_lines(height: int, width: int, block: int, perm: np.ndarray) -> np.ndarray:
    """For each output line of :func:`permute_blocks` (raster order), the input line it copies.

    Returns:
        np.ndarray: (height * width // block,) intp.
    """
    starts, position, offsets = block_line_tables(height, width, block)
    # Output line l is row offsets[l] / gw of source block perm[position[l]].
    lines = starts.take(perm).take(position)
    lines += offsets
    return lines


def keeps_image(img: np.ndarray, block: int, perm: np.ndarray) -> bool:
    """Whether moving the blocks of ``img`` as ``perm`` says (output block ``i`` is block ``perm[i]``)
    gives ``img`` back: the identity, or a permutation of identical blocks only.

    Compares the moved blocks in place (no copy of the image), stopping at the first that differs
    from the block it replaces.

    Args:
        img (np.ndarray): (H, W[, C]), H and W multiples of ``block``.
        block (int): side of a block.
        perm (np.ndarray): a permutation of the N blocks, raster order.
    """
    gw = img.shape[1] // block
    for i, j in enumerate(perm.tolist()):  # a fresh permutation almost always moves the first block
        if i == j:
            continue
        a = img[i // gw * block:(i // gw + 1) * block, i % gw * block:(i % gw + 1) * block]
        b = img[j // gw * block:(j // gw + 1) * block, j % gw * block:(j % gw + 1) * block]
        if not (a == b).all():
            return False
    return True


def changing_permutation(rng: np.random.Generator, img: np.ndarray, block: int) -> np.ndarray:
    """A uniform permutation of the blocks of ``img`` that changes it: one that would leave it as it was
    (:func:`keeps_image`) is drawn again, up to :data:`SHUFFLE_DRAWS` draws.

    Returns:
        np.ndarray: the first draw that changes ``img``; the last draw if none does (every block of
        ``img`` is then the same, so that no order tells anything).
    """
    n = (img.shape[0] // block) * (img.shape[1] // block)
    for _ in range(SHUFFLE_DRAWS):
        perm = rng.permutation(n)
        if not keeps_image(img, block, perm):
            break
    return perm
