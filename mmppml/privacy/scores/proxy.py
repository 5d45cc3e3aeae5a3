"""The human proxy: does a classifier that never saw an encrypted image recognise a reconstruction?

A person who looks at an attacker's reconstruction either recognises what it shows or does not. The
proxy is a small CNN trained on plain images only, with the degradations a person tolerates (blur,
down-sampling to the MI resolution and back, noise), so that a blurry but recognisable reconstruction
counts as recognised. Its top-1 accuracy on reconstructions, next to chance and to its accuracy on plain
(and on down-sampled plain) images, is the headline privacy score.
"""
import time
from typing import Callable, Optional, Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


class ProxyNet(nn.Module):
    """A small CNN for (B, C, H, W) images scaled to [0, 1]."""

    def __init__(self, in_channels: int = 1, num_classes: int = 10, width: int = 16):
        super().__init__()

        def block(cin, cout):
            return nn.Sequential(
                nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))

        self.features = nn.Sequential(
            block(in_channels, width), nn.MaxPool2d(2), block(width, 2 * width), nn.MaxPool2d(2),
            block(2 * width, 4 * width))
        self.head = nn.Linear(4 * width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).mean(dim=(2, 3)))


def _to_tensor(images: np.ndarray) -> torch.Tensor:
    """(N, H, W[, C]) uint8 -> (N, C, H, W) float in [0, 1]."""
    x = torch.from_numpy(np.ascontiguousarray(images)).float() / 255.
    return x[:, None] if x.ndim == 3 else x.permute(0, 3, 1, 2)


def _blur(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """Gaussian blur with one sigma per image (5 x 5 kernel, separable)."""
    r = torch.arange(-2, 3, dtype=x.dtype)
    k = torch.exp(-(r[None]**2) / (2 * sigma[:, None]**2))
    k = k / k.sum(dim=1, keepdim=True)  # (B, 5)
    b, c, h, w = x.shape
    y = x.reshape(1, b * c, h, w)
    kc = k.repeat_interleave(c, dim=0)
    y = F.conv2d(F.pad(y, (2, 2, 0, 0), mode='replicate'), kc[:, None, None, :], groups=b * c)
    y = F.conv2d(F.pad(y, (0, 0, 2, 2), mode='replicate'), kc[:, None, :, None], groups=b * c)
    return y.reshape(b, c, h, w)


def degrade(x: torch.Tensor, low_res_factors: Sequence[int], generator: torch.Generator) -> torch.Tensor:
    """What a person still recognises: per image, one of identity, blur, down-sampling by a factor of
    ``low_res_factors`` (box mean, then nearest or bilinear up) or noise; then a random flip."""
    b = x.shape[0]
    kind = torch.randint(0, 4, (b, ), generator=generator)
    out = x.clone()
    sel = kind == 1
    if sel.any():
        out[sel] = _blur(x[sel], 0.5 + torch.rand(int(sel.sum()), generator=generator))
    sel = kind == 2
    if sel.any() and low_res_factors:
        f = low_res_factors[int(torch.randint(0, len(low_res_factors), (1, ), generator=generator))]
        small = F.avg_pool2d(x[sel], f)
        mode = 'nearest' if torch.rand(1, generator=generator) < 0.5 else 'bilinear'
        out[sel] = F.interpolate(small, scale_factor=f, mode=mode)
    sel = kind == 3
    if sel.any():
        sigma = 0.1 * torch.rand(int(sel.sum()), 1, 1, 1, generator=generator)
        out[sel] = (x[sel] + sigma * torch.randn(x[sel].shape, generator=generator)).clamp(0, 1)
    flip = torch.rand(b, generator=generator) < 0.5
    return torch.where(flip[:, None, None, None], out.flip(3), out)


def train_proxy(images: np.ndarray,
                labels: np.ndarray,
                low_res_factors: Sequence[int] = (2, 4),
                epochs: float = 3.,
                batch_size: int = 128,
                lr: float = 2e-3,
                max_seconds: Optional[float] = None,
                seed: int = 0,
                log: Optional[Callable[[str], None]] = None) -> ProxyNet:
    """Train the proxy on plain images only.

    Args:
        images (np.ndarray): (N, H, W[, C]) uint8 plain training images.
        labels (np.ndarray): (N,) int classes.
        low_res_factors (Sequence[int]): the down-sampling factors of the MI modes to tolerate.
        epochs (float): passes over the images; AdamW, one-cycle schedule.
        max_seconds (float, optional): wall-clock cap (stops early).

    Returns:
        ProxyNet: in eval mode.
    """
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    x_all, y_all = _to_tensor(images), torch.from_numpy(np.asarray(labels, dtype=np.int64))
    model = ProxyNet(x_all.shape[1], int(y_all.max()) + 1)
    steps = max(1, int(np.ceil(epochs * len(x_all) / batch_size)))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.05)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    model.train()
    start = time.time()
    for step in range(steps):
        idx = torch.randint(0, len(x_all), (batch_size, ), generator=gen)
        loss = F.cross_entropy(model(degrade(x_all[idx], low_res_factors, gen)), y_all[idx], label_smoothing=0.1)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        out_of_time = max_seconds is not None and time.time() - start > max_seconds
        if log is not None and (step % 200 == 0 or step == steps - 1 or out_of_time):
            log(f'proxy classifier step {step + 1}/{steps} loss {loss.item():.3f} ({time.time() - start:.0f}s)')
        if out_of_time:
            break
    return model.eval()


@torch.no_grad()
def proxy_top1(model: ProxyNet, images: np.ndarray, labels: np.ndarray, batch_size: int = 512) -> float:
    """Top-1 accuracy (0-1) of the proxy on (N, H, W[, C]) uint8 images (e.g. reconstructions)."""
    x = _to_tensor(images)
    pred = torch.cat([model(x[i:i + batch_size]).argmax(1) for i in range(0, len(x), batch_size)])
    return float((pred.numpy() == np.asarray(labels)).mean())
