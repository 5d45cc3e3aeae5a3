"""tools/encrypt_dataset.py --shard K/N and --merge: shards made one after another equal one whole run."""
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from test_encrypt_dataset import run  # noqa: E402  (the tool, run in this process)

from mmppml.crypto import to_blocks
from mmppml.offline.lock import OutputLock
from mmppml.offline.shards import parse_shard, shard_files

MODE_ARGS = dict(mi=['--mode', 'mi', '-P', '8', '-S', '4'], rs=['--mode', 'rs', '-P', '8'])


@pytest.fixture(scope='module')
def source(tmp_path_factory):
    """14 noise images (32 px, every 8-px patch unique) in 2 class folders, and one corrupt file."""
    root = tmp_path_factory.mktemp('shard_source')
    rng = np.random.default_rng(1)
    for label, count in (('a', 8), ('b', 6)):
        (root / label).mkdir()
        for i in range(count):
            cv2.imwrite(str(root / label / f'{i}.png'), rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))
    (root / 'b' / 'broken.png').write_bytes(b'not a png')
    return root


def handed_over(out):
    """Relative path -> bytes of every file of the copy (run files are hidden and excluded)."""
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob('*')) if p.is_file() and not p.name.startswith('.')
    }


def sharded(source, out, mode, n=3):
    codes = [run(source, out, *MODE_ARGS[mode], '--shard', f'{k}/{n}') for k in range(n)]
    return codes, run(source, out, *MODE_ARGS[mode], '--merge')


def comparable(manifest):
    return {k: v for k, v in manifest.items() if k not in ('created', 'completed')}


@pytest.mark.parametrize('mode', ['mi', 'rs'])
def test_three_shards_then_merge_give_the_files_of_one_run(source, tmp_path, mode):
    whole, parts = tmp_path / 'whole', tmp_path / 'parts'
    assert run(source, whole, *MODE_ARGS[mode]) == 3  # the corrupt file is skipped and reported
    codes, merged = sharded(source, parts, mode)
    assert codes == [0, 0, 3] and merged == 3  # 'b/broken.png' is the last of 15 sources: shard 2
    files, expected = handed_over(parts), handed_over(whole)
    assert sorted(files) == sorted(expected) and len(files) == 15  # 14 images and the manifest
    manifests = [json.loads(d['manifest.json']) for d in (files, expected)]
    assert comparable(manifests[0]) == comparable(manifests[1]) and manifests[0]['complete']
    for name, data in expected.items():
        if name == 'manifest.json':
            continue
        if mode == 'mi':
            assert files[name] == data, name  # MI has no randomness: the same bytes
        else:  # RS: the same patches in another order
            decode = lambda b: cv2.imdecode(np.frombuffer(b, np.uint8), cv2.IMREAD_COLOR)  # noqa: E731
            assert sorted(x.tobytes() for x in to_blocks(decode(files[name]), 8)) == \
                sorted(x.tobytes() for x in to_blocks(decode(data), 8))
    reports = [json.loads(Path(f'{out}.report.json').read_text()) for out in (parts, whole)]
    assert reports[0]['skipped'] == reports[1]['skipped'] and reports[0]['counts'] == reports[1]['counts']
    assert Path(f'{parts}.report.shard-2-of-3.json').exists()  # each shard's own report
    assert not [p.name for p in parts.iterdir() if 'shard' in p.name]  # the merge removed the shards' files
    assert run(source, parts, *MODE_ARGS[mode]) == 3  # a rerun finds everything done


def test_shards_partition_the_sources_and_resume(source, tmp_path, capsys):
    out = tmp_path / 'out'
    sizes = []
    for k in range(3):
        before = set(handed_over(out)) if out.exists() else set()
        run(source, out, *MODE_ARGS['mi'], '--shard', f'{k}/3')
        sizes.append(len(set(handed_over(out)) - before - {'manifest.json'}))
    assert sizes == [5, 5, 4]  # 15 sources, every third; shard 2 also holds the corrupt one
    victim = next(p for p in sorted(out.rglob('*.png')))
    victim.unlink()  # a file of shard 0 ('a/000000.png')
    capsys.readouterr()
    assert run(source, out, *MODE_ARGS['mi'], '--shard', '0/3') == 0
    assert 'already done: 4, encrypted now: 1' in capsys.readouterr().out
    assert victim.exists()


