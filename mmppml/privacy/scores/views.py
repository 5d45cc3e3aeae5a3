"""Another view of an image: a small shift or crop-and-rescale, a contrast and brightness change, a mild blur.

Re-identification asks whether an attacker can tell which of K images of a class is another view of the
instance behind a ciphertext. The views here are what a second photo of the same thing would differ by:
on a 32 px gray image a shift of a pixel or two (:class:`ViewConfig`'s defaults), on a photo a slightly
tighter framing (:data:`PHOTO_VIEWS`: a crop of 85-100 % of the side, rescaled). The parameters are drawn
by :func:`sample_view_params` (NumPy) and applied by :func:`apply_views` (torch, batched), so the gallery
views of the test images and the training pairs of a learned matcher come from one distribution.
"""
from dataclasses import dataclass
from typing import Dict, Tuple

import numpy as np


@dataclass(frozen=True)
class ViewConfig:
    """Ranges of the view parameters (fixed before any measurement).

    Args:
        max_shift (int): integer shift in each direction, uniform in [-max_shift, max_shift], zero fill.
        contrast (tuple): multiplicative factor c, uniform.
        brightness (tuple): offset b (0-255), uniform.
        blur (tuple): Gaussian sigma in pixels, uniform (5-tap kernel, edge values repeated).
        crop (tuple): the side of a square crop as a share of the image side, uniform, at a uniform
            place, rescaled (bilinear) to the full size; ``(1., 1.)`` crops nothing.
    """
    max_shift: int = 2
    contrast: Tuple[float, float] = (0.75, 1.25)
    brightness: Tuple[float, float] = (-25., 25.)
    blur: Tuple[float, float] = (0., 1.)
    crop: Tuple[float, float] = (1., 1.)

    def describe(self) -> str:
        """The view in words, for reports: e.g. 'a shift of up to 2 px, contrast x 0.75-1.25, ...'."""
        words = [] if self.max_shift == 0 else [f'a shift of up to {self.max_shift} px']
        if tuple(self.crop) != (1., 1.):
            words.append(f'a crop of {self.crop[0]:.0%}-{self.crop[1]:.0%} of the side, rescaled')
        words += [
            f'contrast x {self.contrast[0]:g}-{self.contrast[1]:g}',
            f'brightness {self.brightness[0]:+g} to {self.brightness[1]:+g}',
            f'blur sigma {self.blur[0]:g}-{self.blur[1]:g} px'
        ]
        return ', '.join(words)


# Views of a photo: a slightly tighter framing (crop and rescale) instead of a shift, the same jitter.
PHOTO_VIEWS = ViewConfig(max_shift=0, contrast=(0.8, 1.2), brightness=(-20., 20.), crop=(0.85, 1.))
# The views by name: a shift of a pixel or two for small images, a tighter framing for photos.
VIEWS = dict(shift=ViewConfig(), crop=PHOTO_VIEWS)


def sample_view_params(n: int, rng: np.random.Generator, config: ViewConfig = ViewConfig()) -> Dict[str, np.ndarray]:
    """Parameters of ``n`` views: (n,) arrays ``dy``, ``dx`` (int), ``contrast``, ``brightness``, ``sigma``,
    ``crop`` (side share) and ``cy``, ``cx`` (where the crop sits, 0 top / left to 1 bottom / right).
    A config that crops nothing draws nothing for the crop."""
    m = config.max_shift
    params = dict(
        dy=rng.integers(-m, m + 1, n),
        dx=rng.integers(-m, m + 1, n),
        contrast=rng.uniform(*config.contrast, n),
        brightness=rng.uniform(*config.brightness, n),
        sigma=rng.uniform(*config.blur, n))
    if tuple(config.crop) == (1., 1.):
        return dict(params, crop=np.ones(n), cy=np.full(n, 0.5), cx=np.full(n, 0.5))
    return dict(params, crop=rng.uniform(*config.crop, n), cy=rng.uniform(0., 1., n), cx=rng.uniform(0., 1., n))


