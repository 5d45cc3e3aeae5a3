"""tools/analysis_tools/benchmark.py: a quick run of every suite, and the helpers its ratios rest on."""
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from mmppml.benchmarks.baselines import mi_python_loop, mi_torch_tokens, rs_python_loop, rs_torch_tokens
from mmppml.benchmarks.timing import ratios, time_interleaved
from mmppml.crypto import mix_subpatches, shuffle_patches

TOOLS = Path(__file__).resolve().parents[2] / 'tools' / 'analysis_tools'

# Rows of a --quick run: 2 image sizes x 16, 3 encryptions x (JPEG, PNG, data loader) in the pipeline, forward
# (PEViT and PEViT-MI) and forward+backward on CPU, 3 offline modes; on the device, 3 encryptions x (demo,
# PEViT) step shares, 3 demo loaders, the demo's pipeline path and the ImageNet loader.
EXPECTED_ROWS = dict(transforms=32, pipeline=9, model=3, offline=3, device=11)


def test_quick_run_reports_every_row_with_finite_positive_ratios(tmp_path):
    out = tmp_path / 'bench.json'
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='')
    proc = subprocess.run([sys.executable, str(TOOLS / 'benchmark.py'), '--quick', '--out',
                           str(out)],
                          capture_output=True,
                          text=True,
                          timeout=900,
                          env=env,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    record = json.loads(out.read_text())
    rows = record['rows']
    counts = {suite: sum(row['suite'] == suite for row in rows) for suite in EXPECTED_ROWS}
    assert counts == EXPECTED_ROWS
    for row in rows:
        assert math.isfinite(row['ratio']) and row['ratio'] > 0, row
        assert math.isfinite(row['min_ratio']) and row['min_ratio'] > 0, row
        assert row['subject'] > 0 and row['reference'] > 0, row
        if row['target'] is None:
            assert row['met'] is None
        else:
            op, value = row['target'].split()
            assert row['met'] == (row['ratio'] <= float(value) if op == '<=' else row['ratio'] >= float(value))
        assert f"| {row['name']} | {row['ratio']:.3f} | {row['min_ratio']:.3f} |" in proc.stdout
        if row['rounds']:  # the median of the per-round ratios lies within their range
            assert row['spread'][0] <= row['ratio'] <= row['spread'][1], row
    assert record['environment']['model_device'] == 'cpu'
    assert any('GPU' in note for note in record['notes'])


def test_only_runs_the_chosen_suite(tmp_path):
    out = tmp_path / 'bench.json'
    proc = subprocess.run([
        sys.executable,
        str(TOOLS / 'benchmark.py'), '--quick', '--only', 'transforms', '--repeats', '1', '--out',
        str(out)
    ],
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert {row['suite'] for row in json.loads(out.read_text())['rows']} == {'transforms'}


@pytest.mark.parametrize('shape', [(32, 48, 3), (64, 16, 1)])
def test_baselines_compute_the_same_encryption(shape):
    img = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    n = (shape[0] // 16) * (shape[1] // 16)
    perm = np.random.default_rng(1).permutation(n)
    assert np.array_equal(rs_python_loop(img, 16, np.random.default_rng(1)), shuffle_patches(img, 16, perm))
    torch_perm = torch.randperm(n, generator=torch.Generator().manual_seed(2)).numpy()
    assert np.array_equal(
        rs_torch_tokens(img, 16,
                        torch.Generator().manual_seed(2)), shuffle_patches(img, 16, torch_perm))
    assert np.array_equal(mi_python_loop(img, 16, 8), mix_subpatches(img, 16, 8))
    np.testing.assert_allclose(mi_torch_tokens(img, 16, 8), mix_subpatches(img, 16, 8), rtol=1e-6)


def test_ratios_pair_rounds_and_compare_best_times():
    timings = {'a': [2., 4., 9.], 'b': [1., 1., 3.]}
    median_ratio, min_ratio = ratios(timings, 'a', 'b')
    assert median_ratio == 3.  # per-round ratios 2, 4, 3
    assert min_ratio == 2.  # best 2 over best 1


def test_rounds_interleave_and_rotate():
    calls = []
    candidates = {name: (lambda name=name: calls.append(name)) for name in 'xyz'}
    timings = time_interleaved(candidates, repeats=3)
    assert calls[:3] == ['x', 'y', 'z']  # one warm-up call each
    assert calls[3:] == list('xyz') + list('yzx') + list('zxy')
    for clock in (timings.wall, timings.cpu):
        assert all(len(t) == 3 and all(v >= 0 for v in t) for t in clock.values())


@pytest.mark.skipif(not os.access('/proc/self/clear_refs', os.W_OK), reason='needs Linux /proc/self/clear_refs')
def test_memory_probe_sees_a_known_allocation():
    # In a fresh process with the allocator settings the benchmark uses, as the tool runs the probe.
    code = ('import torch\n'
            'from mmppml.benchmarks.memory_probe import step_peak_mib\n'
            'print(step_peak_mib(lambda: torch.ones(64 * 2**20 // 4)))')  # 64 MiB, touched
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_='65536', MALLOC_TRIM_THRESHOLD_='0', PYTHONPATH=str(TOOLS))
    proc = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 60 < float(proc.stdout.split()[-1]) < 90


def test_model_steps_train_and_infer_on_cpu():
    from mmppml.benchmarks.model import TINY_ARCH, build_steps
    steps = build_steps(['pevit', 'vit'], TINY_ARCH, 32, 2, 'train', torch.device('cpu'))
    for step in steps.values():
        before = [p.detach().clone() for p in step.model.parameters()]
        step()
        assert any(not torch.equal(a, b) for a, b in zip(before, step.model.parameters()))
    forward = build_steps(['pevit_mi'], TINY_ARCH, 32, 2, 'forward', torch.device('cpu'))['pevit_mi']
    forward()
    assert not forward.model.training
    assert all(p.grad is None for p in forward.model.parameters())
