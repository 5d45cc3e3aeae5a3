"""The candidate modes of the frontier in plain NumPy: pixel bags, convex MI, noisy RS-on-MI."""
import numpy as np
import pytest

from mmppml.crypto import (add_gaussian_noise, convex_mix_subpatches, from_blocks, mix_subpatches, noisy_shuffled_mix,
                           permute_block_pixels, random_convex_mix, random_pixel_bags, shuffle_mixed_blocks,
                           sorted_block_values, to_blocks)


def image(h=16, w=16, c=None, seed=0):
    shape = (h, w) if c is None else (h, w, c)
    return np.random.default_rng(seed).integers(0, 256, size=shape).astype(np.uint8)


def test_permute_block_pixels_moves_each_pixel_as_told():
    img = np.arange(4 * 4 * 2).reshape(4, 4, 2)  # 2 x 2 blocks of 2 x 2, two channels
    perms = np.array([[1, 0, 2, 3], [3, 2, 1, 0], [0, 1, 2, 3], [2, 3, 0, 1]])
    out = permute_block_pixels(img, 2, perms)
    for i, (block, src) in enumerate(zip(to_blocks(out, 2), to_blocks(img, 2))):
        np.testing.assert_array_equal(block.reshape(4, 2), src.reshape(4, 2)[perms[i]])  # channels move together
    with pytest.raises(ValueError, match='permutation'):
        permute_block_pixels(img, 2, np.zeros((4, 4), dtype=int))


@pytest.mark.parametrize('c', [None, 3])
def test_pixel_bags_keep_the_bag_of_every_block_and_nothing_else(c):
    img = image(16, 16, c)
    out = random_pixel_bags(img, 4, seed=1)
    assert out.shape == img.shape and out.dtype == img.dtype
    bag = lambda x: sorted(tuple(map(tuple, np.sort(b.reshape(16, -1), axis=0))) for b in to_blocks(x, 4))  # noqa
    assert bag(out) == bag(img)  # the same multiset of per-block pixel multisets

    def pixels(x):
        return sorted(map(tuple, to_blocks(x, 4).reshape(16, 16, -1).reshape(-1, 1 if c is None else c)))

    assert pixels(out) == pixels(img)  # colour pixels stay whole
    assert not np.array_equal(out, img)
    assert not np.array_equal(out, random_pixel_bags(img, 4, seed=2))  # fresh randomness per call
    np.testing.assert_array_equal(out, random_pixel_bags(img, 4, seed=1))


def test_pixel_bags_shuffle_pixels_within_blocks_not_only_blocks():
    img = image(16, 16)
    out = random_pixel_bags(img, 8, seed=3)
    originals = {b.tobytes() for b in to_blocks(img, 8)}
    assert not any(b.tobytes() in originals for b in to_blocks(out, 8))


def test_sorted_block_values_are_the_canonical_bag():
    img = image(8, 8)
    vals = sorted_block_values(img, 4)
    assert vals.shape == (4, 16)
    np.testing.assert_array_equal(vals[1], np.sort(img[:4, 4:].reshape(-1)))
    with pytest.raises(ValueError, match='block'):
        random_pixel_bags(image(4, 4), 4)  # a single block hides nothing


def test_convex_mix_is_the_weighted_sum_of_sub_patches():
    img = image(8, 8).astype(np.float64)
    w = np.random.default_rng(0).dirichlet(np.ones(4), size=(2, 2))
    out = convex_mix_subpatches(img, 4, 2, w)
    assert out.shape == (4, 4) and out.dtype == np.float64
    for gy in range(2):
        for gx in range(2):
            patch = img[4 * gy:4 * gy + 4, 4 * gx:4 * gx + 4]
            subs = [patch[2 * a:2 * a + 2, 2 * b:2 * b + 2] for a in range(2) for b in range(2)]
            np.testing.assert_allclose(out[2 * gy:2 * gy + 2, 2 * gx:2 * gx + 2],
                                       sum(wi * s for wi, s in zip(w[gy, gx], subs)))
    np.testing.assert_allclose(
        convex_mix_subpatches(image(8, 8, 3), 4, 2, np.full((2, 2, 4), .25)),
        mix_subpatches(image(8, 8, 3), 4, 2),
        rtol=1e-6)
    with pytest.raises(ValueError, match='sum to 1'):
        convex_mix_subpatches(img, 4, 2, np.full((2, 2, 4), .3))


def test_random_convex_mix_stays_within_each_patch_hull_and_differs_from_mi():
    img = image(16, 16)
    out = random_convex_mix(img, 8, 4, seed=0)
    grid = img.reshape(2, 2, 4, 2, 2, 4).astype(np.float32)  # (gy, a, i, gx, b, j)
    lo, hi = grid.min(axis=(1, 4)), grid.max(axis=(1, 4))
    assert ((out.reshape(2, 4, 2, 4) >= lo - 1e-4) & (out.reshape(2, 4, 2, 4) <= hi + 1e-4)).all()
    assert not np.allclose(out, mix_subpatches(img, 8, 4))
    assert not np.allclose(out, random_convex_mix(img, 8, 4, seed=1))
    # a large concentration approaches plain MI
    np.testing.assert_allclose(
        random_convex_mix(img, 8, 4, concentration=1e7, seed=0), mix_subpatches(img, 8, 4), atol=0.2)


def test_noisy_shuffled_mix_is_rs_on_mi_plus_zero_mean_noise():
    img = image(32, 32)
    np.testing.assert_array_equal(
        noisy_shuffled_mix(img, 8, 4, 0., seed=5), shuffle_mixed_blocks(img, 8, 4, seed=np.random.default_rng(5)))
    noise = add_gaussian_noise(np.zeros((200, 200)), 16., seed=0)
    assert abs(noise.mean()) < 0.5 and noise.std() == pytest.approx(16., rel=0.02)
    out = noisy_shuffled_mix(img, 8, 4, 16., seed=5)
    assert out.shape == (16, 16) and out.dtype == np.float32
    # exactly: the mixed image, plus the noise, then the shuffle, drawn in that order from the generator
    rng = np.random.default_rng(5)
    noisy = mix_subpatches(img, 8, 4) + rng.normal(0., 16., size=(16, 16)).astype(np.float32)
    expected = from_blocks(to_blocks(noisy, 4)[rng.permutation(16)], (4, 4))
    np.testing.assert_array_equal(out, expected)
    with pytest.raises(ValueError, match='sigma'):
        add_gaussian_noise(img, -1.)
