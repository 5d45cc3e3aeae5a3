import json
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

pytest.importorskip('skimage')
pytest.importorskip('torch')

TOOL = Path(__file__).resolve().parents[2] / 'tools' / 'analysis_tools' / 'attack.py'


def test_quick_run_writes_a_consistent_report(tmp_path):
    out = tmp_path / 'report'
    proc = subprocess.run(
        [sys.executable, str(TOOL), '--quick', '--out',
         str(out), '--budget-minutes', '2'],
        capture_output=True,
        text=True,
        timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert '[attack' in proc.stdout  # progress is shown
    results = json.loads((out / 'results.json').read_text())
    rows = results['rows']
    # a 4 x 4 puzzle of photo patches is solved; the keyed version without the key is not
    rs = [r for r in rows['jigsaw'] if r['mode'] == 'RS-16' and r['size'] == 64]
    assert len(rs) == 2 and all(r['neighbour'] == 1.0 for r in rs)
    keyed = [r for r in rows['jigsaw'] if r['mode'].startswith('keyed RS-') and 'MI' not in r['mode']]
    assert keyed and max(r['neighbour'] for r in keyed) < 0.5
    assert {r['images'] for r in rows['key_recovery']} == {1, 2}
    methods = {r['method'] for r in rows['inversion'] if r['mode'] == 'MI-16/8'}
    assert {'upsample bicubic', 'tile (no prior)', 'smoothness prior (TV)', 'learned inverter'} <= methods
    report = (out / 'report.md').read_text()
    assert '| RS-16 | 64 | 16 |' in report and 'Key recovery' in report
    learned = results['photos']['summary']  # the learned block attacker ran on the photos too
    assert [r['mode'] for r in learned] == ['RS-16']
    # the summary is the mean over the attacked shuffles, each the share of its 16 pieces put in place
    shuffles = [r['direct'] for r in results['photos']['attacks'] if r['mode'] == 'RS-16']
    assert learned[0]['shuffles'] == len(shuffles) > 0
    assert learned[0]['direct'] == pytest.approx(sum(shuffles) / len(shuffles))
    assert all((d * 16) == pytest.approx(round(d * 16)) for d in shuffles)
    # the in-domain stage scores the class of every mode's reconstructions; the keyed modes after key recovery
    in_domain = results['in_domain']
    modes = {r['mode'] for r in in_domain['strongest']}
    assert modes == {'RS-8', 'keyed RS-8', 'MI-8/4', 'RS-on-MI-8/4', 'keyed RS-on-MI-8/4'}
    keyed = [r for r in in_domain['attacks'] if r['mode'].startswith('keyed')]
    assert keyed and all(r['attack'].startswith('key recovery + ') and 'key_positions' in r for r in keyed)
    assert 'instance' not in in_domain  # the instance is the privacy audit's to score
    figure = cv2.imread(str(out / 'figure.png'))
    assert figure is not None and figure.shape[0] > 3 * 100


@pytest.mark.parametrize(
    'args, message', [(['--budget-minutes', '0'], 'budget-minutes'), (['--mixes', '8-4'], '--mixes')],
    ids=['bad-budget', 'bad-mixes'])
def test_bad_arguments_are_refused(tmp_path, args, message):
    proc = subprocess.run(
        [sys.executable, str(TOOL), *args, '--out', str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and message in proc.stderr


def test_missing_fashion_mnist_exits_2_with_the_message(tmp_path, monkeypatch, capsys):
    import importlib.util

    import projects.fashion_mnist_privacy.experiments.fashion_mnist as fashion_mnist

    def missing(*args, **kwargs):
        raise FileNotFoundError(f'{fashion_mnist.FASHION_MNIST_DIR}/t10k-images-idx3-ubyte.gz not found: '
                                'apt-get install dataset-fashion-mnist')

    monkeypatch.setattr(fashion_mnist, 'load_fashion_mnist', missing)
    spec = importlib.util.spec_from_file_location('attack_tool', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    import torch
    threads = torch.get_num_threads()
    for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
        monkeypatch.setenv(var, '1')  # the tool sets them; undone after the test
    try:
        assert tool.main(['--quick', '--out', str(tmp_path)]) == 2
    finally:
        torch.set_num_threads(threads)
    err = capsys.readouterr().err
    assert err.startswith('error: ') and 'dataset-fashion-mnist' in err and '--no-fashion-mnist' in err
    assert not any(tmp_path.iterdir())
