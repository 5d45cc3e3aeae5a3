"""The encrypting data preprocessor: batch RS / MI equal the NumPy core, and encryption follows the mix."""
import numpy as np
import pytest
import torch

from mmppml.crypto import mix_subpatches, to_blocks
from mmppml.models import EncryptingClsDataPreprocessor
from mmppml.models.data_preprocessors import mix_batch


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


# Fault injection ------------------------------------------------------------------------------------


@pytest.mark.parametrize('mode, kwargs', [('rs', {}), ('rs-on-mi', dict(sub_patch_size=4)),
                                          ('noisy-rs-on-mi', dict(sub_patch_size=4, sigma=0.)), ('bag', {})])
def test_no_image_is_handed_back_as_it_was(mode, kwargs):
    """Images of 4 distinct blocks: 1 draw in 24 is the identity, ~27 of 640 images without the redraw."""
    patch = 4 if mode == 'bag' else 8
    pre = EncryptingClsDataPreprocessor(mode=mode, patch_size=patch, seed=0, **kwargs)
    x = batch(n=64, size=2 * patch)
    # What is shuffled: the image, its MI image (sigma 0: no noise), or the bags of its blocks.
    before = mix_batch(x.float(), 8, 4) if 'sub_patch_size' in kwargs else x.float()
    for _ in range(10):
        out = pre(dict(inputs=x), training=False)['inputs']
        if mode == 'bag':
            assert not any(torch.equal(_bags(o), _bags(i)) for o, i in zip(out, before))
        else:
            assert not any(torch.equal(o, i) for o, i in zip(out, before))


def _bags(img: torch.Tensor, b: int = 4) -> torch.Tensor:
    c, h, w = img.shape
    return img.reshape(c, h // b, b, w // b, b).permute(1, 3, 0, 2, 4).reshape(-1, c * b * b).sort(1).values


def test_unclear_batches_and_settings_are_refused_by_name():
    norm = dict(mean=[1., 2., 3.], std=[1., 1., 1.])
    pre = EncryptingClsDataPreprocessor(mode='rs', patch_size=8, **norm)
    for inputs in ([], torch.zeros(0, 3, 32, 32, dtype=torch.uint8)):
        with pytest.raises(ValueError, match='the batch is empty'):
            pre(dict(inputs=inputs))
    for channels in (4, 1):  # 1 used to broadcast to 3 channels silently
        with pytest.raises(ValueError, match=f'{channels}-channel images, but mean and std have 3'):
            pre(dict(inputs=torch.zeros(2, channels, 32, 32, dtype=torch.uint8)))
    with pytest.raises(ValueError, match='pixel_pad_value must be a finite number'):
        EncryptingClsDataPreprocessor(mode='rs', patch_size=8, pixel_pad_value=float('nan'))
    with pytest.raises(ValueError, match='pad_value must be a finite number'):
        EncryptingClsDataPreprocessor(mode='rs', patch_size=8, pad_value=float('nan'))
    with pytest.raises(ValueError, match='pad_size_divisor must be a positive integer, got 2.5'):
        EncryptingClsDataPreprocessor(mode='rs', patch_size=8, pixel_pad_value=0, pad_size_divisor=2.5)
    pre = EncryptingClsDataPreprocessor(mode='rs', patch_size=8, pixel_pad_value=300, pad_size_divisor=8)
    with pytest.raises(ValueError, match='pixel_pad_value=300 does not fit torch.uint8'):
        pre(dict(inputs=[batch(1, 30)[0]]))
    assert pre(dict(inputs=[batch(1, 30)[0].float()]))['inputs'].max() == 300  # float pixels hold it
    pre = EncryptingClsDataPreprocessor(mode='rs', patch_size=8, pixel_pad_value=1e6, pad_size_divisor=8)
    with pytest.raises(ValueError, match='pixel_pad_value=1000000.0 does not fit torch.float16'):
        pre(dict(inputs=[batch(1, 30)[0].half()]))


@pytest.mark.parametrize('pixel_pad_value', [0, None])
def test_mixing_drops_what_padding_alone_would_mix(pixel_pad_value):
    """The bottom-right 8 x 8 of a 40 x 72 image, padded to 48 x 80, used to come out as plain / 4."""
    pre = EncryptingClsDataPreprocessor(
        mode='mi', patch_size=16, sub_patch_size=8, pixel_pad_value=pixel_pad_value, pad_size_divisor=16)
    photo = torch.randint(1, 256, (3, 40, 72), dtype=torch.uint8)
    out = pre(dict(inputs=[photo, photo]))['inputs']
    assert out.shape == (2, 3, 24, 40) and not out[:, :, 16:, 32:].any() and out[:, :, :16].all()
    with pytest.raises(ValueError, match='fits in one sub-patch'):
        pre(dict(inputs=[photo[:, :8, :8]]))
