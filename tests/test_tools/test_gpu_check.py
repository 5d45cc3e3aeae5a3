"""tools/analysis_tools/gpu_check.py at its tiny size on the CPU: every check runs and the record says what ran."""
import json
import math
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_tiny_check_on_cpu_writes_every_result(tmp_path):
    out = tmp_path / 'gpu_check.json'
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='', OMP_NUM_THREADS='1')
    proc = subprocess.run([
        sys.executable,
        str(ROOT / 'tools' / 'analysis_tools' / 'gpu_check.py'), '--tiny', '--threads', '1', '--out',
        str(out)
    ],
                          capture_output=True,
                          text=True,
                          timeout=900,
                          env=env,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    record = json.loads(out.read_text())
    assert record['environment']['device'] == 'cpu' and record['environment']['amp'] is None
    assert any('not a GPU result' in note for note in record['notes'])
    labels = [c['label'] for c in record['classifiers']]
    assert [label.split(' (')[0] for label in labels] == ['DeiT-S', 'PEViT-S RS', 'PEViT-S MI', 'PEViT-S RS-on-MI']
    for result in record['classifiers'] + [record['detector']]:
        assert result['finite'] and len(result['losses']) == 3  # 1 warm-up and 2 timed steps
        assert result['step_s'] > 0 and result['step_s_range'][0] <= result['step_s'] <= result['step_s_range'][1]
    for result in record['classifiers'][1:] + [record['detector']]:  # the encrypting preprocessors
        # the share is the ratio of the two times measured: the encryption alone over the whole step
        assert result['encrypt_s'] > 0
        assert math.isclose(result['encrypt_share'], result['encrypt_s'] / result['step_s'])
        assert f'| {result["label"]} on-device encryption / train step | {result["encrypt_share"]:.4f} |' in proc.stdout
    deit = record['classifiers'][0]
    assert 'encrypt_share' not in deit
    for result in record['classifiers'][1:]:
        assert math.isclose(result['throughput_vs_deit'], result['images_per_s'] / deit['images_per_s'])
    train = record['train']
    assert train['returncode'] == 0 and train['finite'] and len(train['losses']) >= 1
    assert not train['amp_wrapper']  # --amp without CUDA trains in float32
    for row in record['checks']:
        assert f'| {row["check"]} | {row["value"]} |' in proc.stdout
