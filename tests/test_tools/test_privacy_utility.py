"""tools/analysis_tools/privacy_utility.py end to end on a quick grid: files, resume, budget."""
import json
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / 'tools' / 'analysis_tools' / 'privacy_utility.py'


def run(*args, timeout=600):
    return subprocess.run([sys.executable, str(TOOL), *map(str, args)],
                          capture_output=True,
                          text=True,
                          timeout=timeout,
                          cwd=ROOT)


def test_quick_grid_writes_all_three_files_and_a_rerun_skips_finished_cells(tmp_path):
    out = tmp_path / 'frontier'
    cache = tmp_path / 'data'
    proc = run('--quick', '--work-dir', out, '--data-cache', cache, '--modes', 'plain', 'rs-on-mi', '--settings', '8',
               '8/4', '--budget-minutes', '5')
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert 'cell 2/2 RS-on-MI-8/4 done' in proc.stdout and 'min of budget left' in proc.stdout
    results = json.loads((out / 'results.json').read_text())
    assert set(results['cells']) == {'plain 8', 'rs-on-mi 8/4'}
    cell = results['cells']['rs-on-mi 8/4']
    attacks = {r['attack']: r['proxy_top1'] for r in cell['attacks']}
    assert 'learned reassembly + learned inverter' in attacks and any(a.startswith('label') for a in attacks)
    assert cell['recognisability'] == max(attacks.values())  # the strongest attack counts
    assert 0 <= cell['accuracy'] <= 100 and results['meta']['quick']
    # the instance: linkage of RS-on-MI is exact, re-identification is the strongest attacker's share of the
    # targets found first, the plain cell is found
    assert cell['linkage'] == 1.0 and cell['reid_chance'] == 0.1
    reid = [r for r in cell['instance_rows'] if r['attacker'] in ('reconstruction', 'learned matcher')]
    assert cell['reidentification'] == max(r['top1'] for r in reid)
    assert cell['reidentification'] == max(cell['reid_reconstruction'], cell['reid_learned_matcher'])
    targets = reid[0]['targets']
    assert cell['reidentification'] * targets == pytest.approx(round(cell['reidentification'] * targets))
    assert cell['reidentification_low'] <= cell['reidentification'] <= cell['reidentification_high']
    assert results['cells']['plain 8']['reidentification'] > 0.9
    assert 're-identification [95 % CI]' in (out / 'frontier.md').read_text()
    table = (out / 'frontier.md').read_text()
    assert '| RS-on-MI-8/4 | 8/4 |' in table and '| plain-8 | 8 |' in table and 'not a result' in table
    figure = cv2.imread(str(out / 'frontier.png'))
    assert figure is not None and figure.shape[0] > 300

    # a rerun (the same cells, named as a list) trains nothing and keeps the results
    again = run('--quick', '--work-dir', out, '--data-cache', cache, '--cells', 'plain:8', 'rs-on-mi:8/4',
                '--budget-minutes', '5')
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert again.stdout.count(
        'finished in an earlier run, skipped') == 2 and 'training the task model' not in again.stdout
    assert json.loads((out / 'results.json').read_text())['cells'] == results['cells']


def test_budget_stops_before_a_cell_that_does_not_fit(tmp_path):
    proc = run('--quick', '--work-dir', tmp_path / 'f', '--data-cache', tmp_path / 'data', '--cells', 'plain:8',
               '--budget-minutes', '0.01')
    assert proc.returncode == 3 and 'budget:' in proc.stdout and 'not run' in proc.stdout
    bad = run('--budget-minutes', '0', '--work-dir', tmp_path / 'g')
    assert bad.returncode != 0 and 'budget-minutes' in bad.stderr


def test_missing_fashion_mnist_exits_2_with_the_message(tmp_path):
    proc = run('--quick', '--work-dir', tmp_path / 'out', '--data', tmp_path / 'none', '--data-cache', tmp_path / 'c')
    assert proc.returncode == 2 and 'Traceback' not in proc.stderr
    assert 'dataset-fashion-mnist' in proc.stderr and proc.stderr.startswith('error: ')
