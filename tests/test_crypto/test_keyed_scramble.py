import os
import stat
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmppml.crypto import to_blocks
from mmppml.crypto.keyed_scramble import (ScrambleKey, absorb_scramble, apply_scramble, invert_scramble, load_key,
                                          new_scramble_key, save_key)


def random_image(shape, dtype=np.uint8, seed=0):
    rng = np.random.default_rng(seed)
    if np.issubdtype(dtype, np.integer):
        return rng.integers(0, np.iinfo(dtype).max, size=shape, endpoint=True).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def scramble_block_by_loops(block, key):
    """Reference: output pixel j = input pixel perm[j], then inversion where the mask says."""
    b = key.block_size
    flat_in = block.reshape(b * b, -1)
    out = np.empty_like(flat_in)
    for j in range(b * b):
        out[j] = flat_in[key.pixel_perm[j]]
    mask = key.sign_mask.reshape(b * b, -1)
    top = np.iinfo(block.dtype).max if np.issubdtype(block.dtype, np.integer) else None
    for j in range(b * b):
        for c in range(out.shape[1]):
            if mask[j, c]:
                out[j, c] = top - out[j, c] if top is not None else -out[j, c]
    return out.reshape(block.shape)


@pytest.mark.parametrize('shape,dtype,block', [((16, 24, 3), np.uint8, 4), ((32, 32, 1), np.uint16, 8),
                                               ((8, 16, 3), np.float32, 8), ((12, 12), np.uint8, 3)])
def test_every_block_scrambled_the_same_and_inverted_exactly(shape, dtype, block):
    channels = shape[2] if len(shape) == 3 else 1
    key = new_scramble_key(block, channels, seed=1)
    img = random_image(shape, dtype)
    out = apply_scramble(img, key)
    assert out.shape == img.shape and out.dtype == img.dtype
    assert not np.array_equal(out, img)
    hwc = lambda x: x if x.ndim == 3 else x[..., None]  # noqa: E731
    for got, plain in zip(to_blocks(hwc(out), block), to_blocks(hwc(img), block)):
        np.testing.assert_array_equal(got, scramble_block_by_loops(plain, key))
    back = invert_scramble(out, key)
    assert back.dtype == img.dtype
    np.testing.assert_array_equal(back, img)  # bit for bit


def test_sign_mask_inverts_uint8_as_255_minus_v_and_floats_as_minus_v():
    mask = np.zeros((2, 2, 1), bool)
    mask[0, 1, 0] = True
    key = ScrambleKey(2, np.arange(4), mask)  # identity permutation: only the sign acts
    img = np.array([[10, 20], [30, 40]], np.uint8)[..., None]
    np.testing.assert_array_equal(apply_scramble(img, key)[..., 0], [[10, 235], [30, 40]])
    np.testing.assert_array_equal(apply_scramble(img.astype(np.float32), key)[..., 0], [[10, -20], [30, 40]])


@pytest.mark.parametrize('kind', ['uint8', 'float', 'normalized'])
def test_linear_patch_embedding_absorbs_the_scramble_exactly(kind):
    b, c = 4, 3
    key = new_scramble_key(b, c, seed=3)
    plain = random_image((16, 20, c), np.uint8, seed=4)
    conv = torch.nn.Conv2d(c, 8, kernel_size=b, stride=b).double()
    mean, std = np.array([120., 110., 100.]), np.array([60., 55., 50.])
    if kind == 'uint8':  # raw pixels: inverted pixels are 255 - v
        x, y, offset = plain.astype(np.float64), apply_scramble(plain, key).astype(np.float64), 255.
    elif kind == 'float':  # float images: inverted pixels are -v
        x = plain.astype(np.float64) / 255
        y, offset = apply_scramble(x, key), 0.
    else:  # scrambled uint8, then normalised by the data preprocessor
        x = (plain - mean) / std
        y, offset = (apply_scramble(plain, key) - mean) / std, (255 - 2 * mean) / std
    weight, bias = absorb_scramble(conv.weight.detach().numpy(), conv.bias.detach().numpy(), key, offset)
    as_nchw = lambda a: torch.from_numpy(np.ascontiguousarray(a)).permute(2, 0, 1)[None]  # noqa: E731
    tokens_plain = conv(as_nchw(x))
    tokens_scrambled = F.conv2d(as_nchw(y), torch.from_numpy(weight), torch.from_numpy(bias), stride=b)
    torch.testing.assert_close(tokens_scrambled, tokens_plain, rtol=0, atol=1e-9)
    # The unadjusted embedding does see a difference.
    assert (conv(as_nchw(y)) - tokens_plain).abs().max() > 1e-3


def test_keys_from_os_entropy_differ_and_seeds_reproduce():
    a, b = new_scramble_key(8, 3), new_scramble_key(8, 3)
    assert not np.array_equal(a.pixel_perm, b.pixel_perm) and a != b and a.key_id != b.key_id
    assert new_scramble_key(8, 3, seed=5) == new_scramble_key(8, 3, seed=5)
    key = new_scramble_key(8, 3, seed=5)
    assert key.pixel_perm.shape == (64, ) and key.sign_mask.shape == (8, 8, 3) and key.sign_mask.dtype == bool
    assert 0.3 < key.sign_mask.mean() < 0.7  # about half the pixels inverted
    assert str(list(key.pixel_perm[:4]))[1:-1] not in repr(key)


def test_key_file_round_trip_private_and_not_overwritten(tmp_path):
    key = new_scramble_key(4, 3)
    path = tmp_path / 'secret.npz'
    save_key(path, key)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    loaded = load_key(path)
    assert loaded == key and loaded.key_id == key.key_id
    with pytest.raises(FileExistsError, match='refusing to overwrite'):
        save_key(path, new_scramble_key(4, 3))
    assert load_key(path) == key
    other = new_scramble_key(4, 3)
    save_key(path, other, overwrite=True)
    assert load_key(path) == other and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sorted(os.listdir(tmp_path)) == ['secret.npz']  # no temporary file left
    np.savez(tmp_path / 'other.npz', a=np.zeros(3))
    with pytest.raises(ValueError, match='not an mmppml scramble key'):
        load_key(tmp_path / 'other.npz')


def test_bad_inputs_are_refused_with_clear_errors():
    key = new_scramble_key(4, 3, seed=0)
    with pytest.raises(ValueError, match='not a multiple of key block_size=4'):
        apply_scramble(np.zeros((10, 12, 3), np.uint8), key)
    with pytest.raises(ValueError, match='1 channel'):
        apply_scramble(np.zeros((8, 8), np.uint8), key)
    with pytest.raises(TypeError, match='int8'):
        apply_scramble(np.zeros((8, 8, 3), np.int8), key)
    with pytest.raises(ValueError, match='permutation of range'):
        ScrambleKey(2, np.array([0, 0, 1, 2]), np.zeros((2, 2, 3), bool))
    with pytest.raises(ValueError, match='sign_mask'):
        ScrambleKey(2, np.arange(4), np.zeros((2, 3, 3), bool))
    with pytest.raises(ValueError, match='weight must be'):
        absorb_scramble(np.zeros((8, 3, 2, 2)), None, key)


def test_importing_the_scramble_does_not_import_torch():
    code = ('import sys, mmppml.crypto.keyed_scramble\n'
            'print(sorted(m for m in sys.modules if m.split(".")[0] == "torch"))')
    proc = subprocess.run([sys.executable, '-c', code], check=True, capture_output=True, text=True)
    assert proc.stdout.strip() == '[]'
