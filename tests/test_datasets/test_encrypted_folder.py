import json
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmppml.datasets.encrypted_folder import EncryptedImageFolder
from mmppml.offline import EncryptionSpec, encrypt_dataset
from mmppml.registry import DATASETS

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
    summary = encrypt_dataset(
        plain_folder, out, EncryptionSpec(mode=mode, **spec), key_file=key_file, new_key=keyed, progress_stream=None)
    assert summary.exit_code == 0
    return out


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
    ('pevit-small-rs-p16_4xb256_in1k-encrypted.py', 'rs', False, dict(patch_size=16), 32),
    ('pevit-small-rsmi-p16s8_4xb256_in1k-encrypted.py', 'rs-on-mi', False, dict(patch_size=16, sub_patch_size=8), 16),
    ('pevit-small-rsmi-keyed-p16s8_4xb256_in1k-encrypted.py', 'rs-on-mi', True, dict(patch_size=16,
                                                                                     sub_patch_size=8), 16),
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
