"""Encryption transforms of the frontier's candidate modes: pixel bags, convex MI and noisy RS-on-MI.

Thin wrappers around :mod:`mmppml.crypto`, registered as ``mmppml.Name``; put them last, before
``PackInputs``. Like the other encryptions they write no permutation, weight, noise or seed into
``results``.
"""
from typing import Optional

import numpy as np

from mmppml.crypto import noisy_shuffled_mix, random_convex_mix, random_pixel_bags
from mmppml.registry import TRANSFORMS
from .transforms import BlockEncryption, MixSubPatches, ShuffledMixSubPatches


@TRANSFORMS.register_module()
class RandomPixelBags(BlockEncryption):
    """Pixel bags: a fresh pixel permutation inside every b x b block, then a fresh block shuffle.

    Only each block's multiset of pixel values survives; read it with PEViT's
    ``patch_cfg=dict(type='mmppml.BagPatchEmbed')``. Classification only: boxes, masks, segmentation maps
    and keypoints are refused.

    Args:
        patch_size (int): b, the side of a bag. Default: 4.
        size_mismatch (str): ``'error'`` | ``'pad'`` | ``'crop'``, see :class:`BlockEncryption`.
        pad_val (int | float): padding value. Default: 0.
        seed (int, optional): insecure reproducible permutations; ``None`` uses OS entropy.
    """
    shuffles = True

    def __init__(self,
                 patch_size: int = 4,
                 size_mismatch: str = 'error',
                 pad_val: float = 0,
                 seed: Optional[int] = None) -> None:
        super().__init__(patch_size, size_mismatch, pad_val, seed)

    def encrypt(self, img: np.ndarray) -> np.ndarray:
        return random_pixel_bags(img, self.block_size, self.rng)


@TRANSFORMS.register_module()
class RandomConvexMix(MixSubPatches):
    """Convex MI: each P x P patch -> a random convex combination (Dirichlet weights, fresh per patch
    and image) of its S x S sub-patches.

    The layout is kept as in MI, so boxes, ``img_shape`` and ``scale_factor`` are rescaled by S / P as
    :class:`MixSubPatches` does; masks and segmentation maps are refused.

    Args:
        patch_size (int): the patch size P. Default: 16.
        sub_patch_size (int): the sub-patch size S. Default: 8.
        concentration (float): of the Dirichlet weights; 1 is uniform on the simplex. Default: 1.
        size_mismatch (str): ``'error'`` | ``'pad'`` | ``'crop'``.
        pad_val (int | float): padding value.
        seed (int, optional): insecure reproducible weights; ``None`` uses OS entropy.
    """
    draws = True

    def __init__(self,
                 patch_size: int = 16,
                 sub_patch_size: int = 8,
                 concentration: float = 1.,
                 size_mismatch: str = 'error',
                 pad_val: float = 0,
                 seed: Optional[int] = None) -> None:
        super().__init__(patch_size, sub_patch_size, size_mismatch, pad_val, seed)
        if not concentration > 0:
            raise ValueError(f'concentration must be positive, got {concentration!r}')
        self.concentration = float(concentration)

    def encrypt(self, img: np.ndarray) -> np.ndarray:
        return random_convex_mix(img, self.block_size, self.sub_patch_size, self.concentration, self.rng)


@TRANSFORMS.register_module()
class NoisyShuffledMix(ShuffledMixSubPatches):
    """Noisy RS-on-MI: MI, Gaussian noise of ``sigma`` (image scale, 0-255) on the mixed image, then a
    fresh shuffle of its S x S blocks. Classification only: spatial annotations are refused.

    Args:
        patch_size (int): the patch size P. Default: 16.
        sub_patch_size (int): the sub-patch size S. Default: 8.
        sigma (float): noise standard deviation, >= 0. Default: 16.
        size_mismatch (str): ``'error'`` | ``'pad'`` | ``'crop'``.
        pad_val (int | float): padding value.
        seed (int, optional): insecure reproducible noise and permutations; ``None`` uses OS entropy.
    """

    def __init__(self,
                 patch_size: int = 16,
                 sub_patch_size: int = 8,
                 sigma: float = 16.,
                 size_mismatch: str = 'error',
                 pad_val: float = 0,
                 seed: Optional[int] = None) -> None:
        super().__init__(patch_size, sub_patch_size, size_mismatch, pad_val, seed)
        if not sigma >= 0:
            raise ValueError(f'sigma must be >= 0, got {sigma!r}')
        self.sigma = float(sigma)

    def encrypt(self, img: np.ndarray) -> np.ndarray:
        return noisy_shuffled_mix(img, self.block_size, self.sub_patch_size, self.sigma, self.rng)
