import numpy as np
import pytest
from mmcv.transforms import Compose
from mmengine.registry import init_default_scope

from mmppml.crypto import mix_subpatches, random_patch_shuffle, to_blocks
from mmppml.crypto.keyed_scramble import apply_scramble, new_scramble_key
from mmppml.datasets import check_encrypted_pipeline

LOAD, PACK = dict(type='LoadImageFromFile'), dict(type='PackInputs')
FLIP = dict(type='RandomFlip', prob=0.5, direction='horizontal')


def test_flips_commute_with_mi_exactly_and_with_rs_up_to_a_permutation():
    # Why the check lets flips through on encrypted images (but not after a keyed scramble).
    img = np.random.default_rng(2).integers(0, 256, (32, 48, 3), dtype=np.uint8)
    for flip in (lambda x: x[:, ::-1], lambda x: x[::-1]):
        np.testing.assert_array_equal(flip(mix_subpatches(img, 16, 8)), mix_subpatches(flip(img), 16, 8))
        flipped_rs = flip(random_patch_shuffle(img, 8))
        assert sorted(b.tobytes() for b in to_blocks(flipped_rs, 8)) == \
            sorted(b.tobytes() for b in to_blocks(flip(img), 8))  # an RS image of the flipped photo
        key = new_scramble_key(8, 3, seed=0)
        assert not np.array_equal(flip(apply_scramble(img, key)), apply_scramble(flip(img), key))


@pytest.mark.parametrize('pipeline', [
    [LOAD, dict(type='RandomResizedCrop', scale=32), FLIP,
     dict(type='mmppml.RandomPatchShuffle'), FLIP, PACK],
    [LOAD, dict(type='Resize', scale=(64, 64)),
     dict(type='mmppml.MixSubPatches'),
     dict(type='ColorJitter'), PACK],
    [LOAD, FLIP,
     dict(type='mmppml.ShuffledMixSubPatches'),
     dict(type='mmppml.KeyedScramble', key_file='k'), PACK],
])
def test_pipelines_that_keep_the_encryption_pass(pipeline):
    check_encrypted_pipeline(pipeline)


@pytest.mark.parametrize('pipeline,encrypted,keyed,match', [
    ([LOAD, dict(type='mmppml.RandomPatchShuffle'),
      dict(type='Resize', scale=(32, 32)), PACK], False, False, r'transform 2 \(Resize\)'),
    ([LOAD, dict(type='mmppml.MixSubPatches'),
      dict(type='mmdet.Pad', size_divisor=32), PACK], False, False, r'2 \(Pad\)'),
    ([
        LOAD,
        dict(type='mmppml.RandomPatchShuffle'),
        dict(type='RandomApply', transforms=[dict(type='Rotate', angle=10)]), PACK
    ], False, False, r'2\.0 \(Rotate\)'),
    ([LOAD, dict(type='mmppml.KeyedScramble', key_file='k'), FLIP, PACK], False, False, 'flips keyed'),
    ([LOAD, FLIP, dict(type='torchvision/CenterCrop', size=16), PACK], True, False, r'\(CenterCrop\)'),
    ([LOAD, dict(type='RandAugment', policies='timm_increasing'), PACK], True, False, 'cannot be checked'),
    ([LOAD, FLIP, PACK], True, True, 'flips keyed'),
    ([LOAD, dict(type='ColorJitter', brightness=0.2), PACK], True, True, 'changes colours'),
])
def test_pipelines_that_break_the_encryption_are_refused(pipeline, encrypted, keyed, match):
    with pytest.raises(ValueError, match=match):
        check_encrypted_pipeline(pipeline, encrypted_input=encrypted, keyed_input=keyed)


def test_check_reads_built_transforms():
    init_default_scope('mmpretrain')
    built = Compose([LOAD, dict(type='Resize', scale=(8, 8)), PACK]).transforms
    check_encrypted_pipeline(built)  # plain images: fine
    with pytest.raises(ValueError, match='Resize'):
        check_encrypted_pipeline(built, encrypted_input=True)
