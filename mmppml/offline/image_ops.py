"""Decoding, encrypting and encoding one image (OpenCV, BGR channel order as in MMCV)."""
import io
from typing import List, Optional

import cv2
import numpy as np
from PIL import Image

from mmppml.crypto import align_image, drop_unmixed, random_patch_shuffle, round_to_uint8
from mmppml.crypto.keyed_scramble import ScrambleKey, apply_scramble
from .spec import EncryptionError, EncryptionSpec

# PIL modes of more than 8 bits per channel, and of an alpha channel.
HIGH_DEPTH_MODES = ('I', 'I;16', 'I;16B', 'I;16L', 'I;16N', 'F')
PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


def _deeper_than_8_bits(im: Image.Image, data: bytes) -> bool:
    """Whether an image Pillow opens in an 8-bit mode stores more bits per channel (16-bit RGB PNG, TIFF, PPM)."""
    if data.startswith(PNG_SIGNATURE):
        return len(data) > 24 and data[24] == 16  # the IHDR bit depth
    bits = getattr(im, 'tag_v2', {}).get(258)  # TIFF BitsPerSample
    if bits is not None:
        return max(bits if isinstance(bits, tuple) else (bits, )) > 8
    if im.format == 'PPM' and im.tile:
        args = im.tile[0].args if hasattr(im.tile[0], 'args') else im.tile[0][3]
        return isinstance(args, tuple) and len(args) > 1 and isinstance(args[1], int) and args[1] > 255  # maxval
    return False


def read_header(data: bytes, max_pixels: int) -> List[str]:
    """Check an encoded image's size against ``max_pixels`` before decoding it.

    Reads the header only (Pillow), so a small file that decodes to gigabytes is refused cheaply.

    Returns:
        list[str]: what decoding the first frame to 8-bit BGR (or gray) loses: ``'alpha'``,
        ``'16-bit'``, ``'frames'`` (a multi-frame TIFF or an animated WebP).

    Raises:
        EncryptionError: unrecognised format, or more pixels than ``max_pixels``.
    """
    pillow_cap, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None  # the cap checked here is ours
    try:
        with Image.open(io.BytesIO(data)) as im:
            (width, height), mode, transparent = im.size, im.mode, 'transparency' in im.info
            frames = getattr(im, 'n_frames', 1)
            deep = _deeper_than_8_bits(im, data)
    except Exception:  # Pillow raises many types for unrecognised or broken headers
        raise EncryptionError('cannot decode the file as an image (corrupt or unsupported format)') from None
    finally:
        Image.MAX_IMAGE_PIXELS = pillow_cap
    if width * height > max_pixels:
        raise EncryptionError(f'the image is {width}x{height} (WxH), {width * height} pixels, over the cap of '
                              f'{max_pixels} (--max-pixels)')
    losses = []
    if mode.upper().endswith('A') or transparent:
        losses.append('alpha')
    if mode in HIGH_DEPTH_MODES or deep:
        losses.append('16-bit')
    if frames > 1:
        losses.append('frames')
    return losses


def decode_image(data: bytes, grayscale: bool = False) -> np.ndarray:
    """Decode image bytes to uint8 (H, W, 3) BGR, or (H, W) with ``grayscale``.

    Alpha is dropped and deeper images are reduced to 8 bits (:func:`read_header` says when).

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
    """Resize (area averaging when shrinking) and align to multiples of P as ``spec`` says.

    For RS and RS-on-MI, the blocks wholly of image content (padding adds none) must reach the
    shuffle minimum, so that padding cannot leave most of a small image in one intact block. For MI
    and RS-on-MI, the pixels that padding would leave mixed with padding only (a scaled copy of
    themselves, see :func:`~mmppml.crypto.unmixed_pixels`) are dropped: set to the padding value.
    """
    h, w = img.shape[:2]
    rh, rw = spec.resized_size(h, w)
    if (rh, rw) != (h, w):
        shrinking = rh * rw < h * w
        img = cv2.resize(img, (rw, rh), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    spec.aligned_size(h, w)  # raises EncryptionError for a size it cannot align
    if spec.record.shuffles:
        spec.check_shuffle_grid(rh, rw)
    aligned = align_image(img, spec.patch_size, spec.size_mismatch)
    if spec.record.needs_sub_patch and spec.size_mismatch == 'pad' and aligned.shape[:2] != (rh, rw):
        try:
            drop_unmixed(aligned, rh, rw, spec.patch_size, spec.sub_patch_size)  # a padded copy: ours to change
        except ValueError as e:
            raise EncryptionError(str(e)) from None
    return aligned


def encrypt_image(img: np.ndarray, spec: EncryptionSpec, key: Optional[ScrambleKey] = None) -> np.ndarray:
    """Encrypt a decoded uint8 image as ``spec`` says: the mode's ``content`` (:class:`~mmppml.crypto.Mode`;
    the image for RS, MI for the mixes), rounded to uint8 (MI means), then, for a mode that shuffles, a fresh
    shuffle of its blocks (``spec.block_size``).

    Every call draws a fresh permutation from OS entropy; it is not returned or kept. A shuffle
    never returns what it shuffled (the resized image for RS, its MI image for RS-on-MI): a draw
    that happens to leave it as it was is drawn again, and an image whose blocks are all identical
    is refused.

    Returns:
        np.ndarray: uint8, (H', W'[, C]) with (H', W') = ``spec.output_size(H, W)``.

    Raises:
        EncryptionError: too few blocks to shuffle, or no draw changed the image.
    """
    img = prepare_image(img, spec)
    img = round_to_uint8(spec.record.content(img, spec.patch_size, spec.sub_patch_size))
    out = img
    if spec.record.shuffles:
        out = random_patch_shuffle(img, spec.block_size)  # draws again (SHUFFLE_DRAWS) while unchanged
        if np.array_equal(out, img):
            raise EncryptionError('every draw left the image unchanged (all its blocks are identical); '
                                  'refusing to write it as an encrypted copy')
    if key is not None:
        out = apply_scramble(out, key)
    return out
