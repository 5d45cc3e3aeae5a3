"""tools/train.py and tools/test.py end to end: 2-process CPU training, checkpoints, resume; the demo."""
import json
import os
import os.path as osp
import pickle
import re
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer

from mmppml.idx import write_idx
from mmppml.utils import register_safe_globals

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
NUM_IMAGES = 16  # 8 per class; 2 processes x batch 2 -> 4 iterations per epoch

TINY_CONFIG = """
default_scope = 'mmpretrain'
custom_imports = dict(imports=['mmppml'], allow_failed_imports=False)
model = dict(
    type='ImageClassifier',
    backbone=dict(type='mmppml.PEViT', arch=dict(embed_dims=32, num_layers=2, num_heads=2,
                  feedforward_channels=64), img_size=32, patch_size=8, init_cfg=None),
    head=dict(type='LinearClsHead', num_classes=2, in_channels=32,
              loss=dict(type='CrossEntropyLoss')))
data_preprocessor = dict(num_classes=2, mean=[127.5] * 3, std=[64.0] * 3, to_rgb=True)
pipeline = [dict(type='LoadImageFromFile'), dict(type='mmppml.RandomPatchShuffle', patch_size=8),
            dict(type='PackInputs')]
dataset = dict(type='CustomDataset', data_root={data_root!r}, pipeline=pipeline)
train_dataloader = dict(batch_size=2, num_workers=0, dataset=dataset,
                        sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(batch_size=4, num_workers=0, dataset=dataset,
                      sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-3))
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=3)]
train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=1)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(logger=dict(type='LoggerHook', interval=1),
                     checkpoint=dict(type='CheckpointHook', interval=1))
env_cfg = dict(dist_cfg=dict(backend='nccl'))
randomness = dict(seed=0)
"""


