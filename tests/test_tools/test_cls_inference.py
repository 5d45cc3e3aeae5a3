"""RS and MI demo classifiers trained by tools/train.py, run by mmpretrain's ImageClassificationInferencer.

The inferencer takes the encryption from the config (the data preprocessor pads and encrypts plain
28 x 28 images) and gives the scores tools/test.py gives for the same test images: exactly the same
function for MI, and for RS because the position-free PEViT ignores the order of the shuffled patches.
"""
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import pytest

from projects.fashion_mnist_privacy.experiments.fashion_mnist import FASHION_MNIST_DIR, load_fashion_mnist
from projects.fashion_mnist_privacy.experiments.fashion_runs import prepare_data

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = {
    'rs': 'configs/demo/pevit-tiny-rs-p8_1xb128-3e_fashion-mnist.py',
    'mi': 'configs/demo/pevit-tiny-mi-p8s4_1xb128-3e_fashion-mnist.py',
}


def tool(name, *args, cwd):
    proc = subprocess.run([sys.executable, osp.join(ROOT, 'tools', f'{name}.py'), *map(str, args)],
                          cwd=cwd,
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.parametrize('mode', ['rs', 'mi'])
def test_inferencer_on_plain_images_equals_tools_test(mode, tmp_path):
    from mmengine.registry import DefaultScope
    from mmpretrain import ImageClassificationInferencer
    data = prepare_data(FASHION_MNIST_DIR, str(tmp_path / 'data'), log=lambda line: None)
    config = tmp_path / f'{mode}.py'
    config.write_text(f'''_base_ = {osp.join(ROOT, CONFIGS[mode])!r}
train_dataloader = dict(dataset=dict(data_root={data!r}, indices=128))
val_dataloader = dict(dataset=dict(data_root={data!r}, indices=16))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=1, val_interval=2)
''')
    tool('train', config, '--work-dir', tmp_path / 'work', cwd=tmp_path)
    checkpoint = tmp_path / 'work' / 'epoch_1.pth'
    tool('test', config, checkpoint, '--out', tmp_path / 'preds.pkl', '--work-dir', tmp_path / 'test', cwd=tmp_path)
    with open(tmp_path / 'preds.pkl', 'rb') as f:
        expected = np.stack([np.asarray(p['pred_score']) for p in pickle.load(f)])
    images = load_fashion_mnist('test', limit=16)
    from mmppml.utils import register_safe_globals
    register_safe_globals()  # this process may have imported part of mmppml before torch (other test files do)
    with DefaultScope.overwrite_default_scope('mmpretrain'):  # the inferencer builds its pipeline in the current scope
        inferencer = ImageClassificationInferencer(str(config), pretrained=str(checkpoint), device='cpu')
        got = np.stack([np.asarray(r['pred_scores']) for r in inferencer(list(images))])
    assert got.shape == expected.shape == (16, 10)
    assert np.ptp(got, axis=0).max() > 1e-3  # the scores depend on the image
    np.testing.assert_allclose(got, expected, atol=1e-5)
