"""Decoding, preparing, encrypting and encoding one image (mmppml/offline/image_ops.py)."""
import io

import cv2
import numpy as np
import pytest
from PIL import Image

from mmppml.crypto import mix_subpatches, round_to_uint8, to_blocks
from mmppml.crypto.keyed_scramble import invert_scramble, new_scramble_key
from mmppml.offline import EncryptionError, EncryptionSpec
from mmppml.offline.image_ops import decode_image, encode_png, encrypt_image, prepare_image, read_header


def image(h=32, w=48, c=3, seed=0):
    shape = (h, w, c) if c else (h, w)
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def pillow_bytes(img, fmt='PNG', **kwargs):
    buf = io.BytesIO()
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()


def blocks(img, size):
    return sorted(b.tobytes() for b in to_blocks(img, size))


@pytest.mark.parametrize('c', [3, 0])
def test_png_encoding_is_lossless_at_every_compression(c):
    img = image(c=c) // 64 * 64  # compressible
    sizes = set()
    for level in (0, 1, 9):
        data = encode_png(img, level)
        sizes.add(len(data))
        np.testing.assert_array_equal(decode_image(data, grayscale=not c), img)
    assert len(sizes) > 1  # the level changes the size, not the pixels


def test_undecodable_bytes_are_refused():
    for data in (b'', b'not an image', b'\x89PNG\r\n\x1a\n'):
        with pytest.raises(EncryptionError, match='cannot decode the file as an image'):
            decode_image(data)
        with pytest.raises(EncryptionError, match='cannot decode the file as an image'):
            read_header(data, 10**6)


def test_the_header_says_what_decoding_loses():
    rgb = Image.fromarray(image())
    assert read_header(pillow_bytes(rgb), 10**6) == []
    assert read_header(pillow_bytes(rgb.convert('RGBA')), 10**6) == ['alpha']
    assert read_header(pillow_bytes(rgb.convert('P'), transparency=0), 10**6) == ['alpha']
    deep = np.random.default_rng(0).integers(0, 2**16, (16, 16, 3), dtype=np.uint16)
    ok, png16 = cv2.imencode('.png', deep)
    assert ok and read_header(png16.tobytes(), 10**6) == ['16-bit']
    assert read_header(pillow_bytes(Image.fromarray(deep[..., 0])), 10**6) == ['16-bit']  # mode I;16
    frames = [Image.fromarray(image(seed=i)) for i in range(3)]
    tiff = pillow_bytes(frames[0], 'TIFF', save_all=True, append_images=frames[1:])
    assert read_header(tiff, 10**6) == ['frames']


def test_the_pixel_cap_is_checked_from_the_header():
    data = encode_png(image(32, 48))
    assert read_header(data, 32 * 48) == []
    with pytest.raises(EncryptionError, match=r'48x32 \(WxH\), 1536 pixels, over the cap of 1535'):
        read_header(data, 32 * 48 - 1)


@pytest.mark.parametrize(
    'kwargs, shape',
    [
        (dict(resize=(16, 24)), (16, 24)),
        (dict(short_side=16), (16, 16)),  # 45 / 37 x 16 = 19.5: one patch across
        (dict(size_mismatch='crop'), (32, 40)),
        (dict(size_mismatch='pad'), (40, 48)),
    ])
def test_images_are_prepared_to_the_size_the_spec_gives(kwargs, shape):
    img = image(37, 45)
    spec = EncryptionSpec('rs', 8, **kwargs)
    out = prepare_image(img, spec)
    assert out.shape == shape + (3, ) and spec.aligned_size(37, 45) == shape
    if kwargs.get('size_mismatch') == 'crop':
        np.testing.assert_array_equal(out, img[:32, :40])
    if kwargs.get('size_mismatch') == 'pad':
        np.testing.assert_array_equal(out[:37, :45], img)
        assert not out[37:].any() and not out[:, 45:].any()


def test_an_image_that_cannot_be_aligned_or_shuffled_is_refused():
    with pytest.raises(EncryptionError, match='--resize or --size-mismatch'):
        prepare_image(image(37, 45), EncryptionSpec('rs', 8))
    with pytest.raises(EncryptionError, match=r'16x8 \(HxW\) images: a 2x1 grid'):
        prepare_image(image(16, 8), EncryptionSpec('rs', 8))


@pytest.mark.parametrize('c', [3, 0])
def test_rs_writes_a_new_permutation_of_the_patches_each_time(c):
    img = image(c=c)
    spec = EncryptionSpec('rs', 8)
    outs = [encrypt_image(img, spec) for _ in range(3)]
    for out in outs:
        assert out.dtype == np.uint8 and out.shape == img.shape
        assert not np.array_equal(out, img) and blocks(out, 8) == blocks(img, 8)
    assert not np.array_equal(outs[0], outs[1]) or not np.array_equal(outs[1], outs[2])


def test_mi_writes_the_rounded_mean_of_the_sub_patches():
    img = image()
    out = encrypt_image(img, EncryptionSpec('mi', 8, 4))
    np.testing.assert_array_equal(out, round_to_uint8(mix_subpatches(img, 8, 4)))
    assert out.shape == (16, 24, 3)


def test_rs_on_mi_shuffles_the_mixed_blocks():
    img = image()
    out = encrypt_image(img, EncryptionSpec('rs-on-mi', 8, 4))
    mixed = round_to_uint8(mix_subpatches(img, 8, 4))
    assert out.shape == mixed.shape and not np.array_equal(out, mixed) and blocks(out, 4) == blocks(mixed, 4)


def test_a_key_scrambles_after_the_encryption_and_inverts_with_it():
    img = image()
    key = new_scramble_key(4, 3, seed=0)
    out = encrypt_image(img, EncryptionSpec('mi', 8, 4), key)
    mixed = round_to_uint8(mix_subpatches(img, 8, 4))
    assert not np.array_equal(out, mixed)
    np.testing.assert_array_equal(invert_scramble(out, key), mixed)


def test_an_image_of_identical_blocks_is_not_written_as_encrypted():
    with pytest.raises(EncryptionError, match='every draw left the image unchanged'):
        encrypt_image(np.full((32, 32, 3), 7, np.uint8), EncryptionSpec('rs', 8))
