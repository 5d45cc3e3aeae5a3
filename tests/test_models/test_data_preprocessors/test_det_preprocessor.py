"""EncryptingDetDataPreprocessor: its batch, boxes and metainfo equal the pipeline path (MixSubPatches last)."""
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate

from mmppml.crypto import new_scramble_key, save_key
from mmppml.models import EncryptingDetDataPreprocessor

NORM = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True)
META = ('img_shape', 'pad_shape', 'batch_input_shape', 'scale_factor')


def photo_results(h: int, w: int, seed: int, scale_factor=None) -> dict:
    """A BGR photo with two gt boxes and one ignored box, as the loading and resizing steps leave it."""
    from mmdet.structures.bbox import HorizontalBoxes
    rng = np.random.default_rng(seed)
    boxes = [[3., 5., w - 7., h - 2.], [10.5, 0., 30.25, 20.], [1., 1., 9., 9.]]
    results = dict(
        img=rng.integers(0, 256, (h, w, 3), dtype=np.uint8),
        img_shape=(h, w),
        ori_shape=(h, w),
        gt_bboxes=HorizontalBoxes(torch.tensor(boxes)),
        gt_bboxes_labels=np.array([0, 1, 1]),
        gt_ignore_flags=np.array([False, False, True]))
    if scale_factor is not None:
        results['scale_factor'] = scale_factor
    return results


def packed(steps: list, results: dict) -> dict:
    from mmdet.datasets.transforms import PackDetInputs
    for step in steps:
        results = step(results)
    return PackDetInputs()(results)


def both_paths(device_kwargs: dict, mi_divisor: int, key_file=None, training=False):
    """(pipeline-path output, device-path output) for the same two photos of sizes that are not multiples of P."""
    from mmdet.models.data_preprocessors import DetDataPreprocessor

    from mmppml.datasets import KeyedScramble, MixSubPatches
    photos = [dict(h=50, w=70, seed=0, scale_factor=(1.28, 1.28)), dict(h=64, w=40, seed=1)]
    mix = [MixSubPatches(16, 8, size_mismatch='pad')] + ([KeyedScramble(key_file)] if key_file else [])
    pipeline = DetDataPreprocessor(pad_size_divisor=mi_divisor, **NORM)
    device = EncryptingDetDataPreprocessor(
        mode='mi', patch_size=16, sub_patch_size=8, key_file=key_file, **device_kwargs, **NORM)
    ours = pipeline(pseudo_collate([packed(mix, photo_results(**p)) for p in photos]), training)
    theirs = device(pseudo_collate([packed([], photo_results(**p)) for p in photos]), training)
    return ours, theirs


def assert_same(ours: dict, theirs: dict, atol: float) -> None:
    assert ours['inputs'].shape == theirs['inputs'].shape
    torch.testing.assert_close(theirs['inputs'], ours['inputs'], rtol=0, atol=atol)
    for a, b in zip(ours['data_samples'], theirs['data_samples']):
        assert {k: a.metainfo[k] for k in META} == {k: b.metainfo[k] for k in META}
        for name in ('gt_instances', 'ignored_instances'):
            assert torch.equal(a.get(name).bboxes, b.get(name).bboxes), name
            assert torch.equal(a.get(name).labels, b.get(name).labels)


def rounding_tolerance(inputs: torch.Tensor, ratio: int = 2) -> float:
    """Normalising before mixing rounds differently from mixing the pixels first: each path rounds the
    normalisation twice and the sum of the r^2 sub-patches r^2 - 1 times, each rounding within half an
    ulp of the largest magnitude; (r^2 + 4) float32 epsilons of it bound both paths' distance."""
    return (ratio * ratio + 4) * torch.finfo(torch.float32).eps * float(inputs.abs().max())


@pytest.mark.parametrize('training', [True, False])
def test_batch_boxes_and_metainfo_equal_the_pipeline_path(training):
    ours, theirs = both_paths(dict(pad_size_divisor=16), mi_divisor=8, training=training)
    assert tuple(ours['inputs'].shape[-2:]) == (32, 40)  # 64 x 80 photo pixels, halved
    assert_same(ours, theirs, rounding_tolerance(ours['inputs']))
    first = theirs['data_samples'][0]
    assert first.img_shape == (32, 40) and first.scale_factor == (0.64, 0.64)  # a 1.28 resize, then MI


