"""The blocks of many images at once, the one home of the helpers every attack uses."""
from typing import Iterable

import numpy as np

from mmppml.crypto.patches import to_blocks


def blocks_per_image(images: np.ndarray, block: int) -> np.ndarray:
    """(K, H, W[, C]) images -> (K, N, b, b[, C]) their blocks in raster order, dtype kept."""
    return np.stack([to_blocks(x, block) for x in images])


def pooled_blocks(images: Iterable[np.ndarray], block: int) -> np.ndarray:
    """The ``b x b`` blocks of several H x W (x C) images stacked together: (M, b, b, C) float64."""
    out = []
    for img in images:
        img = np.asarray(img)
        img = img[..., None] if img.ndim == 2 else img
        out.append(to_blocks(img, block).astype(np.float64))
    return np.concatenate(out)