def identity_params(n: int) -> Dict[str, np.ndarray]:
    """Parameters that leave ``n`` images unchanged."""
    zeros = np.zeros(n)
    return dict(
        dy=np.zeros(n, np.int64),
        dx=np.zeros(n, np.int64),
        contrast=np.ones(n),
        brightness=zeros,
        sigma=zeros,
        crop=np.ones(n),
        cy=np.full(n, 0.5),
        cx=np.full(n, 0.5))


def crop_rescale(x, crop: np.ndarray, cy: np.ndarray, cx: np.ndarray):
    """Crop a square of side ``crop * side`` from every image at (cy, cx) and rescale it to the full size.

    Args:
        x (torch.Tensor): (B, H, W) float.
        crop, cy, cx (np.ndarray): (B,) as :func:`sample_view_params` draws them.

    Returns:
        torch.Tensor: (B, H, W), bilinear; an image with ``crop == 1`` is returned as it was.
    """
    import torch
    from torch.nn import functional as F
    scale = torch.as_tensor(crop, dtype=x.dtype)
    theta = torch.zeros(len(x), 2, 3, dtype=x.dtype)
    theta[:, 0, 0] = theta[:, 1, 1] = scale
    theta[:, 0, 2] = (1 - scale) * (2 * torch.as_tensor(cx, dtype=x.dtype) - 1)  # normalised centre of the crop
    theta[:, 1, 2] = (1 - scale) * (2 * torch.as_tensor(cy, dtype=x.dtype) - 1)
    grid = F.affine_grid(theta, (len(x), 1) + tuple(x.shape[1:]), align_corners=False)
    out = F.grid_sample(x[:, None], grid, mode='bilinear', padding_mode='border', align_corners=False)[:, 0]
    return torch.where(scale[:, None, None] < 1, out, x)


def apply_views(x, params: Dict[str, np.ndarray]):
    """Apply view parameters to a batch: crop and rescale, shift (zero fill), blur, then ``c * x + b``, clipped
    and rounded.

    Args:
        x (torch.Tensor): (B, H, W) float, 0-255 scale.
        params (dict): from :func:`sample_view_params` (B entries each).

    Returns:
        torch.Tensor: (B, H, W) float holding integers in [0, 255].
    """
    import torch
    from torch.nn import functional as F
    b, h, w = x.shape
    if 'crop' in params and b and np.any(np.asarray(params['crop']) < 1):
        x = crop_rescale(x, params['crop'], params['cy'], params['cx'])
    dy, dx = (torch.as_tensor(params[k], dtype=torch.long) for k in ('dy', 'dx'))
    m = int(max(dy.abs().max(), dx.abs().max())) if b else 0
    padded = F.pad(x, (m, m, m, m))
    rows = torch.arange(h)[None, :, None] - dy[:, None, None] + m
    cols = torch.arange(w)[None, None, :] - dx[:, None, None] + m
    y = padded[torch.arange(b)[:, None, None], rows, cols]
    sigma = torch.as_tensor(params['sigma'], dtype=x.dtype).clamp_min(1e-3)
    taps = torch.arange(-2, 3, dtype=x.dtype)
    k = torch.exp(-taps[None]**2 / (2 * sigma[:, None]**2))
    k = k / k.sum(dim=1, keepdim=True)  # (B, 5)
    y = F.conv2d(F.pad(y[None], (2, 2, 0, 0), mode='replicate'), k[:, None, None, :], groups=b)
    y = F.conv2d(F.pad(y, (0, 0, 2, 2), mode='replicate'), k[:, None, :, None], groups=b)[0]
    c = torch.as_tensor(params['contrast'], dtype=x.dtype)[:, None, None]
    off = torch.as_tensor(params['brightness'], dtype=x.dtype)[:, None, None]
    return (c * y + off).clamp(0, 255).round()


def other_views(images: np.ndarray,
                rng: np.random.Generator,
                config: ViewConfig = ViewConfig(),
                chunk: int = 1024) -> np.ndarray:
    """One random view of every image: (M, H, W) uint8 -> (M, H, W) uint8."""
    import torch
    out = np.empty_like(images, dtype=np.uint8)
    for i in range(0, len(images), chunk):
        part = images[i:i + chunk]
        params = sample_view_params(len(part), rng, config)
        out[i:i + chunk] = apply_views(torch.from_numpy(part.astype(np.float32)), params).numpy().astype(np.uint8)
    return out
