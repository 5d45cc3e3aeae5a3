import numpy as np
import pytest

from mmppml.crypto import mix_subpatches, shuffle_mixed_blocks, to_blocks


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
