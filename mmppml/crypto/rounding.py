"""Encrypted images as 8-bit pixels (what image files hold)."""
import numpy as np


def round_to_uint8(img: np.ndarray) -> np.ndarray:
    """Round to the nearest integer (ties to even, as ``np.rint``) and clip to [0, 255].

    Args:
        img (np.ndarray): any shape, real values on the uint8 scale (e.g. MI means).

    Returns:
        np.ndarray: uint8, the shape of ``img`` (``img`` itself when it is uint8 already).
    """
    if img.dtype == np.uint8:
        return img
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)
