"""Pixel bags: each block's pixels permuted afresh per image and per block, then the blocks shuffled.

What survives is, for every block, the multiset of its pixel values (a bag): a model that reads the
sorted values of each block (PEViT with ``patch_cfg=dict(type='mmppml.BagPatchEmbed')``) sees exactly
what is left. Gone are the block layout (as RS) and the shapes inside blocks (unlike RS), so jigsaw
solvers and the learned block-position attacker only see value histograms.
"""
import numpy as np

from .keys import SeedLike, new_rng
from .patches import changing_permutation, check_block_size, check_image, check_shuffle_grid, from_blocks, to_blocks


def permute_block_pixels(img: np.ndarray, block_size: int, pixel_perms: np.ndarray) -> np.ndarray:
    """Permute the pixels inside every block: pixel ``j`` of output block ``i`` is pixel
    ``pixel_perms[i, j]`` of input block ``i`` (pixels in raster order inside the block; the channels of
    a pixel move together).

    Args:
        img (np.ndarray): (H, W) or (H, W, C), H and W multiples of ``block_size``.
        block_size (int): the block side b.
        pixel_perms (np.ndarray): (N, b * b), a permutation of ``range(b * b)`` per block, N blocks in
            raster order.

    Returns:
        np.ndarray: a new array of the same shape and dtype.
    """
    b = check_block_size('block_size', block_size)
    grid = check_image(img, b, 'block_size')
    n = grid[0] * grid[1]
    pixel_perms = np.asarray(pixel_perms)
    if pixel_perms.shape != (n, b * b) or not (np.sort(pixel_perms, axis=1) == np.arange(b * b)).all():
        raise ValueError(f'pixel_perms must hold a permutation of range({b * b}) for each of the {n} blocks')
    rest = img.shape[2:]
    flat = to_blocks(img, b).reshape(n, b * b, *rest)
    moved = np.take_along_axis(flat, pixel_perms.reshape(n, b * b, *([1] * len(rest))), axis=1)
    return from_blocks(moved.reshape(n, b, b, *rest), grid)


def random_pixel_bags(img: np.ndarray, block_size: int, seed: SeedLike = None) -> np.ndarray:
    """Pixel bags: a fresh pixel permutation inside every block, then a fresh shuffle of the blocks (drawn
    again while it would leave the blocks where they were, as in :func:`~mmppml.crypto.random_patch_shuffle`).

    Args:
        img (np.ndarray): (H, W) or (H, W, C), any dtype, H and W multiples of ``block_size``.
        block_size (int): the block side b.
        seed (None | int | np.random.Generator): see :func:`mmppml.crypto.new_rng`; an int is insecure.

    Returns:
        np.ndarray: same shape and dtype; every output block holds the pixels of one input block.

    Raises:
        ValueError: if the image has fewer than ``MIN_SHUFFLED_BLOCKS`` (4) blocks.
    """
    b = check_block_size('block_size', block_size)
    grid = check_image(img, b, 'block_size')
    n = check_shuffle_grid(grid, b, 'block_size')
    rng = new_rng(seed)
    pixel_perms = np.argsort(rng.random((n, b * b)), axis=1)
    bags = permute_block_pixels(img, b, pixel_perms)
    return from_blocks(to_blocks(bags, b)[changing_permutation(rng, bags, b)], grid)


def sorted_block_values(img: np.ndarray, block_size: int) -> np.ndarray:
    """The bag of every block in a canonical form: its values sorted, per channel.

    Args:
        img (np.ndarray): (H, W) or (H, W, C), H and W multiples of ``block_size``.

    Returns:
        np.ndarray: (N, b * b[, C]), blocks in raster order, values ascending along axis 1.
    """
    b = check_block_size('block_size', block_size)
    grid = check_image(img, b, 'block_size')
    n = grid[0] * grid[1]
    return np.sort(to_blocks(img, b).reshape(n, b * b, *img.shape[2:]), axis=1)
