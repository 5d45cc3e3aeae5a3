"""Decoding, encrypting and encoding one image (OpenCV, BGR channel order as in MMCV)."""
from typing import Optional

import cv2
import numpy as np

from mmppml.crypto import mix_subpatches, random_patch_shuffle, shuffle_mixed_blocks
from mmppml.crypto.keyed_scramble import ScrambleKey, apply_scramble
from .spec import EncryptionError, EncryptionSpec


def decode_image(data: bytes, grayscale: bool = False) -> np.ndarray:
    """Decode image bytes to uint8 (H, W, 3) BGR, or (H, W) with ``grayscale``.

    Raises:
        EncryptionError: if the bytes are not a decodable image.
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    img = None
    if buf.size:
        img = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE if grayscale else cv2.IMREAD_COLOR)
    if img is None:
        raise EncryptionError('cannot decode the file as an image (corrupt or unsupported format)')
    return img


def encode_png(img: np.ndarray, compression: int = 1) -> bytes:
    """Encode a uint8 image losslessly as PNG (``compression`` 0-9: speed vs size only)."""
    ok, buf = cv2.imencode('.png', img, [cv2.IMWRITE_PNG_COMPRESSION, int(compression)])
    if not ok:
        raise EncryptionError('PNG encoding failed')
    return buf.tobytes()


def prepare_image(img: np.ndarray, spec: EncryptionSpec) -> np.ndarray:
    """Resize (area averaging when shrinking) and align to multiples of P as ``spec`` says."""
    h, w = img.shape[:2]
    rh, rw = spec.resized_size(h, w)
    if (rh, rw) != (h, w):
        shrinking = rh * rw < h * w
        img = cv2.resize(img, (rw, rh), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    th, tw = spec.aligned_size(h, w)
    if (th, tw) == (rh, rw):
        return img
    if spec.size_mismatch == 'crop':
        return img[:th, :tw]
    pad = [(0, th - rh), (0, tw - rw)] + [(0, 0)] * (img.ndim - 2)
    return np.pad(img, pad)


def encrypt_image(img: np.ndarray, spec: EncryptionSpec, key: Optional[ScrambleKey] = None) -> np.ndarray:
    """Encrypt a decoded uint8 image as ``spec`` says; MI means are rounded to uint8.

    Every call draws a fresh permutation from OS entropy; it is not returned or kept.

    Returns:
        np.ndarray: uint8, (H', W'[, C]) with (H', W') = ``spec.output_size(H, W)``.
    """
    img = prepare_image(img, spec)
    if spec.mode == 'rs':
        out = random_patch_shuffle(img, spec.patch_size)
    else:
        encrypt = mix_subpatches if spec.mode == 'mi' else shuffle_mixed_blocks
        out = np.clip(np.rint(encrypt(img, spec.patch_size, spec.sub_patch_size)), 0, 255).astype(np.uint8)
    if key is not None:
        out = apply_scramble(out, key)
    return out
