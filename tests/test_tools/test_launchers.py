"""The torchrun and Slurm launchers pass each argument to the right place (fake interpreter and srun)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[2] / 'tools'
RECORD = """#!{python}
import json, os, sys
with open(os.environ['RECORD'], 'a') as f:
    f.write(json.dumps(dict(name=os.path.basename(sys.argv[0]), argv=sys.argv[1:],
                            pythonpath=os.environ.get('PYTHONPATH', ''))) + '\\n')
"""


@pytest.fixture
def fakes(tmp_path):
    """A fake interpreter (PYTHON) and a fake srun on PATH; both record their arguments."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    for name in ('python', 'srun'):
        path = bin_dir / name
        path.write_text(RECORD.format(python=sys.executable))
        path.chmod(0o755)
    record = tmp_path / 'record.jsonl'
    env = dict(os.environ, PATH=f'{bin_dir}:{os.environ["PATH"]}', PYTHON=str(bin_dir / 'python'), RECORD=str(record))

    def run(script, *args, **extra_env):
        proc = subprocess.run(['bash', str(TOOLS / script), *args],
                              env=dict(env, **extra_env),
                              capture_output=True,
                              text=True,
                              timeout=60)
        assert proc.returncode == 0, proc.stderr
        return [json.loads(line) for line in record.read_text().splitlines()]

    return run


def test_dist_train_runs_torchrun_with_the_script_and_its_arguments(fakes):
    (call, ) = fakes('dist_train.sh', 'cfg.py', '4', '--amp', '--cfg-options', 'a=1', NNODES='2', PORT='1234')
    assert call['name'] == 'python'
    assert call['argv'][:2] == ['-m', 'torch.distributed.run']
    assert {'--nnodes=2', '--nproc_per_node=4', '--master_port=1234', '--node_rank=0'} <= set(call['argv'])
    script = call['argv'].index(str(TOOLS / 'train.py'))
    assert call['argv'][script + 1:] == ['cfg.py', '--launcher', 'pytorch', '--amp', '--cfg-options', 'a=1']
    assert call['pythonpath'].split(':')[0] == str(TOOLS.parent)


def test_dist_test_passes_the_checkpoint(fakes):
    (call, ) = fakes('dist_test.sh', 'cfg.py', 'ckpt.pth', '2', '--out', 'x.pkl')
    assert '--nproc_per_node=2' in call['argv']
    script = call['argv'].index(str(TOOLS / 'test.py'))
    assert call['argv'][script + 1:] == ['cfg.py', 'ckpt.pth', '--launcher', 'pytorch', '--out', 'x.pkl']


@pytest.mark.parametrize('work_dir, expected', [
    (['wd'], ['--work-dir', 'wd', '--amp']),
    ([], ['--amp']),
])
def test_slurm_train_takes_an_optional_work_dir(fakes, work_dir, expected):
    (call, ) = fakes('slurm_train.sh', 'part', 'job', 'cfg.py', *work_dir, '--amp', GPUS='16', SRUN_ARGS='--qos a')
    assert call['name'] == 'srun'
    argv = call['argv']
    assert argv[:2] == ['-p', 'part'] and '--job-name=job' in argv and '--ntasks=16' in argv
    assert argv[argv.index('--kill-on-bad-exit=1') + 1:][:2] == ['--qos', 'a']  # SRUN_ARGS split into options
    script = argv.index(str(TOOLS / 'train.py'))
    assert argv[script - 2].endswith('/bin/python') and argv[script - 1] == '-u'
    assert argv[script + 1:] == ['cfg.py', '--launcher', 'slurm'] + expected


def test_slurm_test_passes_the_checkpoint(fakes):
    (call, ) = fakes('slurm_test.sh', 'part', 'job', 'cfg.py', 'ckpt.pth', '--out', 'x.pkl')
    script = call['argv'].index(str(TOOLS / 'test.py'))
    assert call['argv'][script + 1:] == ['cfg.py', 'ckpt.pth', '--launcher', 'slurm', '--out', 'x.pkl']


def test_launch_without_a_known_launcher_says_how_to_call_it():
    proc = subprocess.run(['bash', str(TOOLS / 'launch.sh'), 'mpirun'], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and 'usage' in proc.stderr
