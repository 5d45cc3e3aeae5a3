import numpy as np
import pytest
from scipy.ndimage import gaussian_filter


def smooth_image(shape, sigma=3.0, seed=0):
    """Low-pass filtered noise scaled to uint8 0-255: smooth like a photo, different for every seed."""
    rng = np.random.default_rng(seed)
    sigmas = (sigma, sigma) + (0, ) * (len(shape) - 2)
    x = gaussian_filter(rng.standard_normal(shape), sigmas)
    x = (x - x.min()) / (x.max() - x.min())
    return np.round(255 * x).astype(np.uint8)


@pytest.fixture
def make_smooth():
    return smooth_image
