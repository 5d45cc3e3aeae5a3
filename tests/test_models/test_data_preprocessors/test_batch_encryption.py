"""The batch encryptions in torch equal the NumPy core of mmppml.crypto, image by image."""
import numpy as np
import pytest
import torch

from mmppml.crypto import apply_scramble, convex_mix_subpatches, mix_subpatches, new_scramble_key, save_key, to_blocks
from mmppml.models.data_preprocessors import (BatchEncryption, convex_mix_batch, mix_batch, pixel_bags_batch,
                                              scramble_batch, shuffle_batch)


def pixels(n=3, c=3, size=16, seed=0) -> torch.Tensor:
    """(n, c, size, size) uint8 values as float32 (the pixel scale)."""
    return torch.from_numpy(np.random.default_rng(seed).integers(0, 256, (n, c, size, size)).astype(np.float32))


def hwc(x: torch.Tensor) -> np.ndarray:
    return x.permute(1, 2, 0).numpy()


def block_multiset(img: torch.Tensor, block: int, sort_pixels: bool = False) -> list:
    """The blocks of a (C, H, W) image as sorted bytes; with ``sort_pixels`` each block's pixels (C-vectors) sorted."""
    blocks = to_blocks(np.ascontiguousarray(hwc(img)), block).reshape(-1, block * block, img.shape[0])
    if sort_pixels:
        blocks = np.stack([b[np.lexsort(b.T[::-1])] for b in blocks])
    return sorted(b.tobytes() for b in blocks)


def test_shuffle_moves_whole_blocks_afresh_per_image():
    x = pixels(n=4)
    gen = torch.Generator().manual_seed(0)
    out = shuffle_batch(x, 4, gen)
    for a, b in zip(x, out):
        assert block_multiset(b, 4) == block_multiset(a, 4) and not torch.equal(a, b)
    assert not torch.equal(out[0], shuffle_batch(x, 4, gen)[0])


def test_mix_equals_the_numpy_core_bit_for_bit_on_pixels():
    x = pixels()
    out = mix_batch(x, 8, 4)
    for a, b in zip(x, out):
        expected = mix_subpatches(hwc(a).astype(np.uint8), 8, 4)
        np.testing.assert_array_equal(hwc(b), expected)


def test_convex_mix_equals_the_numpy_core_for_the_same_weights():
    x = pixels(n=2)
    weights = np.random.default_rng(1).dirichlet(np.ones(4), size=(2, 2, 2))
    out = convex_mix_batch(x, 8, 4, torch.from_numpy(weights))
    for a, b, w in zip(x, out, weights):
        expected = convex_mix_subpatches(hwc(a).astype(np.uint8), 8, 4, w)
        np.testing.assert_allclose(hwc(b), expected, rtol=0, atol=255 * 4 * np.finfo(np.float32).eps)


def test_pixel_bags_keep_each_block_s_pixels_only():
    x = pixels(n=2)
    out = pixel_bags_batch(x, 4, torch.Generator().manual_seed(0))
    for a, b in zip(x, out):
        assert block_multiset(b, 4, sort_pixels=True) == block_multiset(a, 4, sort_pixels=True)
        assert block_multiset(b, 4) != block_multiset(a, 4)  # the pixels moved inside the blocks too


def test_scramble_equals_the_numpy_core_on_pixels(tmp_path):
    key = new_scramble_key(4, 3, seed=0)
    x = mix_batch(pixels(n=2), 8, 4)  # float MI values, as the scramble meets them after MI
    k = 16
    mask = torch.from_numpy(np.ascontiguousarray(key.sign_mask.reshape(k, 3).T))
    out = scramble_batch(x, torch.from_numpy(key.pixel_perm), mask, torch.full((3, ), 255.))
    for a, b in zip(x, out):
        np.testing.assert_array_equal(hwc(b), apply_scramble(np.ascontiguousarray(hwc(a)), key, float_max=255.))


def test_keyed_encryption_on_normalised_flipped_channels_equals_scrambling_the_pixels(tmp_path):
    """Normalised, with BGR turned to RGB, the scramble still inverts as 255 - v on the loaded channels."""
    key = new_scramble_key(4, 3, seed=1)
    save_key(tmp_path / 'k.npz', key)
    mean, std = torch.tensor([10., 120., 200.]).view(3, 1, 1), torch.tensor([30., 60., 90.]).view(3, 1, 1)
    enc = BatchEncryption('mi', 8, 4, key_file=str(tmp_path / 'k.npz'))
    bgr = pixels(n=2)
    out = enc((bgr.flip(1) - mean) / std, mean, std, channels_flipped=True)
    for a, b in zip(bgr, out):
        scrambled = apply_scramble(mix_subpatches(hwc(a).astype(np.uint8), 8, 4), key, float_max=255.)
        expected = (torch.from_numpy(scrambled).permute(2, 0, 1).flip(0) - mean) / std
        torch.testing.assert_close(b, expected, rtol=0, atol=1e-5)


def test_noise_is_sigma_on_the_pixel_scale_per_channel():
    """On a constant image MI and the shuffle change nothing: what is left is the noise, sigma / std per channel."""
    std = torch.tensor([8., 16., 32.]).view(3, 1, 1)
    enc = BatchEncryption('noisy-rs-on-mi', 8, 4, sigma=32., seed=0)
    noise = enc(torch.zeros(64, 3, 32, 32), torch.zeros(3, 1, 1), std)
    per_channel = noise.transpose(0, 1).reshape(3, -1)
    torch.testing.assert_close(per_channel.std(dim=1), 32. / std.flatten(), rtol=0.02, atol=0)
    assert per_channel.mean(dim=1).abs().max() < 0.02 * (32. / std).max()
    assert torch.equal(
        BatchEncryption('noisy-rs-on-mi', 8, 4, sigma=0.)(torch.zeros(2, 3, 32, 32)), torch.zeros(2, 3, 16, 16))


def test_seeded_draws_repeat_and_unseeded_do_not():
    x = pixels(n=2)
    assert torch.equal(BatchEncryption('rs', 4, seed=3)(x), BatchEncryption('rs', 4, seed=3)(x))
    assert not torch.equal(BatchEncryption('rs', 4)(x), BatchEncryption('rs', 4)(x))


def test_bad_settings():
    with pytest.raises(ValueError, match='mode must be one of'):
        BatchEncryption('rot13', 8)
    with pytest.raises(ValueError, match='sigma applies to'):
        BatchEncryption('rs', 8, sigma=1.)
    with pytest.raises(ValueError, match='concentration must be positive'):
        BatchEncryption('convex-mi', 8, 4, concentration=0.)
    with pytest.raises(ValueError, match='takes no patch_size'):
        BatchEncryption('plain', 8)
    with pytest.raises(ValueError, match='not a multiple of patch_size=8'):
        BatchEncryption('mi', 8, 4)(torch.zeros(1, 1, 12, 16))
    assert repr(BatchEncryption('rs', 8,
                                seed=1)) == "BatchEncryption(mode='rs', patch_size=8, keyed=False, seeded=True)"
