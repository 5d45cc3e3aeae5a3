"""Learned inversion of MI: a small conv net that predicts the sub-patches behind every mixed block.

MI replaces each P x P patch by the mean of its r^2 sub-patches (r = P / S). The inverter reads the mixed
image at its own resolution and predicts, for every mixed pixel, the r^2 pixels it averages; their mean
is forced to equal the mixed pixel, so every output is consistent with the ciphertext. Channels are
inverted one at a time (one set of weights for gray and colour). Trained on (MI(x), x) pairs of public
images; the trivial baselines are in :mod:`mmppml.privacy.attacks.mi_baselines`.
"""
import time
from typing import Callable, Optional

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from mmppml.crypto import check_mix_sizes, mix_subpatches, round_to_uint8


def unmix_layout(sub: torch.Tensor, patch_size: int, sub_patch_size: int) -> torch.Tensor:
    """Put predicted sub-patch pixels back in place.

    Args:
        sub (torch.Tensor): (B, r*r, h, w); channel ``a * r + b`` at mixed pixel (y, x) holds the pixel
            of sub-patch (a, b) of its patch at the same in-block position.
        patch_size (int): the patch size P.
        sub_patch_size (int): the sub-patch size S.

    Returns:
        torch.Tensor: (B, 1, h * r, w * r).
    """
    r = check_mix_sizes(patch_size, sub_patch_size)
    s = sub_patch_size
    n, _, h, w = sub.shape
    gh, gw = h // s, w // s
    grid = sub.reshape(n, r, r, gh, s, gw, s).permute(0, 3, 1, 4, 5, 2, 6)  # (n, gy, a, i, gx, b, j)
    return grid.reshape(n, 1, h * r, w * r)


class MixInverter(nn.Module):
    """Dilated conv net at mixed resolution + the exact un-mixing layout.

    Args:
        patch_size (int): the patch size P of the MI encryption.
        sub_patch_size (int): the sub-patch size S.
        width (int): hidden channels.
        dilations (tuple[int]): one 3x3 conv per entry; the receptive field spans neighbouring patches.
        consistent (bool): force the r^2 predicted values to average to the mixed pixel (true of MI; not
            of its variants with random weights or noise, whose inverters leave it free).
    """

    def __init__(self,
                 patch_size: int = 16,
                 sub_patch_size: int = 8,
                 width: int = 32,
                 dilations=(1, 2, 4, 8, 4, 2, 1),
                 consistent: bool = True):
        super().__init__()
        self.consistent = consistent
        self.patch_size, self.sub_patch_size = patch_size, sub_patch_size
        self.ratio = check_mix_sizes(patch_size, sub_patch_size)
        self.stem = nn.Conv2d(1, width, 3, padding=1)
        # the role of a mixed pixel depends on where it sits in its block
        self.block_pos = nn.Parameter(torch.zeros(1, width, sub_patch_size, sub_patch_size))
        self.body = nn.ModuleList(nn.Conv2d(width, width, 3, padding=d, dilation=d) for d in dilations)
        self.head = nn.Conv2d(width, self.ratio**2, 1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, mixed: torch.Tensor) -> torch.Tensor:
        """(B, 1, h, w) mixed images (values about [0, 1]) -> (B, 1, h * r, w * r)."""
        _, _, h, w = mixed.shape
        s = self.sub_patch_size
        x = self.stem(mixed) + self.block_pos.repeat(1, 1, h // s, w // s)
        for conv in self.body:
            x = x + F.gelu(conv(x))
        delta = self.head(x)
        if self.consistent:
            delta = delta - delta.mean(dim=1, keepdim=True)  # the r^2 values average to the input
        sub = mixed + delta
        return unmix_layout(sub, self.patch_size, self.sub_patch_size)


def _to_tensor(images: np.ndarray) -> torch.Tensor:
    """(N, H, W, C) in [0, 255] -> (N * C, 1, H, W) float in [0, 1]."""
    t = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32) / 255.0)
    n, h, w, c = t.shape
    return t.permute(0, 3, 1, 2).reshape(n * c, 1, h, w)


