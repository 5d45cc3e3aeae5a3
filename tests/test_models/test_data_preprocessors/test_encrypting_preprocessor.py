"""The encrypting data preprocessor: batch RS / MI equal the NumPy core, and encryption follows the mix."""
import numpy as np
import pytest
import torch

from mmppml.crypto import mix_subpatches, to_blocks
from mmppml.models import EncryptingClsDataPreprocessor


def patch_multiset(img: torch.Tensor, p: int):
    return sorted(b.tobytes() for b in to_blocks(img.permute(1, 2, 0).numpy(), p))


def batch(n=4, size=32, seed=0):
    return torch.from_numpy(np.random.default_rng(seed).integers(0, 256, (n, 3, size, size), dtype=np.uint8))


def test_rs_shuffles_each_image_on_its_own():
    pre = EncryptingClsDataPreprocessor(mode='rs', patch_size=8)
    x = batch()
    out = pre(dict(inputs=x), training=False)['inputs']
    assert out.shape == x.shape
    for a, b in zip(x.float(), out):
        assert patch_multiset(b, 8) == patch_multiset(a, 8) and not torch.equal(a, b)
    assert not torch.equal(out[0], pre(dict(inputs=x), training=False)['inputs'][0])  # fresh permutations


def test_mi_equals_the_numpy_core_after_normalisation():
    mean, std = [10., 20., 30.], [2., 4., 8.]
    pre = EncryptingClsDataPreprocessor(mode='mi', patch_size=8, sub_patch_size=4, mean=mean, std=std)
    x = batch()
    out = pre(dict(inputs=x), training=False)['inputs']
    for a, b in zip(x, out):
        expected = (mix_subpatches(a.permute(1, 2, 0).numpy(), 8, 4) - np.array(mean)) / np.array(std)
        np.testing.assert_allclose(b.permute(1, 2, 0).numpy(), expected, atol=1e-4)


def test_training_encrypts_the_mixed_batch():
    """The batch augment sees plain images; the encryption sees its mix."""
    pre = EncryptingClsDataPreprocessor(
        mode='rs-on-mi',
        patch_size=8,
        sub_patch_size=4,
        num_classes=4,
        batch_augments=dict(augments=dict(type='Mixup', alpha=0.8)))
    seen = []

    def blend(inputs, scores):  # a deterministic stand-in for the Mixup built above
        seen.append(inputs.clone())
        return 0.5 * (inputs + inputs.flip(0)), scores

    from mmpretrain.structures import DataSample
    pre.batch_augments = blend
    x = batch()
    samples = [DataSample().set_gt_label(i) for i in range(4)]
    out = pre(dict(inputs=x, data_samples=samples), training=True)['inputs']
    torch.testing.assert_close(seen[0], x.float())  # plain, not encrypted, when mixed
    mixed = 0.5 * (x.float() + x.float().flip(0))
    for m, b in zip(mixed, out):
        assert patch_multiset(b, 4) == patch_multiset(
            torch.from_numpy(mix_subpatches(m.permute(1, 2, 0).numpy(), 8, 4)).permute(2, 0, 1), 4)


def test_bad_settings_and_sizes():
    with pytest.raises(ValueError, match='mix nothing'):
        EncryptingClsDataPreprocessor(mode='mi', patch_size=8, sub_patch_size=8)
    with pytest.raises(ValueError, match='not a multiple of patch_size=16'):
        EncryptingClsDataPreprocessor(mode='rs', patch_size=16)(dict(inputs=batch(size=40)))
    with pytest.raises(ValueError, match='at least 4'):
        EncryptingClsDataPreprocessor(mode='rs', patch_size=16)(dict(inputs=batch(size=16)))
