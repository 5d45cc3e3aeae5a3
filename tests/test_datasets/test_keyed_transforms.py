import numpy as np
import pytest

from mmppml.crypto import mix_subpatches
from mmppml.crypto.keyed_scramble import apply_scramble, invert_scramble, new_scramble_key, save_key
from mmppml.datasets import KeyedScramble
from mmppml.registry import TRANSFORMS


def test_keyed_scramble_transform_matches_the_numpy_scramble(tmp_path):
    key = new_scramble_key(8, 3, seed=0)
    save_key(tmp_path / 'k.npz', key)
    transform = TRANSFORMS.build(dict(type='mmppml.KeyedScramble', key_file=str(tmp_path / 'k.npz')))
    assert isinstance(transform, KeyedScramble)
    img = np.random.default_rng(1).integers(0, 256, (32, 48, 3), dtype=np.uint8)
    out = transform(dict(img=img.copy(), img_shape=(32, 48)))
    np.testing.assert_array_equal(out['img'], apply_scramble(img, key))
    assert out['img_shape'] == (32, 48)
    mixed = mix_subpatches(img, 16, 8)  # float32 MI output on the uint8 scale: inverted as 255 - v
    scrambled = transform(dict(img=mixed))['img']
    np.testing.assert_array_equal(scrambled, apply_scramble(mixed, key, float_max=255.))
    assert scrambled.min() >= 0 and scrambled.max() <= 255  # the sign mask does not show as negatives
    np.testing.assert_allclose(invert_scramble(scrambled, key, float_max=255.), mixed, atol=1e-4)
    assert 'pixel_perm' not in repr(transform) and str(key.pixel_perm[:3])[1:-1] not in repr(transform)
    with pytest.raises(ValueError, match='multiple of key block_size=8'):
        transform(dict(img=img[:30]))
