"""The frontier's candidate encryption transforms: exact on small images, boxes refused where destroyed,
and no randomness in ``results``."""
import numpy as np
import pytest
from det_inputs import det_results

import mmppml  # noqa: F401
from mmppml.crypto import mix_subpatches, sorted_block_values, to_blocks
from mmppml.datasets import NoisyShuffledMix, RandomConvexMix, RandomPixelBags
from mmppml.registry import TRANSFORMS


def image(h=16, w=16, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(h, w)).astype(np.uint8)


def test_pixel_bags_transform_keeps_the_bags_and_adds_nothing():
    img = image()
    results = RandomPixelBags(patch_size=4)(dict(img=img.copy(), img_shape=(16, 16), gt_label=2))
    assert set(results) == {'img', 'img_shape', 'gt_label'}
    out = results['img']
    assert out.dtype == np.uint8 and out.shape == img.shape
    bags = lambda x: sorted(map(tuple, sorted_block_values(x, 4).tolist()))  # noqa: E731
    assert bags(out) == bags(img)
    assert {b.tobytes() for b in to_blocks(out, 4)} != {b.tobytes() for b in to_blocks(img, 4)}


def test_convex_mix_transform_keeps_the_layout_and_rescales_boxes():
    img = image(32, 32)
    results = RandomConvexMix(8, 4, seed=0)(det_results(img, [[0, 0, 16, 8]]))
    out = results['img']
    assert out.shape == (16, 16) and out.dtype == np.float32 and results['img_shape'] == (16, 16)
    np.testing.assert_allclose(results['gt_bboxes'].numpy(), [[0, 0, 8, 4]])
    assert results['scale_factor'] == (0.5, 0.5)
    # each mixed value lies between the smallest and the largest of the pixels it mixes
    grid = img.reshape(4, 2, 4, 4, 2, 4).astype(np.float32)
    lo, hi = grid.min(axis=(1, 4)).reshape(16, 16), grid.max(axis=(1, 4)).reshape(16, 16)
    assert ((out >= lo - 1e-4) & (out <= hi + 1e-4)).all() and not np.allclose(out, mix_subpatches(img, 8, 4))
    assert set(results) == {
        'img', 'img_shape', 'ori_shape', 'gt_bboxes', 'gt_bboxes_labels', 'gt_ignore_flags', 'scale_factor'
    }
    with pytest.raises(ValueError, match='gt_masks'):
        RandomConvexMix(8, 4)(dict(img=img, gt_masks=object()))


def test_noisy_mix_transform_equals_rs_on_mi_without_noise():
    img = image(32, 32)
    out = NoisyShuffledMix(8, 4, sigma=0., seed=0)(dict(img=img.copy()))['img']
    blocks = lambda x: sorted(b.tobytes() for b in to_blocks(np.asarray(x, np.float32), 4))  # noqa: E731
    assert blocks(out) == blocks(mix_subpatches(img, 8, 4))
    noisy = NoisyShuffledMix(8, 4, sigma=20.)(dict(img=img.copy()))
    assert set(noisy) == {'img', 'img_shape'} and noisy['img'].shape == (16, 16)
    assert blocks(noisy['img']) != blocks(mix_subpatches(img, 8, 4))


@pytest.mark.parametrize('transform', [RandomPixelBags(4), NoisyShuffledMix(8, 4)])
def test_shuffling_modes_refuse_boxes(transform):
    with pytest.raises(ValueError, match='gt_bboxes'):
        transform(det_results(image(32, 32), [[0, 0, 8, 8]]))


@pytest.mark.parametrize('cfg, message', [
    (dict(type='mmppml.RandomPixelBags', patch_size=0), 'patch_size must be a positive integer, got 0'),
    (dict(type='mmppml.RandomConvexMix', patch_size=8, sub_patch_size=4,
          concentration=0), 'concentration must be positive, got 0'),
    (dict(type='mmppml.NoisyShuffledMix', patch_size=8, sub_patch_size=4, sigma=-1), 'sigma must be >= 0, got -1'),
])
def test_bad_settings_fail_at_build(cfg, message):
    with pytest.raises(ValueError, match=message):
        TRANSFORMS.build(cfg)


@pytest.mark.parametrize('cls, kwargs', [(RandomPixelBags, dict(patch_size=4)),
                                         (RandomConvexMix, dict(patch_size=8, sub_patch_size=4, concentration=2.)),
                                         (NoisyShuffledMix, dict(patch_size=8, sub_patch_size=4, sigma=3.))])
def test_configs_build_these_classes_under_the_mmppml_scope(cls, kwargs):
    """A config's ``type='mmppml.<Name>'`` builds this very class, with the arguments the config gives."""
    assert TRANSFORMS.get(f'mmppml.{cls.__name__}') is cls
    built = TRANSFORMS.build(dict(type=f'mmppml.{cls.__name__}', **kwargs))
    assert type(built) is cls and built.block_size == kwargs['patch_size']
    for name in ('concentration', 'sigma'):
        if name in kwargs:
            assert getattr(built, name) == kwargs[name]