@pytest.fixture(scope='module')
def tiny_config(tmp_path_factory):
    """A config training a tiny RS-PEViT on 16 generated 32-px PNGs (dark vs bright class)."""
    root = tmp_path_factory.mktemp('tiny')
    rng = np.random.default_rng(0)
    for label, (low, high) in enumerate([(0, 100), (155, 256)]):
        folder = root / 'data' / f'class{label}'
        folder.mkdir(parents=True)
        for i in range(NUM_IMAGES // 2):
            cv2.imwrite(str(folder / f'{i}.png'), rng.integers(low, high, (32, 32, 3), dtype=np.uint8))
    config = root / 'tiny_rs_pevit.py'
    config.write_text(TINY_CONFIG.format(data_root=str(root / 'data')))
    return config


def run(cmd, cwd):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore')
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    return output


def torchrun(script, *args, cwd):
    return run([
        sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '2', '--master_port',
        str(29500 + os.getpid() % 1000),
        osp.join(ROOT, 'tools', script), *map(str, args), '--launcher', 'pytorch'
    ], cwd)


def train_iterations(log: str):
    """(epoch, iteration in epoch, iterations per epoch) of every logged training step."""
    return [tuple(map(int, m)) for m in re.findall(r'Epoch\(train\)\s+\[(\d+)\]\[\s*(\d+)/(\d+)\]', log)]


@pytest.fixture(scope='module')
def trained(tiny_config, tmp_path_factory):
    """Two processes (torchrun, gloo on CPU) train the tiny model for two epochs."""
    work_dir = tmp_path_factory.mktemp('work')
    log = torchrun('train.py', tiny_config, '--work-dir', work_dir, cwd=work_dir)
    return work_dir, log


def test_two_process_training(trained):
    work_dir, log = trained
    assert 'Distributed training: True' in log
    # The distributed sampler splits the 16 images: 2 ranks x batch 2 -> 4 iterations per epoch.
    steps = train_iterations(log)
    assert steps[-1] == (2, 4, 4), steps
    assert {s[2] for s in steps} == {NUM_IMAGES // 4}
    assert re.search(r'Epoch\(val\) \[2\]\[\d+/\d+\]\s+accuracy/top1', log)
    assert osp.isfile(work_dir / 'epoch_2.pth')


def test_checkpoint_loads_with_weights_only(trained):
    work_dir, _ = trained
    ckpt_file = work_dir / 'epoch_2.pth'
    before = torch.serialization.get_safe_globals()
    torch.serialization.clear_safe_globals()
    try:
        with pytest.raises(pickle.UnpicklingError):  # what MMEngine's resume hits on torch >= 2.6
            torch.load(ckpt_file, map_location='cpu', weights_only=True)
        register_safe_globals()
        ckpt = torch.load(ckpt_file, map_location='cpu', weights_only=True)
    finally:
        torch.serialization.clear_safe_globals()
        torch.serialization.add_safe_globals(before)
    assert ckpt['meta']['epoch'] == 2 and ckpt['meta']['iter'] == 8
    assert any(k.startswith('backbone.patch_embed') for k in ckpt['state_dict'])
    assert {'optimizer', 'message_hub', 'param_schedulers'} <= set(ckpt)


def test_safe_globals_refuse_other_attributes(tmp_path):
    """The allow-list reaches HistoryBuffer's statistics methods, nothing else through getattr."""
    register_safe_globals()
    good, bad = tmp_path / 'good.pth', tmp_path / 'bad.pth'
    torch.save({'m': HistoryBuffer.mean}, good)  # protocol 2: pickled as getattr(HistoryBuffer, 'mean')
    torch.save({'m': HistoryBuffer.update}, bad)
    assert torch.load(good, weights_only=True)['m'] is HistoryBuffer.mean
    with pytest.raises(Exception, match='only the statistics methods'):
        torch.load(bad, weights_only=True)


def test_resume_continues(trained, tiny_config):
    work_dir, _ = trained
    log = torchrun(
        'train.py',
        tiny_config,
        '--work-dir',
        work_dir,
        '--resume',
        work_dir / 'epoch_2.pth',
        '--cfg-options',
        'train_cfg.max_epochs=3',
        cwd=work_dir)
    assert re.search(r'resumed epoch: 2, iter: 8', log), log[-3000:]
    steps = train_iterations(log)
    assert steps and all(epoch == 3 for epoch, _, _ in steps), steps  # no epoch trained again
    ckpt = torch.load(work_dir / 'epoch_3.pth', map_location='cpu', weights_only=False)
    assert ckpt['meta']['iter'] == 12


def test_test_tool_dumps_predictions(trained, tiny_config):
    work_dir, _ = trained
    out = work_dir / 'preds.pkl'
    log = run([
        sys.executable,
        osp.join(ROOT, 'tools', 'test.py'),
        str(tiny_config),
        str(work_dir / 'epoch_2.pth'), '--work-dir',
        str(work_dir), '--out',
        str(out)
    ], work_dir)
    assert re.search(r'Epoch\(test\) \[\d+/\d+\]\s+accuracy/top1', log)
    with open(out, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == NUM_IMAGES and all(p['pred_score'].shape == (2, ) for p in preds)


def test_demo_quick(tmp_path):
    """The demo un-gzips the data (leaving the source alone), trains, and writes its reports."""
    rng = np.random.default_rng(0)
    src = tmp_path / 'src'
    src.mkdir()
    for split, n in (('train', 300), ('t10k', 200)):
        write_idx(str(src / f'{split}-images-idx3-ubyte.gz'), rng.integers(0, 256, (n, 28, 28)))
        write_idx(str(src / f'{split}-labels-idx1-ubyte.gz'), rng.integers(0, 10, n))
    before = sorted(os.listdir(src))
    work_dir, cache = tmp_path / 'work', tmp_path / 'cache'
    log = run([
        sys.executable,
        osp.join(ROOT, 'tools', 'demo', 'demo.py'), '--quick', '--configs', 'rs-on-mi', '--seeds', '2', '--data',
        str(src), '--data-cache',
        str(cache), '--work-dir',
        str(work_dir)
    ], tmp_path)
    assert sorted(os.listdir(src)) == before
    assert (cache / 't10k-images-idx3-ubyte').stat().st_size == 16 + 200 * 28 * 28  # un-gzipped
    assert 'RS-on-MI-PEViT' in log and 'not a result' in log
    results = json.loads((work_dir / 'results.json').read_text())
    res = results['models']['rs-on-mi']
    runs = res['runs']
    assert [r['seed'] for r in runs] == [0, 1] and all(r['returncode'] == 0 for r in runs)
    top1 = [r['top1'] for r in runs]
    assert res['top1']['mean'] == pytest.approx(np.mean(top1), abs=0.01)
    assert res['top1']['std'] == pytest.approx(np.std(top1, ddof=1), abs=0.01)
    assert res['gap_to_plain'] is None  # no plain model in this run
    assert (work_dir / 'samples.png').stat().st_size > 0


def test_demo_summary_pairs_seeds_for_the_gap_to_plain():
    demo = load_demo()
    runs = {
        'plain': [dict(seed=0, top1=80., wall_s=1.),
                  dict(seed=1, top1=82., wall_s=1.)],
        'rs':
        [dict(seed=0, top1=79., wall_s=1.),
         dict(seed=1, top1=79., wall_s=1.),
         dict(seed=2, top1=None, wall_s=1.)]
    }  # a failed run counts in neither
    summary = demo.summarize(runs)
    assert summary['plain']['top1'] == dict(mean=81., std=1.41, n=2)
    assert summary['rs']['top1']['mean'] == 79. and summary['rs']['top1']['n'] == 2
    assert summary['rs']['gap_to_plain'] == dict(mean=-2., std=1.41, n=2)  # -1 and -3
    assert summary['plain']['gap_to_plain'] is None


def load_demo():
    import importlib.util
    spec = importlib.util.spec_from_file_location('demo_tool', osp.join(ROOT, 'tools', 'demo', 'demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
