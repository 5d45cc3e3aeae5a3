import numpy as np
import pytest

from mmppml.crypto import mix_subpatches, to_blocks
from mmppml.crypto.keyed_scramble import ScrambleKey, apply_scramble, invert_scramble, new_scramble_key
from mmppml.privacy import align_to_truth, blocks_of, key_recovery_scores, recover_scramble_key


def rotated(key: ScrambleKey, k: int, transpose: bool = False, flip_signs: bool = False) -> ScrambleKey:
    """The same key seen through a symmetry of the square (what recovery can return)."""
    b = key.block_size
    cell_to_pos = np.argsort(key.pixel_perm).reshape(b, b)
    cell_to_pos = np.rot90(cell_to_pos, k)
    if transpose:
        cell_to_pos = cell_to_pos.T
    mask = ~key.sign_mask if flip_signs else key.sign_mask
    return ScrambleKey(b, np.argsort(cell_to_pos.ravel()), mask)


@pytest.mark.parametrize('block,channels', [(8, 3), (6, 1)])
def test_recovers_key_from_smooth_dataset(make_smooth, block, channels):
    key = new_scramble_key(block, channels, seed=1)
    shape = (48, 48, channels) if channels > 1 else (48, 48)
    plain = [make_smooth(shape, sigma=3, seed=s) for s in range(30)]
    encrypted = [apply_scramble(x, key) for x in plain]
    estimate = recover_scramble_key(blocks_of(encrypted, block))
    assert key_recovery_scores(estimate, key) == dict(positions=1.0, adjacency=1.0, signs=1.0)
    # with the symmetry and global flip resolved, decryption is exact
    aligned = align_to_truth(estimate, key)
    assert aligned == key
    np.testing.assert_array_equal(invert_scramble(encrypted[0], aligned), plain[0])


def test_recovers_key_of_float_mi_images(make_smooth):
    key = new_scramble_key(8, 3, seed=2)
    mixed = [mix_subpatches(make_smooth((64, 64, 3), sigma=3, seed=s), 16, 8) for s in range(40)]
    estimate = recover_scramble_key(blocks_of([apply_scramble(m, key) for m in mixed], 8))
    assert key_recovery_scores(estimate, key)['positions'] == 1.0


def test_fails_without_image_statistics():
    key = new_scramble_key(8, 3, seed=3)
    rng = np.random.default_rng(0)
    noise = [rng.integers(0, 256, (48, 48, 3)).astype(np.uint8) for _ in range(30)]
    scores = key_recovery_scores(recover_scramble_key(blocks_of([apply_scramble(x, key) for x in noise], 8)), key)
    assert scores['positions'] < 0.3 and scores['adjacency'] < 0.6


def test_scores_are_symmetry_invariant_and_discriminative():
    key = new_scramble_key(8, 2, seed=4)
    for k in range(4):
        for transpose in (False, True):
            sym = rotated(key, k, transpose, flip_signs=bool(k % 2))
            assert key_recovery_scores(sym, key) == dict(positions=1.0, adjacency=1.0, signs=1.0)
            assert align_to_truth(sym, key) == key
    other = new_scramble_key(8, 2, seed=5)
    scores = key_recovery_scores(other, key)
    assert scores['positions'] < 0.2 and scores['adjacency'] < 0.3 and 0.5 <= scores['signs'] < 0.7


def test_blocks_of_stacks_blocks_of_all_images():
    imgs = [np.full((16, 24, 3), i, np.uint8) for i in range(2)]
    blocks = blocks_of(imgs, 8)
    assert blocks.shape == (12, 8, 8, 3) and blocks.dtype == np.float64
    np.testing.assert_array_equal(blocks[6:], to_blocks(imgs[1], 8))
