"""Fashion-MNIST from the Debian package ``dataset-fashion-mnist`` (gzipped IDX files): where it is
installed, and its images as arrays. The folder is named here only: the tools and the studies default to it."""
import os
from typing import Optional

import numpy as np

from mmppml.idx import read_idx

FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist'


def _read_idx(path: str, magic: int, limit: Optional[int]) -> np.ndarray:
    """The first ``limit`` items of a gzipped IDX file of unsigned bytes (images or labels)."""
    if not os.path.exists(path):
        raise FileNotFoundError(f'{path} not found: apt-get install dataset-fashion-mnist')
    return read_idx(path, magic, limit)


def load_fashion_mnist(split: str = 'train',
                       limit: Optional[int] = None,
                       root: str = FASHION_MNIST_DIR,
                       with_labels: bool = False):
    """Fashion-MNIST images as (N, 28, 28) uint8 from the gzipped IDX files (and (N,) labels if asked).

    Raises:
        FileNotFoundError: if the Debian package ``dataset-fashion-mnist`` is not installed.
    """
    prefix = {'train': 'train', 'test': 't10k'}[split]
    images = _read_idx(os.path.join(root, f'{prefix}-images-idx3-ubyte.gz'), 0x803, limit)
    if not with_labels:
        return images
    return images, _read_idx(os.path.join(root, f'{prefix}-labels-idx1-ubyte.gz'), 0x801, limit)
