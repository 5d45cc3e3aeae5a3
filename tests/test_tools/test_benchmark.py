"""tools/analysis_tools/benchmark.py: a quick run of every suite (projects/benchmarks/; its helpers: test_projects)."""
import json
import math
import os
import subprocess
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[2] / 'tools' / 'analysis_tools'

# Rows of a --quick run: 2 image sizes x 16, 3 encryptions x (JPEG, PNG, data loader) and a second plain loader
# in the pipeline, forward (PEViT and PEViT-MI) and forward+backward on CPU, 3 offline modes; on the device,
# 3 encryptions x (demo, PEViT) step shares, 3 demo loaders, the demo's pipeline path and the ImageNet loader.
EXPECTED_ROWS = dict(transforms=32, pipeline=10, model=3, offline=3, device=11)


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
    control = [row for row in rows if 'a second plain loader' in row['name']]  # the loaders' own noise, no target
    assert len(control) == 1 and control[0]['target'] is None
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
