import json
import os.path as osp

import cv2
import numpy as np
import pytest
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmppml.crypto import mix_subpatches, random_patch_shuffle, to_blocks
from mmppml.crypto.keyed_scramble import apply_scramble, invert_scramble, new_scramble_key, save_key
from mmppml.datasets.encrypted_folder import EncryptedImageFolder
from mmppml.datasets.keyed_transforms import KeyedScramble, check_encrypted_pipeline
from mmppml.offline import EncryptionSpec, encrypt_dataset
from mmppml.registry import DATASETS, TRANSFORMS

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', 'configs', 'encrypted')
LOAD, PACK = dict(type='LoadImageFromFile'), dict(type='PackInputs')
FLIP = dict(type='RandomFlip', prob=0.5, direction='horizontal')


@pytest.fixture(scope='module')
def plain_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp('plain')
    rng = np.random.default_rng(0)
    for label in ('a', 'b'):
        (root / label).mkdir()
        for i in range(3):
            cv2.imwrite(str(root / label / f'{i}.png'), rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))
    return root


def encrypted_copy(plain_folder, tmp_path, mode, keyed=False, **spec):
    out = tmp_path / f'enc-{mode}{"-keyed" if keyed else ""}'
    key_file = tmp_path / f'key-{mode}.npz' if keyed else None
    summary = encrypt_dataset(plain_folder, out, EncryptionSpec(mode=mode, **spec), key_file=key_file,
                              new_key=keyed, progress_stream=None)
    assert summary.exit_code == 0
    return out


def test_keyed_scramble_transform_matches_the_numpy_scramble(tmp_path):
    key = new_scramble_key(8, 3, seed=0)
    save_key(tmp_path / 'k.npz', key)
    transform = TRANSFORMS.build(dict(type='mmppml.KeyedScramble', key_file=str(tmp_path / 'k.npz')))
    assert isinstance(transform, KeyedScramble)
    img = np.random.default_rng(1).integers(0, 256, (32, 48, 3), dtype=np.uint8)
    out = transform(dict(img=img.copy(), img_shape=(32, 48)))
    np.testing.assert_array_equal(out['img'], apply_scramble(img, key))
    assert out['img_shape'] == (32, 48)
    mixed = mix_subpatches(img, 16, 8)  # float32 MI output on the uint8 scale: inverted as 255 - v
    scrambled = transform(dict(img=mixed))['img']
    np.testing.assert_array_equal(scrambled, apply_scramble(mixed, key, float_max=255.))
    assert scrambled.min() >= 0 and scrambled.max() <= 255  # the sign mask does not show as negatives
    np.testing.assert_allclose(invert_scramble(scrambled, key, float_max=255.), mixed, atol=1e-4)
    assert 'pixel_perm' not in repr(transform) and str(key.pixel_perm[:3])[1:-1] not in repr(transform)
    with pytest.raises(ValueError, match='multiple of key block_size=8'):
        transform(dict(img=img[:30]))


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
    [LOAD, dict(type='RandomResizedCrop', scale=32), FLIP, dict(type='mmppml.RandomPatchShuffle'), FLIP, PACK],
    [LOAD, dict(type='Resize', scale=(64, 64)), dict(type='mmppml.MixSubPatches'), dict(type='ColorJitter'), PACK],
    [LOAD, FLIP, dict(type='mmppml.ShuffledMixSubPatches'), dict(type='mmppml.KeyedScramble', key_file='k'), PACK],
])
def test_pipelines_that_keep_the_encryption_pass(pipeline):
    check_encrypted_pipeline(pipeline)


@pytest.mark.parametrize('pipeline,encrypted,keyed,match', [
    ([LOAD, dict(type='mmppml.RandomPatchShuffle'), dict(type='Resize', scale=(32, 32)), PACK], False, False,
     r'transform 2 \(Resize\)'),
    ([LOAD, dict(type='mmppml.MixSubPatches'), dict(type='mmdet.Pad', size_divisor=32), PACK], False, False,
     r'2 \(Pad\)'),
    ([LOAD, dict(type='mmppml.RandomPatchShuffle'),
      dict(type='RandomApply', transforms=[dict(type='Rotate', angle=10)]), PACK], False, False,
     r'2\.0 \(Rotate\)'),
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


def test_encrypted_folder_reads_a_copy_and_refuses_breaking_pipelines(plain_folder, tmp_path):
    init_default_scope('mmpretrain')
    root = encrypted_copy(plain_folder, tmp_path, 'rs', patch_size=8)
    dataset = EncryptedImageFolder(data_root=str(root), pipeline=[LOAD, FLIP, PACK])
    assert len(dataset) == 6 and dataset.metainfo['classes'] == ('a', 'b')
    assert tuple(dataset[0]['inputs'].shape) == (3, 32, 32)
    with pytest.raises(ValueError, match='RandomResizedCrop'):
        EncryptedImageFolder(data_root=str(root), pipeline=[LOAD, dict(type='RandomResizedCrop', scale=32), PACK])

    keyed = encrypted_copy(plain_folder, tmp_path, 'rs', keyed=True, patch_size=8)
    with pytest.raises(ValueError, match='flips keyed'):
        EncryptedImageFolder(data_root=str(keyed), pipeline=[LOAD, FLIP, PACK])

    manifest = json.loads((root / 'manifest.json').read_text())
    manifest['complete'] = False
    (root / 'manifest.json').write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match='incomplete'):
        EncryptedImageFolder(data_root=str(root), pipeline=[LOAD, PACK])
    with pytest.raises(FileNotFoundError, match='tools/encrypt_dataset.py'):
        EncryptedImageFolder(data_root=str(plain_folder), pipeline=[LOAD, PACK])


@pytest.mark.parametrize('config,mode,keyed,spec,size', [
    ('pevit-rs-small-p16_4xb256_in1k-encrypted.py', 'rs', False, dict(patch_size=16), 32),
    ('pevit-rsmi-small-p16s8_4xb256_in1k-encrypted.py', 'rs-on-mi', False, dict(patch_size=16, sub_patch_size=8), 16),
    ('pevit-rsmi-small-p16s8-keyed_4xb256_in1k-encrypted.py', 'rs-on-mi', True,
     dict(patch_size=16, sub_patch_size=8), 16),
])
def test_encrypted_configs_build_their_datasets(plain_folder, tmp_path, config, mode, keyed, spec, size):
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(osp.join(CONFIG_DIR, config))
    root = encrypted_copy(plain_folder, tmp_path, mode, keyed=keyed, **spec)
    for split in ('train_dataloader', 'val_dataloader'):
        ds_cfg = cfg[split].dataset
        ds_cfg.update(data_root=str(root.parent), data_prefix=root.name)  # instead of <data_root>/train
        dataset = DATASETS.build(ds_cfg)
        assert tuple(dataset[0]['inputs'].shape) == (3, size, size)
    backbone = cfg.model.backbone
    assert backbone.patch_size == (16 if mode == 'rs' else 8) and backbone.img_size == 14 * backbone.patch_size
    assert cfg.model.train_cfg is None  # no Mixup/CutMix on encrypted images
