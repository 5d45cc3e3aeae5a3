"""What an offline encryption does to each image's size (mmppml/offline/spec.py)."""
import json

import pytest

from mmppml.offline import EncryptionError, EncryptionSpec, LockedError, OutputError

SIZES = [(28, 28), (32, 48), (33, 47), (480, 640), (641, 479), (17, 300), (8, 8)]


def test_error_classes_carry_their_exit_codes():
    assert (EncryptionError.exit_code, OutputError.exit_code, LockedError.exit_code) == (2, 4, 5)
    assert issubclass(OutputError, EncryptionError) and issubclass(LockedError, EncryptionError)
    assert issubclass(EncryptionError, ValueError)


@pytest.mark.parametrize('mode, s, block, shrink', [('rs', None, 16, 1), ('mi', 4, 4, 4), ('rs-on-mi', 8, 8, 2)])
def test_block_size_and_shrink_follow_the_mode(mode, s, block, shrink):
    spec = EncryptionSpec(mode, 16, s, size_mismatch='pad')
    assert (spec.block_size, spec.shrink) == (block, shrink)
    for h, w in SIZES:
        ah, aw = spec.aligned_size(h, w)
        assert spec.output_size(h, w) == (ah // shrink, aw // shrink)


@pytest.mark.parametrize('h, w', SIZES)
def test_alignment_crops_or_pads_to_the_nearest_multiples(h, w):
    crop = EncryptionSpec('mi', 8, 4, size_mismatch='crop')
    pad = EncryptionSpec('mi', 8, 4, size_mismatch='pad')
    assert crop.aligned_size(h, w) == (h // 8 * 8, w // 8 * 8)
    assert pad.aligned_size(h, w) == (-(-h // 8) * 8, -(-w // 8) * 8)
    strict = EncryptionSpec('mi', 8, 4)
    if h % 8 or w % 8:
        with pytest.raises(EncryptionError, match='use --resize or --size-mismatch crop|pad'):
            strict.aligned_size(h, w)
    else:
        assert strict.aligned_size(h, w) == (h, w)


@pytest.mark.parametrize('h, w', SIZES)
def test_resize_gives_its_size_whatever_the_input(h, w):
    spec = EncryptionSpec('mi', 8, 4, resize=(32, 48))
    assert spec.resized_size(h, w) == spec.aligned_size(h, w) == (32, 48)
    assert spec.output_size(h, w) == (16, 24)


@pytest.mark.parametrize('h, w', SIZES)
def test_short_side_keeps_the_aspect_ratio_within_half_a_patch(h, w):
    p, short = 8, 24
    spec = EncryptionSpec('mi', p, 4, short_side=short)
    rh, rw = spec.resized_size(h, w)
    assert rh % p == 0 and rw % p == 0 and spec.aligned_size(h, w) == (rh, rw)
    assert min(rh, rw) == short
    long_side, exact = (rw, w * short / h) if h <= w else (rh, h * short / w)
    assert abs(long_side - exact) <= p / 2 or long_side == p  # at least one patch


def test_without_resize_the_size_is_kept():
    assert EncryptionSpec('rs', 8).resized_size(37, 51) == (37, 51)


@pytest.mark.parametrize('kwargs, message', [
    (dict(mode='mi', patch_size=8), 'sub_patch_size'),
    (dict(mode='nope', patch_size=8), 'nope'),
    (dict(mode='rs', patch_size=8, resize=(32, 36)), r'resize width=36 is not a multiple of patch_size=8 '
     r'\(nearest: 32 or 40\)'),
    (dict(mode='rs', patch_size=8, resize=(4, 32)), r'\(nearest: 8 or 8\)'),
    (dict(mode='rs', patch_size=8, resize=(32, )), r'resize must be \(H, W\)'),
    (dict(mode='rs', patch_size=8, resize=(True, 32)), 'resize height must be a positive integer'),
    (dict(mode='rs', patch_size=8, resize=(32, 32), short_side=32), 'not both'),
    (dict(mode='rs', patch_size=8, short_side=12), 'short_side=12 is not a multiple'),
    (dict(mode='rs', patch_size=8, size_mismatch='stretch'), 'size_mismatch must be one of'),
    (dict(mode='rs', patch_size=8, resize=(8, 8)), r'8x8 \(HxW\) images: a 1x1 grid'),
    (dict(mode='rs-on-mi', patch_size=8, sub_patch_size=4, resize=(8, 16)), r'8x16 \(HxW\) images: a 1x2 grid'),
])
def test_bad_specs_are_refused_with_the_reason(kwargs, message):
    with pytest.raises(EncryptionError, match=message):
        EncryptionSpec(**kwargs)


def test_mi_may_have_a_single_patch_as_it_shuffles_nothing():
    assert EncryptionSpec('mi', 8, 4, resize=(8, 8)).output_size(100, 100) == (4, 4)


def test_the_spec_is_a_json_record_of_itself():
    spec = EncryptionSpec('rs-on-mi', 8, 4, resize=[16, 24], grayscale=True)
    assert spec.resize == (16, 24) and spec.channels == 1 and not spec.keeps_layout
    record = json.loads(json.dumps(spec.to_dict()))
    assert record == dict(
        mode='rs-on-mi',
        patch_size=8,
        sub_patch_size=4,
        resize=[16, 24],
        short_side=None,
        size_mismatch='error',
        grayscale=True)
    assert EncryptionSpec(**record) == spec
    assert EncryptionSpec('mi', 8, 4).keeps_layout and EncryptionSpec('rs', 8).channels == 3
