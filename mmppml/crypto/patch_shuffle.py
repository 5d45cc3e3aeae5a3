"""RS: random shuffling of P x P patches, a fresh permutation per image."""
import numpy as np

from .keys import SeedLike, new_rng
from .patches import (changing_permutation, check_block_size, check_image, check_permutation, check_shuffle_grid,
                      permute_blocks)


def shuffle_patches(img: np.ndarray, patch_size: int, perm: np.ndarray) -> np.ndarray:
    """Rearrange the patches of ``img``: output patch ``i`` is input patch ``perm[i]``.

    Args:
        img (np.ndarray): (H, W) or (H, W, C), H and W multiples of ``patch_size``.
        patch_size (int): the patch size P.
        perm (np.ndarray): a permutation of ``range(N)``, N = H * W / P^2, in raster order.

    Returns:
        np.ndarray: a new array of the same shape and dtype.
    """
    patch_size = check_block_size('patch_size', patch_size)
    perm = check_permutation(perm, check_image(img, patch_size))
    return permute_blocks(img, patch_size, perm)


def unshuffle_patches(img: np.ndarray, patch_size: int, perm: np.ndarray) -> np.ndarray:
    """Undo :func:`shuffle_patches` given its permutation (for tests and attack research)."""
    return shuffle_patches(img, patch_size, np.argsort(perm))


def random_patch_shuffle(img: np.ndarray, patch_size: int, seed: SeedLike = None) -> np.ndarray:
    """RS: shuffle the P x P patches of ``img`` with a uniformly random permutation.

    The permutation is drawn from OS entropy and then discarded; nothing returned reveals it. A draw
    that would leave the image as it was (1 in 24 for 2 x 2 patches) is drawn again, so the output
    differs from ``img`` unless all its patches are the same.

    Args:
        img (np.ndarray): (H, W) or (H, W, C), any dtype, H and W multiples of ``patch_size``.
        patch_size (int): the patch size P.
        seed (None | int | np.random.Generator): see :func:`mmppml.crypto.new_rng`; an int makes
            the result reproducible and is insecure.

    Returns:
        np.ndarray: same shape and dtype, the same multiset of patches.

    Raises:
        ValueError: if the image has fewer than ``MIN_SHUFFLED_BLOCKS`` (4) patches.
    """
    patch_size = check_block_size('patch_size', patch_size)
    check_shuffle_grid(check_image(img, patch_size), patch_size)
    return permute_blocks(img, patch_size, changing_permutation(new_rng(seed), img, patch_size))
