import copy
import pickle

import cv2
import numpy as np
import pytest
import torch
from det_inputs import det_results
from mmengine.registry import init_default_scope

import mmppml  # noqa: F401  (creates the registries; transforms import lazily)
from mmppml.crypto import mix_subpatches, sorted_block_values, to_blocks, unmixed_pixels
from mmppml.datasets import (MixSubPatches, NoisyShuffledMix, RandomConvexMix, RandomPatchShuffle, RandomPixelBags,
                             ShuffledMixSubPatches)


def image(h, w, c=3, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(h, w, c)).astype(np.uint8)


def patch_multiset(img, p):
    return sorted(block.tobytes() for block in to_blocks(img, p))


def test_rs_shuffles_patches_and_adds_nothing():
    img = image(32, 48)
    results = RandomPatchShuffle(patch_size=8)(dict(img=img.copy(), img_shape=(32, 48), gt_label=3))
    assert set(results) == {'img', 'img_shape', 'gt_label'}
    assert results['img'].shape == img.shape and results['img'].dtype == np.uint8
    assert patch_multiset(results['img'], 8) == patch_multiset(img, 8)
    assert not np.array_equal(results['img'], img)


def test_rs_refuses_spatial_annotations():
    with pytest.raises(ValueError, match='gt_bboxes'):
        RandomPatchShuffle(patch_size=8)(det_results(image(32, 32), [[0, 0, 8, 8]]))
    with pytest.raises(ValueError, match='gt_bboxes'):
        ShuffledMixSubPatches(8, 4)(det_results(image(32, 32), [[0, 0, 8, 8]]))


def test_size_mismatch_modes():
    img = image(30, 37)
    with pytest.raises(ValueError, match=r"30x37.*patch_size=8.*size_mismatch='pad'"):
        RandomPatchShuffle(patch_size=8)(dict(img=img))
    padded = RandomPatchShuffle(patch_size=8, size_mismatch='pad', pad_val=7)(dict(img=img))['img']
    assert padded.shape == (32, 40, 3)
    assert (padded == 7).sum() >= (32 * 40 - 30 * 37) * 3
    cropped = RandomPatchShuffle(patch_size=8, size_mismatch='crop')(dict(img=img))
    assert cropped['img'].shape == (24, 32, 3) and cropped['img_shape'] == (24, 32)
    assert patch_multiset(cropped['img'], 8) == patch_multiset(img[:24, :32], 8)


@pytest.mark.parametrize('build', [
    lambda: RandomPatchShuffle(patch_size=0),
    lambda: RandomPatchShuffle(patch_size=16, size_mismatch='resize'),
    lambda: RandomPatchShuffle(patch_size=16, seed='1'),
    lambda: MixSubPatches(patch_size=16, sub_patch_size=6),
    lambda: MixSubPatches(patch_size=-16, sub_patch_size=8),
    lambda: ShuffledMixSubPatches(patch_size=16, sub_patch_size=32),
])
def test_bad_arguments_fail_at_build(build):
    with pytest.raises((ValueError, TypeError)):
        build()


def test_transform_copies_draw_their_own_permutations():
    rs = RandomPatchShuffle(patch_size=8)
    img = image(64, 64)
    first = rs(dict(img=img))['img']
    for clone in (copy.deepcopy(rs), pickle.loads(pickle.dumps(rs))):
        assert clone.rng is not rs.rng
        assert not np.array_equal(clone(dict(img=img))['img'], first)


def test_seeded_transform_is_reproducible():
    img = image(32, 32)
    a = RandomPatchShuffle(patch_size=8, seed=1)
    b = RandomPatchShuffle(patch_size=8, seed=1)
    np.testing.assert_array_equal(a(dict(img=img))['img'], b(dict(img=img))['img'])


def test_mi_image_and_geometry():
    img = image(32, 48)
    results = MixSubPatches(patch_size=16, sub_patch_size=8)(dict(img=img, img_shape=(32, 48)))
    np.testing.assert_array_equal(results['img'], mix_subpatches(img, 16, 8))
    assert results['img_shape'] == (16, 24)
    assert results['scale_factor'] == (0.5, 0.5)


