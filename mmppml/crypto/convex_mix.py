"""MI with random convex weights: each P x P patch becomes a weighted mean of its S x S sub-patches,
with non-negative weights summing to one drawn afresh per patch and per image.

Plain MI is one fixed linear map, which an attacker learns to invert on public images. With random
weights the map differs in every patch; a linear patch embedding still sees a convex combination of
what it would see on the sub-patches.
"""
import numpy as np

from .keys import SeedLike, new_rng
from .patches import check_image
from .subpatch_mix import check_mix_sizes


def check_concentration(concentration: float) -> float:
    """Return ``concentration`` or raise: the Dirichlet concentration of convex MI, > 0."""
    if not concentration > 0:
        raise ValueError(f'concentration must be positive, got {concentration!r}')
    return concentration


def convex_mix_subpatches(img: np.ndarray, patch_size: int, sub_patch_size: int, weights: np.ndarray) -> np.ndarray:
    """Each P x P patch -> the weighted sum of its r^2 sub-patches (r = P / S).

    Args:
        img (np.ndarray): (H, W) or (H, W, C), H and W multiples of P.
        patch_size (int): the patch size P.
        sub_patch_size (int): S, a proper divisor of P.
        weights (np.ndarray): (H / P, W / P, r * r), non-negative, each patch's weights summing to 1;
            weight ``a * r + b`` goes to sub-patch (a, b) (row a, column b inside the patch).

    Returns:
        np.ndarray: (H * S / P, W * S / P[, C]) float32 (float64 for float64 input).
    """
    r = check_mix_sizes(patch_size, sub_patch_size)
    gh, gw = check_image(img, patch_size)
    weights = np.asarray(weights)
    if weights.shape != (gh, gw, r * r):
        raise ValueError(f'weights must be ({gh}, {gw}, {r * r}), got {weights.shape}')
    if (weights < 0).any() or not np.allclose(weights.sum(axis=2), 1., atol=1e-6):
        raise ValueError('weights must be non-negative and sum to 1 in every patch')
    s = sub_patch_size
    rest = img.shape[2:]
    dtype = np.float64 if img.dtype == np.float64 else np.float32
    grid = img.reshape(gh, r, s, gw, r, s, *rest).astype(dtype)
    w = weights.reshape(gh, gw, r, r).astype(dtype)
    # (gh, r, s, gw, r, s, C) x (gh, gw, r, r) -> (gh, s, gw, s, C)
    mixed = np.einsum('yaixbj...,yxab->yixj...', grid, w)
    return mixed.reshape(gh * s, gw * s, *rest).astype(dtype, copy=False)


def random_convex_mix(img: np.ndarray,
                      patch_size: int,
                      sub_patch_size: int,
                      concentration: float = 1.,
                      seed: SeedLike = None) -> np.ndarray:
    """Convex MI with Dirichlet(``concentration``) weights drawn afresh for every patch.

    Args:
        img (np.ndarray): (H, W) or (H, W, C), H and W multiples of P.
        patch_size (int): the patch size P.
        sub_patch_size (int): the sub-patch size S.
        concentration (float): > 0; 1 draws uniformly from the simplex, large values approach plain MI.
        seed (None | int | np.random.Generator): see :func:`mmppml.crypto.new_rng`; an int is insecure.

    Returns:
        np.ndarray: as :func:`convex_mix_subpatches`; the weights are discarded.
    """
    r = check_mix_sizes(patch_size, sub_patch_size)
    gh, gw = check_image(img, patch_size)
    check_concentration(concentration)
    weights = new_rng(seed).dirichlet(np.full(r * r, float(concentration)), size=(gh, gw))
    return convex_mix_subpatches(img, patch_size, sub_patch_size, weights)