def test_merge_waits_for_every_shard_and_whole_runs_keep_out(source, tmp_path, capsys):
    out = tmp_path / 'out'
    run(source, out, *MODE_ARGS['mi'], '--shard', '1/3')
    capsys.readouterr()
    assert run(source, out, *MODE_ARGS['mi'], '--merge') == 2
    assert 'shard(s) 0/3, 2/3 have not finished' in capsys.readouterr().err
    assert run(source, out, *MODE_ARGS['mi']) == 2
    assert 'being encrypted in shards' in capsys.readouterr().err
    assert run(source, out, *MODE_ARGS['rs'], '-S', '4', '--shard', '0/3') == 2  # other settings
    assert not json.loads((out / 'manifest.json').read_text())['complete']


def test_each_shard_is_locked_on_its_own(source, tmp_path, capsys):
    out = tmp_path / 'out'
    out.mkdir()
    with OutputLock(out, shared=True), OutputLock(out, shard_files((0, 2)).lock):  # shard 0 is running
        assert run(source, out, *MODE_ARGS['mi'], '--shard', '0/2') == 5
        assert run(source, out, *MODE_ARGS['mi'], '--shard', '1/2') == 0
        assert run(source, out, *MODE_ARGS['mi'], '--merge') == 5
        assert run(source, out, *MODE_ARGS['mi']) == 5
    assert 'being written by another run' in capsys.readouterr().err


@pytest.mark.parametrize('text', ['3/3', '1/0', 'a/b', '1/-2', '2'])
def test_bad_shards_are_refused(text, source, tmp_path, capsys):
    assert run(source, tmp_path / 'out', *MODE_ARGS['mi'], '--shard', text) == 2
    assert '--shard must be K/N' in capsys.readouterr().err
    assert parse_shard(' 2 / 5 ') == (2, 5)


FAKE_SBATCH = '''#!/usr/bin/env bash
# Stands in for Slurm: records each submission (options and --wrap command), prints a job id.
n=$(find "$FAKE_SLURM_DIR" -name '*.args' | wc -l)
for a in "$@"; do case "$a" in --wrap=*) printf '%s' "${a#--wrap=}" > "$FAKE_SLURM_DIR/job$n.sh";; esac; done
printf '%s\\n' "$@" > "$FAKE_SLURM_DIR/job$n.args"
echo "$((1000 + n))"
'''


def test_slurm_launcher_submits_an_array_of_shards_then_a_merge(source, tmp_path):
    bin_dir, jobs = tmp_path / 'bin', tmp_path / 'jobs'
    bin_dir.mkdir()
    jobs.mkdir()
    (bin_dir / 'sbatch').write_text(FAKE_SBATCH)
    (bin_dir / 'sbatch').chmod(0o755)
    env = dict(
        os.environ,
        PATH=f'{bin_dir}:{os.environ["PATH"]}',
        FAKE_SLURM_DIR=str(jobs),
        PYTHON=sys.executable,
        CPUS_PER_TASK='1')
    out, script = tmp_path / 'out dir', Path(__file__).resolve().parents[2] / 'tools' / 'slurm_encrypt.sh'
    proc = subprocess.run(['bash', str(script), 'cpu', 'enc', '3',
                           str(source), str(out), *MODE_ARGS['mi']],
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert 'shards: job 1000 (array 0-2); merge: job 1001' in proc.stdout
    assert '--array=0-2' in (jobs / 'job0.args').read_text().split()
    assert '--dependency=afterany:1000' in (jobs / 'job1.args').read_text().split()
    codes = [
        subprocess.run(['bash', '-c', (jobs / 'job0.sh').read_text()],
                       env=dict(env, SLURM_ARRAY_TASK_ID=str(k)),
                       capture_output=True,
                       timeout=120).returncode for k in range(3)
    ]
    merge = subprocess.run(['bash', '-c', (jobs / 'job1.sh').read_text()], env=env, capture_output=True, timeout=120)
    assert codes == [0, 0, 3] and merge.returncode == 3  # the corrupt source is skipped and reported
    assert run(source, tmp_path / 'whole', *MODE_ARGS['mi']) == 3
    files, expected = handed_over(out), handed_over(tmp_path / 'whole')
    assert sorted(files) == sorted(expected)
    assert all(files[name] == data for name, data in expected.items() if name != 'manifest.json')
    assert json.loads(files['manifest.json'])['complete']