def test_mi_compounds_an_earlier_resize_and_scales_boxes():
    results = det_results(image(64, 64), [[4, 8, 40, 60], [60, 0, 64, 16]])
    results['scale_factor'] = (2.0, 1.5)
    out = MixSubPatches(patch_size=16, sub_patch_size=4)(results)
    assert out['scale_factor'] == (0.5, 0.375)
    torch.testing.assert_close(out['gt_bboxes'].tensor, torch.tensor([[1., 2, 10, 15], [15, 0, 16, 4]]))


def test_mi_crop_clips_boxes_and_drops_emptied_ones():
    results = det_results(image(40, 40), [[2, 2, 36, 38], [34, 34, 40, 40]])
    out = MixSubPatches(patch_size=16, sub_patch_size=8, size_mismatch='crop')(results)
    assert out['img'].shape == (16, 16, 3)
    torch.testing.assert_close(out['gt_bboxes'].tensor, torch.tensor([[1., 1, 16, 16]]))
    assert out['gt_bboxes_labels'].tolist() == [0] and len(out['gt_ignore_flags']) == 1


def test_mi_refuses_masks():
    with pytest.raises(ValueError, match='gt_masks'):
        MixSubPatches(16, 8)(dict(img=image(32, 32), gt_masks=np.zeros((1, 32, 32))))


def test_rs_on_mi_shuffles_mixed_blocks():
    img = image(32, 32)
    out = ShuffledMixSubPatches(patch_size=8, sub_patch_size=4)(dict(img=img))['img']
    assert out.shape == (16, 16, 3)
    assert patch_multiset(out, 4) == patch_multiset(mix_subpatches(img, 8, 4), 4)


def test_global_seeding_does_not_replay_the_transform():
    from mmengine.runner import set_random_seed
    img = image(64, 64)
    outs = []
    for _ in range(2):
        set_random_seed(0)
        outs.append(RandomPatchShuffle(patch_size=8)(dict(img=img))['img'])
    assert not np.array_equal(*outs)


@pytest.fixture
def png(tmp_path):
    img = image(64, 96, seed=4)
    path = str(tmp_path / 'img.png')
    cv2.imwrite(path, img)
    return path, img


def test_rs_in_an_mmpretrain_pipeline(png):
    from mmcv.transforms import Compose
    from mmpretrain.registry import TRANSFORMS
    path, img = png
    init_default_scope('mmpretrain')
    pipeline = Compose([
        TRANSFORMS.build(t) for t in [
            dict(type='LoadImageFromFile'),
            dict(type='mmppml.RandomPatchShuffle', patch_size=16),
            dict(type='PackInputs'),
        ]
    ])
    packed = pipeline(dict(img_path=path, gt_label=1))
    chw = packed['inputs'].numpy()
    assert chw.shape == (3, 64, 96)
    assert patch_multiset(chw.transpose(1, 2, 0), 16) == patch_multiset(img, 16)
    assert set(packed['data_samples'].metainfo) <= {'img_path', 'ori_shape', 'img_shape'}


def test_mi_in_an_mmdet_pipeline_maps_boxes_back(png):
    from mmcv.transforms import Compose
    from mmdet.registry import TRANSFORMS
    from mmdet.structures.bbox import scale_boxes
    path, _ = png
    boxes = [[10., 6, 50, 40], [48, 20, 95, 63]]
    init_default_scope('mmdet')
    pipeline = Compose([
        TRANSFORMS.build(t) for t in [
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations', with_bbox=True),
            dict(type='Resize', scale=(128, 128), keep_ratio=True),  # 64x96 -> 85x128
            dict(type='mmppml.MixSubPatches', patch_size=16, sub_patch_size=8, size_mismatch='pad'),
            dict(type='PackDetInputs'),
        ]
    ])
    instances = [dict(bbox=b, bbox_label=0, ignore_flag=0) for b in boxes]
    packed = pipeline(dict(img_path=path, instances=instances, img_id=0))
    sample = packed['data_samples']
    assert packed['inputs'].shape[-2:] == (48, 64)
    assert sample.img_shape == (48, 64) and sample.ori_shape == (64, 96)
    sx, sy = sample.scale_factor
    back = scale_boxes(sample.gt_instances.bboxes.clone(), (1 / sx, 1 / sy))
    torch.testing.assert_close(back.tensor, torch.tensor(boxes), atol=1e-3, rtol=0)