def train_inverter(plain: np.ndarray,
                   patch_size: int = 16,
                   sub_patch_size: int = 8,
                   max_steps: int = 2000,
                   max_seconds: Optional[float] = None,
                   batch_size: int = 8,
                   lr: float = 2e-3,
                   seed: int = 0,
                   log: Optional[Callable[[str], None]] = None,
                   encrypt: Optional[Callable[[np.ndarray], np.ndarray]] = None,
                   device: str = 'cpu',
                   **model_kwargs) -> MixInverter:
    """Train a :class:`MixInverter` on (MI(x), x) pairs.

    Args:
        plain (np.ndarray): (N, H, W, C) uint8 public training images (e.g. random crops), H and W
            multiples of ``patch_size``. Random flips are added (MI commutes with flips exactly).
        max_steps (int): optimisation steps at most.
        max_seconds (float, optional): wall-clock cap.
        log (callable, optional): receives a progress line now and then.
        encrypt (callable, optional): (H, W, C) uint8 -> (H / r, W / r, C) mixed image, drawn once per
            training image; default MI itself. A variant of MI (convex weights, noise) trains the
            inverter meant for it.
        device (str): where the network trains (``'cpu'``, ``'cuda'``).
        **model_kwargs: ``width``, ``dilations`` of :class:`MixInverter`.

    Returns:
        MixInverter: the trained model in eval mode; ``trained_steps`` and ``trained_images`` (one-channel
        samples) say what it saw.
    """
    if plain.ndim != 4 or plain.dtype != np.uint8:
        raise ValueError(f'plain must be (N, H, W, C) uint8, got {plain.dtype} {plain.shape}')
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    if encrypt is None:

        def encrypt(x):
            return mix_subpatches(x, patch_size, sub_patch_size)

    mixed_all = _to_tensor(np.stack([encrypt(p) for p in plain]))
    plain_all = _to_tensor(plain)  # (N * C, 1, H, W): channels are separate samples
    model = MixInverter(patch_size, sub_patch_size, **model_kwargs).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    start, loss_avg = time.time(), None
    for step in range(max_steps):
        idx = torch.from_numpy(rng.integers(0, len(plain_all), size=batch_size * plain.shape[-1]))
        inp, target = mixed_all[idx], plain_all[idx]
        flip = [d for d, f in ((2, rng.random() < 0.5), (3, rng.random() < 0.5)) if f]
        if flip:
            inp, target = inp.flip(flip), target.flip(flip)
        loss = F.mse_loss(model(inp.to(device)), target.to(device))
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss_avg = loss.item() if loss_avg is None else 0.95 * loss_avg + 0.05 * loss.item()
        elapsed = time.time() - start
        out_of_time = max_seconds is not None and elapsed > max_seconds
        if log is not None and (step % 200 == 0 or step == max_steps - 1 or out_of_time):
            log(f'inverter P={patch_size} S={sub_patch_size} step {step + 1}/{max_steps} '
                f'mse {loss_avg:.5f} ({elapsed:.0f}s)')
        if out_of_time:
            break
    model.trained_steps, model.trained_images = step + 1, (step + 1) * batch_size * plain.shape[-1]  # channels
    return model.eval()


@torch.no_grad()
def invert_mixed(model: MixInverter, mixed: np.ndarray) -> np.ndarray:
    """Reconstruct a plain image from its MI encryption.

    Args:
        model (MixInverter): trained inverter.
        mixed (np.ndarray): (h, w[, C]) MI image in the 0-255 range.

    Returns:
        np.ndarray: (h * r, w * r[, C]) uint8.
    """
    squeeze = mixed.ndim == 2
    hwc = mixed[..., None] if squeeze else mixed
    out = model(_to_tensor(hwc[None]).to(model.block_pos.device)).cpu()  # (C, 1, H, W)
    img = out[:, 0].permute(1, 2, 0).numpy() * 255.0
    img = round_to_uint8(img)
    return img[..., 0] if squeeze else img