def test_photo_divisor_is_aligned_to_the_patch_size():
    """pad_size_divisor counts photo pixels: 24 (not a multiple of P=16) becomes their least common multiple, 48."""
    ours, theirs = both_paths(dict(pad_size_divisor=24), mi_divisor=24)
    assert tuple(theirs['inputs'].shape[-2:]) == (48, 48) == tuple(ours['inputs'].shape[-2:])  # 96 x 96 photo px
    assert_same(ours, theirs, rounding_tolerance(ours['inputs']))


def test_keyed_scramble_on_the_device_equals_the_pipeline_transform(tmp_path):
    save_key(tmp_path / 'key.npz', new_scramble_key(8, 3, seed=0))
    ours, theirs = both_paths(dict(pad_size_divisor=16), mi_divisor=8, key_file=str(tmp_path / 'key.npz'))
    # 255 - v is rounded once more on the normalised scale than on pixels
    assert_same(ours, theirs, 2 * rounding_tolerance(ours['inputs']))


def test_predictions_come_back_in_photo_pixels():
    """MI shrinks the boxes, the recorded scale factor brings them back: a box predicted on the MI image maps to
    twice its coordinates on a photo that was not resized."""
    from mmdet.structures.bbox import scale_boxes
    _, theirs = both_paths(dict(pad_size_divisor=16), mi_divisor=8)
    sample = theirs['data_samples'][1]  # 64 x 40 photo, scale factor 1 before MI
    mi_box = torch.tensor([[4., 6., 12., 30.]])
    photo_box = scale_boxes(mi_box, [1 / s for s in sample.scale_factor])
    torch.testing.assert_close(photo_box, mi_box * 2)


def test_refusals():
    with pytest.raises(ValueError, match='keep the layout'):
        EncryptingDetDataPreprocessor(mode='rs', patch_size=16)
    with pytest.raises(ValueError, match='mix nothing'):
        EncryptingDetDataPreprocessor(mode='mi', patch_size=16, sub_patch_size=16)
    from mmdet.structures.mask import BitmapMasks
    results = photo_results(32, 32, 0)
    results['gt_masks'] = BitmapMasks(np.zeros((3, 32, 32), np.uint8), 32, 32)
    pre = EncryptingDetDataPreprocessor(mode='mi', patch_size=16, sub_patch_size=8, **NORM)
    with pytest.raises(ValueError, match='masks'):
        pre(pseudo_collate([packed([], results)]))


def test_unclear_batches_settings_and_padding_are_refused_by_name():
    pre = EncryptingDetDataPreprocessor(patch_size=16, sub_patch_size=8, **NORM)
    with pytest.raises(ValueError, match='the batch is empty'):
        pre(dict(inputs=[], data_samples=[]))
    with pytest.raises(ValueError, match='4-channel images, but mean and std have 3'):
        pre(dict(inputs=[torch.zeros(4, 32, 32, dtype=torch.uint8)], data_samples=None))
    with pytest.raises(ValueError, match='pad_size_divisor must be a positive integer, got 2.5'):
        EncryptingDetDataPreprocessor(pad_size_divisor=2.5)
    with pytest.raises(ValueError, match='pixel_pad_value must be a finite number'):
        EncryptingDetDataPreprocessor(pixel_pad_value=float('nan'))
    with pytest.raises(ValueError, match='pixel_pad_value=300 does not fit torch.uint8'):
        EncryptingDetDataPreprocessor(pixel_pad_value=300)(dict(inputs=[torch.zeros(3, 30, 32, dtype=torch.uint8)]))
    # MI of the padded images: the 8 x 8 image and the bottom-right 8 x 8 of 40 x 72 used to come out as plain / 4.
    pre = EncryptingDetDataPreprocessor(patch_size=16, sub_patch_size=8)
    with pytest.raises(ValueError, match='8x8.*fits in one sub-patch'):
        pre(dict(inputs=[torch.randint(1, 256, (3, 8, 8), dtype=torch.uint8)], data_samples=None))
    out = pre(dict(inputs=[torch.randint(1, 256, (3, 40, 72), dtype=torch.uint8)], data_samples=None))['inputs']
    assert out.shape == (1, 3, 24, 40) and not out[0, :, 16:, 32:].any() and out[0, :, :16].all()