def test_registered_for_both_scopes():
    from mmdet.registry import TRANSFORMS as DET_TRANSFORMS
    from mmpretrain.registry import TRANSFORMS as CLS_TRANSFORMS
    for scope, registry in (('mmpretrain', CLS_TRANSFORMS), ('mmdet', DET_TRANSFORMS)):
        init_default_scope(scope)
        for name in ('RandomPatchShuffle', 'MixSubPatches', 'ShuffledMixSubPatches'):
            assert registry.get(f'mmppml.{name}') is getattr(mmppml.datasets, name)


@pytest.mark.parametrize('build', [
    lambda: MixSubPatches(patch_size=16, sub_patch_size=16),
    lambda: ShuffledMixSubPatches(patch_size=8, sub_patch_size=8),
    lambda: RandomPatchShuffle(patch_size=8, pad_val='x'),
])
def test_settings_that_hide_nothing_fail_at_build(build):
    with pytest.raises((ValueError, TypeError), match='mix nothing|pad_val must be a number'):
        build()


@pytest.mark.parametrize('transform',
                         [RandomPatchShuffle(patch_size=16),
                          ShuffledMixSubPatches(patch_size=16, sub_patch_size=8)])
def test_shuffles_refuse_grids_of_fewer_than_4_blocks(transform):
    with pytest.raises(ValueError, match=f'{type(transform).__name__}.*at least 4'):
        transform(dict(img=image(16, 48)))  # 1 x 3 patches
    assert transform(dict(img=image(32, 32)))['img'] is not None  # 2 x 2 patches


@pytest.mark.parametrize('img', [torch.zeros(3, 32, 32), np.zeros((0, 0, 3), np.uint8), 'photo.png'])
def test_images_that_are_not_arrays_get_a_clear_error(img):
    with pytest.raises(TypeError, match='non-empty H x W or H x W x C NumPy array'):
        RandomPatchShuffle(patch_size=8)(dict(img=img))


def test_pil_images_get_a_clear_error():
    from PIL import Image
    with pytest.raises(TypeError, match='got Image'):
        MixSubPatches(patch_size=8, sub_patch_size=4)(dict(img=Image.new('RGB', (32, 32))))


def test_mi_refuses_numpy_boxes_before_changing_anything():
    results = dict(img=image(32, 32), img_shape=(32, 32), gt_bboxes=np.array([[0., 0., 8., 8.]]))
    with pytest.raises(TypeError, match='gt_bboxes must be an mmdet box type'):
        MixSubPatches(patch_size=8, sub_patch_size=4)(results)
    assert results['img'].shape == (32, 32, 3)


class ShuffledIndices(torch.utils.data.Dataset):
    """Each item: the permutation a seeded RS transform applies to an image of 16 distinct patches."""

    def __init__(self, transform):
        self.transform = transform
        self.img = np.arange(16, dtype=np.uint8).reshape(4, 4).repeat(8, 0).repeat(8, 1)

    def __len__(self):
        return 200

    def __getitem__(self, i):
        return self.transform(dict(img=self.img.copy()))['img'][::8, ::8].tobytes()


def test_seeded_transform_draws_distinct_reproducible_streams_per_worker():

    def draw():
        loader = torch.utils.data.DataLoader(
            ShuffledIndices(RandomPatchShuffle(patch_size=8, seed=3)), batch_size=None, num_workers=2)
        return list(loader)

    perms = draw()
    assert len(set(perms)) == 200  # two workers, no permutation repeated
    assert draw() == perms  # and the same again from the same seed


