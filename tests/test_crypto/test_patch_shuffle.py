import json

import numpy as np
import pytest
from import_guard import run_without

from mmppml.crypto import (from_blocks, mix_subpatches, new_rng, random_patch_shuffle, shuffle_patches, to_blocks,
                           unshuffle_patches)


def random_image(shape, dtype=np.uint8, seed=0):
    rng = np.random.default_rng(seed)
    if np.issubdtype(dtype, np.integer):
        return rng.integers(0, 256, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def recover_permutation(original, shuffled, patch_size):
    """Index of the original patch found at each position of the shuffled image (patches unique)."""
    index = {to_blocks(original, patch_size)[i].tobytes(): i for i in range(len(to_blocks(original, patch_size)))}
    return np.array([index[block.tobytes()] for block in to_blocks(shuffled, patch_size)])


@pytest.mark.parametrize('shape,dtype', [((32, 48, 3), np.uint8), ((32, 32), np.uint8), ((16, 64, 4), np.float32),
                                         ((32, 32, 1), np.float64)])
def test_rs_output_is_a_permutation_of_the_patches(shape, dtype):
    img = random_image(shape, dtype)
    out = random_patch_shuffle(img, 8)
    assert out.shape == img.shape and out.dtype == img.dtype
    perm = recover_permutation(img, out, 8)
    n = (shape[0] // 8) * (shape[1] // 8)
    assert sorted(perm) == list(range(n))
    np.testing.assert_array_equal(shuffle_patches(img, 8, perm), out)
    np.testing.assert_array_equal(unshuffle_patches(out, 8, perm), img)


def test_blocks_round_trip_in_raster_order():
    img = np.arange(4 * 6).reshape(4, 6)
    blocks = to_blocks(img, 2)
    np.testing.assert_array_equal(blocks[1], [[2, 3], [8, 9]])  # second block of the first row
    np.testing.assert_array_equal(from_blocks(blocks, (2, 3)), img)


def test_each_call_draws_a_fresh_permutation():
    img = random_image((64, 64, 3))
    perms = {tuple(recover_permutation(img, random_patch_shuffle(img, 8), 8)) for _ in range(5)}
    assert len(perms) == 5


def test_global_seeds_do_not_replay_permutations():
    torch = pytest.importorskip('torch')
    img = random_image((64, 64, 3))
    outs = []
    for _ in range(2):
        np.random.seed(0)
        torch.manual_seed(0)
        outs.append(random_patch_shuffle(img, 8))
    assert not np.array_equal(outs[0], outs[1])


def test_explicit_seed_is_reproducible():
    img = random_image((32, 32, 3))
    np.testing.assert_array_equal(random_patch_shuffle(img, 8, seed=3), random_patch_shuffle(img, 8, seed=3))
    gen = new_rng(5)
    assert new_rng(gen) is gen
    with pytest.raises(TypeError, match='seed'):
        new_rng('5')


@pytest.mark.parametrize('patch_size', [0, -4, 2.5, True])
def test_bad_patch_size(patch_size):
    with pytest.raises(ValueError, match='patch_size'):
        random_patch_shuffle(random_image((32, 32)), patch_size)


def test_size_not_a_multiple_names_sizes():
    with pytest.raises(ValueError, match=r'30x32.*patch_size=8'):
        random_patch_shuffle(random_image((30, 32, 3)), 8)
    with pytest.raises(ValueError, match='H x W'):
        random_patch_shuffle(np.zeros((2, 8, 8, 3)), 8)


def test_shuffle_patches_rejects_non_permutations():
    img = random_image((16, 16))
    with pytest.raises(ValueError, match='permutation'):
        shuffle_patches(img, 8, [0, 0, 1, 2])


def test_crypto_core_imports_no_framework():
    out = run_without(('torch', 'mmengine', 'mmcv', 'mmdet', 'mmpretrain', 'cv2'),
                      'import json, numpy as np, mmppml.crypto as c\n'
                      'x = np.arange(64, dtype=np.uint8).reshape(8, 8)\n'
                      'print(json.dumps(c.mix_subpatches(c.random_patch_shuffle(x, 4), 4, 2).tolist()))\n')
    mixed = np.array(json.loads(out), dtype=np.float32)
    plain_mix = mix_subpatches(np.arange(64, dtype=np.uint8).reshape(8, 8), 4, 2)
    assert mixed.shape == (4, 4)  # the MI blocks of the plain image, shuffled:
    assert sorted(map(bytes, to_blocks(mixed, 2))) == sorted(map(bytes, to_blocks(plain_mix, 2)))


def test_block_line_tables_are_computed_once_per_size_and_read_only():
    from mmppml.crypto.patches import block_line_tables
    tables = block_line_tables(32, 48, 8)
    assert block_line_tables(32, 48, 8) is tables
    for table in tables:
        with pytest.raises(ValueError, match='read-only'):
            table[0] = 1


@pytest.mark.parametrize('shape,p', [((32, 48, 3), 8), ((48, 16), 16), ((24, 40, 4), 8), ((16, 16, 1), 4)])
def test_shuffle_is_the_block_permutation_definition(shape, p):
    img = random_image(shape)
    grid = (shape[0] // p, shape[1] // p)
    perm = np.random.default_rng(1).permutation(grid[0] * grid[1])
    np.testing.assert_array_equal(shuffle_patches(img, p, perm), from_blocks(to_blocks(img, p)[perm], grid))


def test_no_shuffle_hands_back_what_it_shuffled():
    """2 x 2 blocks: 1 draw in 24 is the identity (about 25 of 600 without the redraw), with a fixed seed."""
    from mmppml.crypto import random_pixel_bags, shuffle_mixed_blocks, sorted_block_values
    rng = new_rng(0)
    for dtype in (np.uint8, np.float32):  # the fused uint8 RS-on-MI path and the generic one
        img = random_image((32, 32, 3), dtype)
        mixed = mix_subpatches(img, 16, 8)
        for _ in range(300):
            assert not np.array_equal(random_patch_shuffle(img[:16, :16], 8, rng), img[:16, :16])
            assert not np.array_equal(shuffle_mixed_blocks(img, 16, 8, rng), mixed)
    img = random_image((8, 8))
    bags = sorted_block_values(img, 4)
    assert all(not np.array_equal(sorted_block_values(random_pixel_bags(img, 4, rng), 4), bags) for _ in range(300))


def test_a_shuffle_of_identical_blocks_returns_after_the_redraws():
    from mmppml.crypto import SHUFFLE_DRAWS, keeps_image
    img = np.zeros((16, 16), np.uint8)
    np.testing.assert_array_equal(random_patch_shuffle(img, 8, seed=0), img)
    img[8:, 8:] = 1  # one block differs: only the permutations that keep it in place leave the image as it was
    assert keeps_image(img, 8, np.array([1, 0, 2, 3])) and not keeps_image(img, 8, np.array([0, 1, 3, 2]))
    assert SHUFFLE_DRAWS >= 16


def test_a_shuffle_keeps_the_image_iff_its_output_is_kept_by_the_same_permutation():
    """The change test RS-on-MI runs on its output: a shuffle by ``perm`` leaves an image as it was exactly when
    every cycle of ``perm`` holds equal blocks, which the shuffled image shows as well as the original."""
    from mmppml.crypto import keeps_image
    rng = np.random.default_rng(0)
    kept = 0
    for _ in range(2000):
        side = int(rng.integers(2, 5))
        values = rng.integers(0, 2, (side, side))  # two kinds of block: equal blocks are common
        img = np.kron(values, np.ones((2, 2), np.int64))
        perm = rng.permutation(side * side)
        shuffled = shuffle_patches(img, 2, perm)
        unchanged = np.array_equal(shuffled, img)
        assert keeps_image(shuffled, 2, perm) == keeps_image(img, 2, perm) == unchanged
        kept += unchanged
    assert 50 < kept < 1950  # both outcomes were tried many times
