"""The audit tool on a config whose own datasets (tiny image folders) are the private and public images."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip('skimage')
pytest.importorskip('torch')

TOOL = Path(__file__).resolve().parents[2] / 'tools' / 'analysis_tools' / 'privacy_audit.py'
CONFIG = """
default_scope = 'mmpretrain'
custom_imports = dict(imports=['mmppml'], allow_failed_imports=False)
model = dict(type='ImageClassifier', data_preprocessor={preprocessor})
pipeline = [dict(type='LoadImageFromFile'), dict(type='RandomResizedCrop', scale=32), dict(type='PackInputs')]
train_dataloader = dict(dataset=dict(type='CustomDataset', data_root='{root}/train', pipeline=pipeline))
val_dataloader = dict(dataset=dict(type='CustomDataset', data_root='{root}/val', pipeline=pipeline))
"""


def write_split(root: Path, n: int, seed: int):
    rng = np.random.default_rng(seed)
    for i in range(n):
        (root / f'c{i % 2}').mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (36, 36, 3)).astype(np.uint8)).save(root / f'c{i % 2}' / f'{i}.png')


def audit(tmp_path, preprocessor, *extra):
    (tmp_path / 'cfg.py').write_text(CONFIG.format(root=tmp_path, preprocessor=preprocessor))
    return subprocess.run([
        sys.executable,
        str(TOOL),
        str(tmp_path / 'cfg.py'), '--quick', '--device', 'cpu', '--gallery', '8', '--targets', '16', '--out',
        str(tmp_path / 'out'), *extra
    ],
                          capture_output=True,
                          text=True,
                          timeout=300)


def test_the_config_datasets_are_audited_at_its_setting(tmp_path):
    write_split(tmp_path / 'train', 24, 0)
    write_split(tmp_path / 'val', 20, 1)
    proc = audit(
        tmp_path, "dict(type='mmppml.EncryptingClsDataPreprocessor', mode='rs-on-mi', patch_size=8, "
        'sub_patch_size=4)')
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert '[audit' in proc.stdout  # progress is shown
    results = json.loads((tmp_path / 'out' / 'results.json').read_text())
    assert results['label'] == 'RS-on-MI-8/4' and results['side'] == 32 and results['gallery'] == 8
    assert results['private']['images'] == 20 and results['public']['images'] == 24
    assert results['summary']['linkage']['top1'] == 1.0  # the mixed blocks are kept, as a set
    assert (tmp_path / 'out' / 'figure.png').exists() and (tmp_path / 'out' / 'report.md').exists()


def test_a_config_that_encrypts_nothing_is_refused(tmp_path):
    proc = audit(tmp_path, "dict(type='ClsDataPreprocessor')")
    assert proc.returncode == 2 and 'no encryption found' in proc.stderr


def test_cfg_options_change_what_is_audited(tmp_path):
    proc = audit(tmp_path, "dict(type='mmppml.EncryptingClsDataPreprocessor', mode='rs', patch_size=8)",
                 '--cfg-options', 'model.data_preprocessor.mode=plain')
    assert proc.returncode == 2 and "mode 'plain', which encrypts nothing" in proc.stderr
