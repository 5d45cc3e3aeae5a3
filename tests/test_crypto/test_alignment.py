import numpy as np
import pytest

from mmppml.crypto import (MODES, align_image, aligned_size, center_square, encrypt, mix_subpatches, round_to_uint8,
                           shuffle_mixed_blocks, to_blocks)


@pytest.mark.parametrize('mode,expected', [('error', (32, 48)), ('pad', (32, 48)), ('crop', (32, 48))])
def test_aligned_sizes_are_kept(mode, expected):
    assert aligned_size(32, 48, 16, mode) == expected


def test_sizes_are_padded_up_or_cropped_down():
    assert aligned_size(30, 37, 8, 'pad') == (32, 40)
    assert aligned_size(30, 37, 8, 'crop') == (24, 32)
    with pytest.raises(ValueError, match=r'30x37 \(HxW\) is not a multiple of patch_size=8'):
        aligned_size(30, 37, 8)
    with pytest.raises(ValueError, match='smaller than one block'):
        aligned_size(5, 37, 8, 'crop')
    with pytest.raises(ValueError, match='size_mismatch must be one of'):
        aligned_size(30, 37, 8, 'resize')


def test_align_image_pads_as_numpy_and_crops_a_view():
    img = np.random.default_rng(0).integers(0, 256, (30, 37, 3), dtype=np.uint8)
    np.testing.assert_array_equal(
        align_image(img, 8, 'pad', 7.6), np.pad(img, [(0, 2), (0, 3), (0, 0)], constant_values=7.6))
    cropped = align_image(img, 8, 'crop')
    assert cropped.shape == (24, 32, 3) and np.shares_memory(cropped, img)
    aligned = img[:24, :32]
    assert align_image(aligned, 8) is aligned
    with pytest.raises(ValueError, match='not a multiple'):
        align_image(img, 8)


@pytest.mark.parametrize('shape,expected', [((40, 60, 3), (0, 10)), ((61, 20), (20, 0)), ((9, 9), (0, 0))])
def test_center_square_is_the_middle_square(shape, expected):
    img = np.arange(np.prod(shape)).reshape(shape)
    side = min(shape[:2])
    top, left = expected
    np.testing.assert_array_equal(center_square(img), img[top:top + side, left:left + side])


def test_rounding_to_uint8_ties_to_even_and_clips():
    values = np.array([-3., 0.5, 1.5, 2.5, 254.49, 254.5, 255.5, 300.])
    np.testing.assert_array_equal(round_to_uint8(values), [0, 0, 2, 2, 254, 254, 255, 255])
    img = np.arange(6, dtype=np.uint8)
    assert round_to_uint8(img) is img


def test_encrypt_dispatches_the_modes_by_name():
    img = np.random.default_rng(1).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    assert MODES == ('rs', 'mi', 'rs-on-mi')
    rs = encrypt(img, 'rs', 8)
    assert sorted(b.tobytes() for b in to_blocks(rs, 8)) == sorted(b.tobytes() for b in to_blocks(img, 8))
    np.testing.assert_array_equal(encrypt(img, 'mi', 16, 8), mix_subpatches(img, 16, 8))
    np.testing.assert_array_equal(encrypt(img, 'rs-on-mi', 8, 4, seed=3), shuffle_mixed_blocks(img, 8, 4, seed=3))
    with pytest.raises(ValueError, match='needs sub_patch_size'):
        encrypt(img, 'mi', 16)
    with pytest.raises(ValueError, match='mode must be one of'):
        encrypt(img, 'aes', 16)


@pytest.mark.parametrize('p, s', [(16, 8), (16, 4), (32, 8), (12, 4)])
def test_unmixed_pixels_are_exactly_those_mixed_with_padding_only(p, s):
    """Brute force on many sizes: MI of a padded image of ones counts the content pixels behind each output pixel."""
    from mmppml.crypto import drop_unmixed, mix_subpatches, unmixed_pixels
    r = p // s
    for h in range(1, 2 * p + 3):
        for w in (1, s, s + 1, p - 1, p, p + 2 * s - 1, 2 * p + 1):
            ones = align_image(np.ones((h, w)), p, 'pad')
            counts = np.rint(mix_subpatches(ones, p, s) * r * r)
            lone = {(y, x) for y in range(h) for x in range(w) if counts[y // p * s + y % s, x // p * s + x % s] == 1}
            rows, cols = unmixed_pixels(h, w, p, s)
            assert {(y, x) for y in rows for x in cols} == lone, (h, w)
            if h <= s and w <= s:
                with pytest.raises(ValueError, match='fits in one sub-patch'):
                    drop_unmixed(ones, h, w, p, s)
                continue
            counts = np.rint(mix_subpatches(drop_unmixed(ones, h, w, p, s), p, s) * r * r)
            assert counts.max() >= 2 and not (counts == 1).any(), (h, w)