FLIPS = [lambda x: x[:, ::-1], lambda x: x[::-1], lambda x: x[::-1, ::-1]]


@pytest.mark.parametrize('flip', FLIPS)
@pytest.mark.parametrize('channels', [None, 3])
def test_flipped_views_encrypt_as_the_flipped_image(flip, channels):
    # RandomFlip hands over a flipped view; the encryptions read it as the flipped image it shows.
    img = image(32, 48) if channels else image(32, 48)[..., 0]
    view = flip(img)
    plain = np.ascontiguousarray(view)
    np.testing.assert_array_equal(MixSubPatches(16, 8)(dict(img=view))['img'], mix_subpatches(plain, 16, 8))
    assert patch_multiset(RandomPatchShuffle(8)(dict(img=view))['img'], 8) == patch_multiset(plain, 8)
    rs_on_mi = ShuffledMixSubPatches(16, 8)(dict(img=view))['img']
    assert patch_multiset(rs_on_mi, 8) == patch_multiset(mix_subpatches(plain, 16, 8), 8)


@pytest.mark.parametrize('transform', [RandomPatchShuffle(8), MixSubPatches(16, 8), ShuffledMixSubPatches(16, 8)])
def test_colour_outputs_pack_into_tensors_without_a_copy(transform):
    from mmpretrain.datasets.transforms import PackInputs
    out = transform(dict(img=image(32, 48)))['img']
    assert out.ndim == 3 and out.transpose(2, 0, 1).flags.c_contiguous  # channel planes, seen as H x W x C
    inputs = PackInputs()(dict(img=out))['inputs']
    assert np.shares_memory(inputs.numpy(), out)
    np.testing.assert_array_equal(inputs.numpy(), out.transpose(2, 0, 1))


@pytest.mark.parametrize('make', [
    lambda: RandomPatchShuffle(16, size_mismatch='pad'),
    lambda: ShuffledMixSubPatches(16, 8, size_mismatch='pad'),
])
def test_padding_does_not_count_toward_the_shuffle_minimum(make):
    """17 x 17 at P = 16 pads to 2 x 2 blocks, one of content: refused; 33 x 33 has 4 of content."""
    with pytest.raises(ValueError, match='has 1 block'):
        make()(dict(img=image(17, 17)))
    assert make()(dict(img=image(33, 33)))['img'].shape[:2] in ((48, 48), (24, 24))


def test_padding_matches_numpy_pad():
    """np.pad, with the pixels MI would mix with padding only (bottom-right) set to the padding value too."""
    img = image(30, 37)
    mi = MixSubPatches(16, 8, size_mismatch='pad', pad_val=9)(dict(img=img))['img']
    padded = np.pad(img, [(0, 2), (0, 11), (0, 0)], constant_values=9)
    rows, cols = unmixed_pixels(30, 37, 16, 8)
    assert (list(rows), list(cols)) == ([22, 23], list(range(32, 37)))  # rows 30, 31 and columns 40+ pad
    padded[np.ix_(rows, cols)] = 9
    np.testing.assert_array_equal(mi, mix_subpatches(padded, 16, 8))


def test_each_transform_declares_what_the_table_of_modes_says():
    from mmppml.crypto import MODE_TABLE
    from mmppml.registry import TRANSFORMS
    for mode in MODE_TABLE.values():
        if mode.transform is None:
            continue
        cls = TRANSFORMS.get(f'mmppml.{mode.transform}')
        assert cls.shuffles == mode.shuffles and (not cls.shuffles) == mode.keeps_layout, mode.name


# Fault injection: outputs that used to equal (or scale) their input ----------------------------------


