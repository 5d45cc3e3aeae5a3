"""Predefined class anchors: fixed, maximally separated unit vectors, one per class."""
import math

import torch

ANCHOR_PRINCIPLES = ('simplex', 'orthonormal')


def _random_orthonormal_columns(dims: int, num: int, generator: torch.Generator) -> torch.Tensor:
    """A (dims, num) matrix with orthonormal columns, Haar-random under ``generator``."""
    gaussian = torch.randn(dims, num, generator=generator, dtype=torch.float64)
    q, r = torch.linalg.qr(gaussian)
    # Fixing the signs of R's diagonal makes Q uniformly distributed (and unique).
    signs = torch.sign(torch.diagonal(r))
    signs[signs == 0] = 1
    return q * signs


def _centred_simplex(num_classes: int) -> torch.Tensor:
    """(K, K-1) coordinates of a regular simplex: unit vectors with pairwise cosine -1/(K-1).

    Vertex i is ``e_i - 1/K`` (the one-hot vectors, centred) written in the Helmert basis of the
    hyperplane orthogonal to ``(1, ..., 1)``, then scaled to unit norm.
    """
    j = torch.arange(1, num_classes, dtype=torch.float64)  # basis vector index, 1 .. K-1
    cols = torch.arange(num_classes, dtype=torch.float64)
    # Helmert row j: 1 on the first j entries, -j on entry j, 0 after; normalised.
    helmert = (cols[None] < j[:, None]).double() - j[:, None] * (cols[None] == j[:, None]).double()
    helmert = helmert / torch.sqrt(j * (j + 1))[:, None]  # (K-1, K), orthonormal rows
    return helmert.T / math.sqrt((num_classes - 1) / num_classes)


def make_anchors(num_classes: int, embed_dims: int, principle: str = 'simplex', seed: int = 0) -> torch.Tensor:
    """Predefined class anchors on the unit sphere.

    - ``'simplex'``: the K vertices of a regular simplex centred at the origin, the most separated
      K unit vectors possible (pairwise cosine ``-1/(K-1)``). Needs ``embed_dims >= K - 1``.
    - ``'orthonormal'``: K mutually orthogonal unit vectors (pairwise cosine 0). Needs
      ``embed_dims >= K``.

    Both are rotated into ``embed_dims`` by a random orthogonal map drawn from a generator seeded
    with ``seed``, so the same arguments give the same anchors on every machine and run.

    Args:
        num_classes (int): Number of classes K, at least 2.
        embed_dims (int): Dimension D of the anchor space.
        principle (str): ``'simplex'`` or ``'orthonormal'``. Defaults to ``'simplex'``.
        seed (int): Seed of the rotation. Defaults to 0.

    Returns:
        Tensor: Anchors of shape (K, D), float32, one unit-norm row per class.
    """
    if principle not in ANCHOR_PRINCIPLES:
        raise ValueError(f'Unknown anchor principle {principle!r}; choose one of {ANCHOR_PRINCIPLES}.')
    if not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f'Predefined anchors need num_classes >= 2, got {num_classes!r}.')
    if not isinstance(embed_dims, int) or embed_dims < 1:
        raise ValueError(f'embed_dims must be a positive int, got {embed_dims!r}.')
    needed = num_classes - 1 if principle == 'simplex' else num_classes
    if embed_dims < needed:
        raise ValueError(f'{principle!r} anchors for {num_classes} classes need embed_dims >= {needed} '
                         f'(simplex: K-1, orthonormal: K), got embed_dims={embed_dims}.')

    generator = torch.Generator().manual_seed(seed)
    if principle == 'simplex':
        coords = _centred_simplex(num_classes)  # (K, K-1)
    else:
        coords = torch.eye(num_classes, dtype=torch.float64)  # (K, K)
    rotation = _random_orthonormal_columns(embed_dims, coords.size(1), generator)  # (D, k)
    anchors = coords @ rotation.T
    return anchors.to(torch.float32)
