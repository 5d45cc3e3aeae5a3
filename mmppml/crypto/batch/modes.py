"""Each mode's torch batch function, as :attr:`mmppml.crypto.Mode.batch` names it.

All take ``(x, patch_size, sub_patch_size, param, draws, mean, std)``:

- x (torch.Tensor): (B, C, H, W) float, H and W multiples of P; normalised as ``(v - mean) / std`` when
  ``mean`` and ``std`` ((C, 1, 1) tensors) are given, else on the pixel scale;
- patch_size (int), sub_patch_size (int | None): P and S, checked by :meth:`~mmppml.crypto.Mode.check_sizes`;
- param (float | None): the mode's own parameter (:attr:`~mmppml.crypto.Mode.param`), checked;
- draws: where randomness comes from: ``draws.generator(device)`` (a torch generator) and
  ``draws.numpy_rng`` (a NumPy generator), e.g. a :class:`~mmppml.models.data_preprocessors.BatchEncryption`;

and return the (B, C, H / r, W / r) encrypted batch, r = :meth:`~mmppml.crypto.Mode.shrink`.
"""
import numpy as np
import torch

from .convex_mix import convex_mix_batch
from .patch_shuffle import shuffle_batch
from .pixel_bags import pixel_bags_batch
from .subpatch_mix import mix_batch


def rs_batch(x, patch_size, sub_patch_size, param, draws, mean=None, std=None) -> torch.Tensor:
    """RS: a fresh shuffle of the P x P patches of every image."""
    return shuffle_batch(x, patch_size, draws.generator(x.device))


def bag_batch(x, patch_size, sub_patch_size, param, draws, mean=None, std=None) -> torch.Tensor:
    """Pixel bags of side P."""
    return pixel_bags_batch(x, patch_size, draws.generator(x.device))


def mi_batch(x, patch_size, sub_patch_size, param, draws, mean=None, std=None) -> torch.Tensor:
    """MI: every P x P patch -> the mean of its S x S sub-patches."""
    return mix_batch(x, patch_size, sub_patch_size)


def rs_on_mi_batch(x, patch_size, sub_patch_size, param, draws, mean=None, std=None) -> torch.Tensor:
    """RS-on-MI: MI, then a fresh shuffle of the S x S mixed blocks."""
    return shuffle_batch(mix_batch(x, patch_size, sub_patch_size), sub_patch_size, draws.generator(x.device))


def convex_mi_batch(x, patch_size, sub_patch_size, param, draws, mean=None, std=None) -> torch.Tensor:
    """Convex MI: Dirichlet(``param``) weights per patch from ``draws.numpy_rng``."""
    h, w = x.shape[-2:]
    r, p = patch_size // sub_patch_size, patch_size
    weights = draws.numpy_rng.dirichlet(np.full(r * r, param), size=(x.shape[0], h // p, w // p))
    return convex_mix_batch(x, patch_size, sub_patch_size, torch.from_numpy(weights))


def noisy_rs_on_mi_batch(x, patch_size, sub_patch_size, param, draws, mean=None, std=None) -> torch.Tensor:
    """Noisy RS-on-MI: MI, Gaussian noise of ``param`` (the 0-255 pixel scale, divided by ``std`` once
    normalised), then a fresh shuffle of the S x S blocks."""
    out = mix_batch(x, patch_size, sub_patch_size)
    if param > 0:
        sigma = torch.full((x.shape[1], 1, 1), param, dtype=x.dtype, device=x.device)
        if std is not None:
            sigma = sigma / std.to(x)
        noise = torch.randn(out.shape, generator=draws.generator(x.device), device=x.device, dtype=x.dtype)
        out = out + noise * sigma
    return shuffle_batch(out, sub_patch_size, draws.generator(x.device))
