"""The hand-written baselines of the transforms suite compute the encryption they are timed against."""
import numpy as np
import pytest
import torch

from mmppml.crypto import mix_subpatches, shuffle_patches
from projects.benchmarks.suites.baselines import mi_python_loop, mi_torch_tokens, rs_python_loop, rs_torch_tokens


@pytest.mark.parametrize('shape', [(32, 48, 3), (64, 16, 1)])
def test_baselines_compute_the_same_encryption(shape):
    img = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    n = (shape[0] // 16) * (shape[1] // 16)
    perm = np.random.default_rng(1).permutation(n)
    assert np.array_equal(rs_python_loop(img, 16, np.random.default_rng(1)), shuffle_patches(img, 16, perm))
    torch_perm = torch.randperm(n, generator=torch.Generator().manual_seed(2)).numpy()
    assert np.array_equal(
        rs_torch_tokens(img, 16,
                        torch.Generator().manual_seed(2)), shuffle_patches(img, 16, torch_perm))
    assert np.array_equal(mi_python_loop(img, 16, 8), mix_subpatches(img, 16, 8))
    np.testing.assert_allclose(mi_torch_tokens(img, 16, 8), mix_subpatches(img, 16, 8), rtol=1e-6)
