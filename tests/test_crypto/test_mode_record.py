"""One record behind every path: a toy mode defined once, in its record, runs through a pipeline transform,
the encrypting data preprocessor, the offline engine and linkage, with no code of its own anywhere else."""
import cv2
import numpy as np
import pytest
import torch

from mmppml.crypto import MODE_TABLE, Mode, ModeParam


def invert(img: np.ndarray, patch_size: int, sub_patch_size=None) -> np.ndarray:
    """The toy's content: every pixel ``v -> 255 - v`` (the dtype kept)."""
    return (255 - img).astype(img.dtype)


def invert_numpy(img, patch_size, sub_patch_size, param, seed):
    return invert(img, patch_size)


def invert_batch(x, patch_size, sub_patch_size, param, draws, mean=None, std=None):
    """``255 - v`` on the pixel scale, carried over to the normalised one: ``(255 - 2 * mean) / std - x``."""
    if mean is None:
        return 255 - x
    return (255 - 2 * mean.to(x)) / std.to(x) - x


@pytest.fixture
def toy():
    mode = Mode(
        'invert',
        'inverted',
        'inv',
        'ModeEncryption',
        needs_sub_patch=False,
        keeps_layout=True,
        shuffles=False,
        offline=True,
        numpy=invert_numpy,
        batch=invert_batch,
        content=invert,
        linkage='blocks')
    MODE_TABLE[mode.name] = mode
    try:
        yield mode
    finally:
        del MODE_TABLE[mode.name]


def images(n=3, size=16, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, 3), dtype=np.uint8)


def test_the_toy_mode_through_a_pipeline_transform(toy):
    from mmppml.registry import TRANSFORMS
    transform = TRANSFORMS.build(dict(type='mmppml.ModeEncryption', mode='invert', patch_size=4))
    img = images(1)[0]
    out = transform(dict(img=img.copy()))
    assert np.array_equal(out['img'], 255 - img) and out['img_shape'] == (16, 16)
    assert out['scale_factor'] == (1., 1.)  # keeps the layout: rescaled by 1 / shrink = 1
    with pytest.raises(ValueError, match="sigma applies to mode 'noisy-rs-on-mi', not 'invert'"):
        TRANSFORMS.build(dict(type='mmppml.ModeEncryption', mode='invert', patch_size=4, sigma=1.))


@pytest.mark.parametrize('normalise', [False, True])
def test_the_toy_mode_through_a_data_preprocessor(toy, normalise):
    from mmppml.models.data_preprocessors import EncryptingClsDataPreprocessor
    kwargs = dict(mean=[10., 20., 30.], std=[2., 4., 5.]) if normalise else {}
    pre = EncryptingClsDataPreprocessor(mode='invert', patch_size=4, **kwargs)
    x = torch.from_numpy(images()).permute(0, 3, 1, 2).contiguous()
    out = pre(dict(inputs=x), training=False)['inputs']
    expected = 255. - x.float()
    if normalise:
        expected = (expected - torch.tensor(kwargs['mean']).reshape(3, 1, 1)) / torch.tensor(kwargs['std']).reshape(
            3, 1, 1)
    assert torch.allclose(out, expected, atol=1e-4)
    assert 'invert' in repr(pre.encryption)


def test_the_toy_mode_through_the_offline_engine_and_linkage(toy, tmp_path):
    from mmppml.offline import EncryptionSpec, encrypt_dataset, read_manifest
    from mmppml.privacy.scores import linkage
    src = tmp_path / 'src' / 'cat'
    src.mkdir(parents=True)
    plain = images(4, size=32, seed=1)
    for i, img in enumerate(plain):
        cv2.imwrite(str(src / f'{i}.png'), img)
    summary = encrypt_dataset(
        tmp_path / 'src',
        tmp_path / 'out',
        EncryptionSpec(mode='invert', patch_size=8),
        progress_stream=None,
        keep_names=True)
    assert (summary.encrypted, summary.exit_code) == (4, 0)
    for i, img in enumerate(plain):
        assert np.array_equal(cv2.imread(str(tmp_path / 'out' / 'cat' / f'{i}.png'), cv2.IMREAD_COLOR), 255 - img)
    assert read_manifest(tmp_path / 'out')['complete'] is True
    gray = plain[..., 0]
    galleries = np.array([[0, 1, 2, 3], [1, 0, 2, 3]])
    assert linkage(255 - gray[:2], gray, galleries, 'invert', 8)['top1'] == 1.0


def test_a_mode_record_refuses_what_its_paths_cannot_run():
    with pytest.raises(ValueError, match='give content'):
        Mode('x', 'x', 'x', None, needs_sub_patch=False, keeps_layout=True, shuffles=False, offline=True)
    with pytest.raises(ValueError, match='has no batch encryption'):
        MODE_TABLE['plain'].batch_function
    assert ModeParam('sigma', 16., float).value() == 16. and MODE_TABLE['convex-mi'].param_value() == 1.
    assert 'invert' not in MODE_TABLE  # the fixture removed the toy
