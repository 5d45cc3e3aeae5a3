import numpy as np
import pytest

from mmppml.crypto import mix_subpatches, shuffle_mixed_blocks, shuffle_patches, subpatch_sums, sums_to_means, to_blocks


def reference_mix(img, p, s):
    """The definition, one patch at a time: each P x P patch -> mean of its S x S sub-patches."""
    h, w = img.shape[:2]
    out = np.zeros((h * s // p, w * s // p) + img.shape[2:], np.float64)
    for i in range(0, h, p):
        for j in range(0, w, p):
            subs = [img[i + a:i + a + s, j + b:j + b + s] for a in range(0, p, s) for b in range(0, p, s)]
            out[i * s // p:(i + p) * s // p, j * s // p:(j + p) * s // p] = np.mean(subs, axis=0)
    return out


@pytest.mark.parametrize('shape,p,s', [((32, 48, 3), 16, 8), ((32, 32), 8, 2), ((16, 32, 4), 16, 4),
                                       ((24, 24, 1), 8, 4)])
def test_mi_equals_per_patch_mean(shape, p, s):
    img = np.random.default_rng(0).integers(0, 256, size=shape).astype(np.uint8)
    out = mix_subpatches(img, p, s)
    assert out.dtype == np.float32
    assert out.shape == (shape[0] * s // p, shape[1] * s // p) + shape[2:]
    np.testing.assert_allclose(out, reference_mix(img.astype(np.float64), p, s), rtol=0, atol=1e-4)


def test_mi_keeps_float_precision():
    img = np.random.default_rng(1).standard_normal((16, 16, 3))
    out = mix_subpatches(img, 8, 4)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, reference_mix(img, 8, 4), atol=1e-12)


@pytest.mark.parametrize('p,s,match', [(16, 6, 'divide'), (16, 0, 'sub_patch_size'), (0, 8, 'patch_size')])
def test_bad_sizes(p, s, match):
    with pytest.raises(ValueError, match=match):
        mix_subpatches(np.zeros((32, 32)), p, s)


def test_rs_on_mi_is_a_shuffle_of_the_mixed_blocks():
    img = np.random.default_rng(2).integers(0, 256, size=(32, 32, 3)).astype(np.uint8)
    mixed = mix_subpatches(img, 8, 4)
    out = shuffle_mixed_blocks(img, 8, 4)
    assert out.shape == mixed.shape == (16, 16, 3)
    key = lambda blocks: sorted(b.tobytes() for b in blocks)  # noqa: E731
    assert key(to_blocks(out, 4)) == key(to_blocks(mixed, 4))
    assert not np.array_equal(out, shuffle_mixed_blocks(img, 8, 4))


def test_settings_that_leave_the_image_unchanged_are_refused():
    from mmppml.crypto import random_patch_shuffle, shuffle_mixed_blocks
    img = np.arange(64 * 64, dtype=np.float32).reshape(64, 64)
    with pytest.raises(ValueError, match='mix nothing'):
        mix_subpatches(img, 16, 16)
    with pytest.raises(ValueError, match='at least 4'):
        random_patch_shuffle(img, 64)  # one patch
    with pytest.raises(ValueError, match='at least 4'):
        shuffle_mixed_blocks(img[:32], 32, 16)  # 1 x 2 blocks
    with pytest.raises(ValueError, match='empty'):
        mix_subpatches(np.zeros((0, 16)), 8, 4)
    assert random_patch_shuffle(img, 32).shape == img.shape  # 2 x 2 is enough


@pytest.mark.parametrize('shape,p,s', [((32, 48, 3), 16, 8), ((36, 24, 3), 12, 4), ((32, 32), 16, 4),
                                       ((32, 64, 1), 32, 2), ((16, 16, 4), 8, 4)])
def test_uint8_mi_is_the_float32_mean_bit_for_bit(shape, p, s):
    img = np.random.default_rng(3).integers(0, 256, size=shape).astype(np.uint8)
    r, (h, w) = p // s, shape[:2]
    mean = img.reshape(h // p, r, s, w // p, r, s, *shape[2:]).mean(axis=(1, 4), dtype=np.float32)
    np.testing.assert_array_equal(mix_subpatches(img, p, s), mean.reshape(h // r, w // r, *shape[2:]))


@pytest.mark.parametrize('shape,p,s', [((32, 48, 3), 16, 8), ((36, 24, 3), 12, 4), ((32, 64), 32, 2)])
def test_subpatch_sums_are_exact_and_shuffle_in_the_gather(shape, p, s):
    rng = np.random.default_rng(4)
    img = rng.integers(0, 256, size=shape).astype(np.uint8)
    r, (h, w) = p // s, shape[:2]
    exact = img.astype(np.int64).reshape(h // p, r, s, w // p, r, s, *shape[2:]).sum(axis=(1, 4))
    sums = subpatch_sums(img, p, s)
    assert sums.dtype == np.uint16 and sums.shape == (h // r, w // r) + shape[2:]
    np.testing.assert_array_equal(sums, exact.reshape(sums.shape))
    perm = rng.permutation((h // p) * (w // p))
    np.testing.assert_array_equal(subpatch_sums(img, p, s, perm), shuffle_patches(sums, s, perm))


def test_the_largest_sums_do_not_overflow():
    img = np.full((32, 32, 3), 255, np.uint8)
    assert (subpatch_sums(img, 32, 2) == 255 * 256).all()


@pytest.mark.parametrize('r', [2, 3, 4, 5, 16])
def test_sums_to_means_is_correctly_rounded_for_every_sum(r):
    sums = np.arange(255 * r * r + 1, dtype=np.uint16)
    expected = (sums.astype(np.float64) / (r * r)).astype(np.float32)  # float64 then float32 rounds once
    np.testing.assert_array_equal(sums_to_means(sums, r), expected)


def test_subpatch_sums_refuses_what_it_cannot_sum_exactly():
    with pytest.raises(TypeError, match='uint8'):
        subpatch_sums(np.zeros((32, 32), np.float32), 16, 8)
    with pytest.raises(ValueError, match='overflow'):
        subpatch_sums(np.zeros((64, 64), np.uint8), 64, 2)
    with pytest.raises(ValueError, match='permutation'):
        subpatch_sums(np.zeros((32, 32), np.uint8), 16, 8, perm=np.array([0, 0, 1, 2]))


@pytest.mark.parametrize('dtype', [np.uint8, np.float32])
def test_rs_on_mi_is_mi_then_the_same_shuffle(dtype):
    img = np.random.default_rng(5).integers(0, 256, size=(32, 48, 3)).astype(dtype)
    perm = np.random.default_rng(9).permutation(6)
    np.testing.assert_array_equal(
        shuffle_mixed_blocks(img, 16, 8, seed=9), shuffle_patches(mix_subpatches(img, 16, 8), 8, perm))