@pytest.mark.parametrize('build, reference', [
    (lambda: RandomPatchShuffle(patch_size=8, seed=0), lambda img: img),
    (lambda: ShuffledMixSubPatches(16, 8, seed=0), lambda img: mix_subpatches(img, 16, 8)),
    (lambda: NoisyShuffledMix(16, 8, sigma=0., seed=0), lambda img: mix_subpatches(img, 16, 8)),
])
def test_shuffles_never_hand_back_the_image_as_it_was(build, reference):
    """4 distinct blocks: 1 draw in 24 is the identity, handed back unshuffled ~21 times in 500 without the redraw."""
    transform = build()
    img = image(16, 16) if isinstance(transform, RandomPatchShuffle) else image(32, 32)
    expected = reference(img)  # what is shuffled: the image, or its MI image
    assert len({block.tobytes() for block in to_blocks(np.ascontiguousarray(expected), 8)}) == 4
    for _ in range(500):
        assert not np.array_equal(transform(dict(img=img.copy()))['img'], expected)


def test_pixel_bags_never_leave_every_bag_in_place():
    transform, img = RandomPixelBags(patch_size=4, seed=0), image(8, 8)
    bags = sorted_block_values(img, 4)
    for _ in range(500):
        assert not np.array_equal(sorted_block_values(transform(dict(img=img.copy()))['img'], 4), bags)


@pytest.mark.parametrize('transform', [
    MixSubPatches(16, 8, size_mismatch='pad'),
    ShuffledMixSubPatches(16, 8, size_mismatch='pad'),
    RandomConvexMix(16, 8, size_mismatch='pad'),
    NoisyShuffledMix(16, 8, sigma=0., size_mismatch='pad'),
])
def test_mixing_never_hands_over_a_pixel_mixed_with_padding_only(transform):
    """An 8 x 8 image at P 16, S 8 used to come out as plain / 4, and so did the bottom-right 8 x 8 of a
    40 x 72 image: refused, and dropped (the padding value), respectively."""
    small = np.random.default_rng(0).integers(1, 256, (8, 8, 3), dtype=np.uint8)  # no zeros: padding is 0
    with pytest.raises(ValueError, match='8x8.*fits in one sub-patch'):
        transform(dict(img=small))
    photo = np.random.default_rng(1).integers(1, 256, (40, 72, 3), dtype=np.uint8)
    out = transform(dict(img=photo))['img']
    assert out.shape == (24, 40, 3)
    empty = [block for block in to_blocks(np.ascontiguousarray(out), 8) if not block.any()]
    assert len(empty) == 1  # the bottom-right one, shuffled or not; every other block holds mixed content
    if not transform.shuffles:
        assert not out[16:, 32:].any()


@pytest.mark.parametrize('size', [(8, 8), (9, 23), (17, 40), (40, 72), (30, 37), (25, 25), (5, 70)])
def test_no_pixel_of_content_is_mixed_with_padding_only(size):
    """Mixing an image of ones counts the content pixels behind each output pixel: never exactly one."""
    ones = np.ones(size + (1, ), np.float32)
    try:
        counts = MixSubPatches(16, 8, size_mismatch='pad')(dict(img=ones))['img'] * 4
    except ValueError as e:
        assert size == (8, 8) and 'fits in one sub-patch' in str(e)
        return
    assert counts.max() >= 2 and not np.isclose(counts, 1).any()


def test_pad_val_must_be_finite_and_fit_the_image():
    for bad in (float('nan'), float('inf')):
        with pytest.raises(ValueError, match='pad_val must be a finite number'):
            RandomPatchShuffle(patch_size=8, size_mismatch='pad', pad_val=bad)
    img = image(30, 37)
    for pad_val in (300, -1, 9.7):
        transform = RandomPatchShuffle(8, 'pad', pad_val) if pad_val == 300 else MixSubPatches(16, 8, 'pad', pad_val)
        with pytest.raises(ValueError, match=r'pad_val=.* does not fit a uint8 image'):
            transform(dict(img=img))
    # A float image holds them; an aligned image is not padded at all.
    assert RandomPatchShuffle(8, 'pad', pad_val=300)(dict(img=img.astype(np.float32)))['img'].max() == 300
    RandomPatchShuffle(8, 'pad', pad_val=300)(dict(img=image(32, 32)))
