"""The obvious alternatives the encryption is compared with, on (H, W, C) images.

- a per-patch Python loop over NumPy slices;
- a torch token shuffle as research code writes it: unfold the image into patch tokens, index
  them with ``torch.randperm`` (per sample), fold back. Note that ``torch.randperm`` draws from
  torch's global generator, which training configs seed: the permutations can be replayed.
"""
from typing import Optional

import numpy as np
import torch


def rs_python_loop(img: np.ndarray, p: int, rng: np.random.Generator) -> np.ndarray:
    """RS with one slice assignment per patch: output patch i is input patch perm[i]."""
    gw = img.shape[1] // p
    perm = rng.permutation((img.shape[0] // p) * gw)
    out = np.empty_like(img)
    for i, j in enumerate(perm):
        (a, b), (c, d) = divmod(i, gw), divmod(int(j), gw)
        out[a * p:(a + 1) * p, b * p:(b + 1) * p] = img[c * p:(c + 1) * p, d * p:(d + 1) * p]
    return out


def mi_python_loop(img: np.ndarray, p: int, s: int) -> np.ndarray:
    """MI with one mean per patch."""
    r = p // s
    h, w, c = img.shape
    out = np.empty((h // r, w // r, c), np.float32)
    for a in range(h // p):
        for b in range(w // p):
            patch = img[a * p:(a + 1) * p, b * p:(b + 1) * p]
            out[a * s:(a + 1) * s, b * s:(b + 1) * s] = patch.reshape(r, s, r, s, c).mean(axis=(0, 2), dtype=np.float32)
    return out


def rs_torch_tokens(img: np.ndarray, p: int, generator: Optional[torch.Generator] = None) -> np.ndarray:
    """RS as a torch token shuffle: unfold to (N, P * P * C) tokens, index with randperm, fold back."""
    x = torch.from_numpy(img)
    h, w, c = x.shape
    gh, gw = h // p, w // p
    tokens = x.reshape(gh, p, gw, p, c).permute(0, 2, 1, 3, 4).reshape(gh * gw, p * p * c)
    tokens = tokens[torch.randperm(gh * gw, generator=generator)]
    return tokens.reshape(gh, gw, p, p, c).permute(0, 2, 1, 3, 4).reshape(h, w, c).numpy()


def mi_torch_tokens(img: np.ndarray, p: int, s: int) -> np.ndarray:
    """MI in torch: a float image, viewed as sub-patches, averaged."""
    x = torch.from_numpy(img).float()
    h, w, c = x.shape
    r = p // s
    return x.reshape(h // p, r, s, w // p, r, s, c).mean(dim=(1, 4)).reshape(h // r, w // r, c).numpy()
