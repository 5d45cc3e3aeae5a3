"""tools/encrypt_dataset.py against planted links, dead workers, oversized resizes, unwritable keys, reserved
names and misleading messages: each test injects one fault and checks the exit code, the message and that
nothing outside the output was changed.
"""
import errno
import hashlib
import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from test_encrypt_dataset_faults import TOOL, alive, children_of, make_folder, noise, pngs, report_of, run

from mmppml.crypto import new_scramble_key, save_key

RS = ('--mode', 'rs', '-P', '8')


def snapshot(root: Path) -> dict:
    return {p: p.read_bytes() for p in sorted(root.rglob('*')) if p.is_file()}


def tool(*args) -> list:
    return [sys.executable, str(TOOL)] + [str(a) for a in args] + ['--quiet']


# 1. Links planted in the output ------------------------------------------------------------------


@pytest.mark.parametrize('name', ['.mmppml-lock', '.mmppml-done', 'manifest.json'])
@pytest.mark.parametrize('link', ['symbolic', 'hard'])
def test_run_files_planted_as_links_are_refused(tmp_path, capsys, name, link):
    src = make_folder(tmp_path / 'src')
    out = tmp_path / 'out'
    assert run(src, out, *RS) == 0
    victim = tmp_path / 'KEY.npz'
    save_key(victim, new_scramble_key(8, 3))
    before = victim.read_bytes()
    (out / name).unlink()
    (out / 'a' / '000000.png').unlink()  # so that the rerun has work to journal
    if link == 'symbolic':
        os.symlink(victim, out / name)
    else:
        os.link(victim, out / name)
    assert run(src, out, *RS) == 2
    err = capsys.readouterr().err
    assert name in err and ('symbolic link' in err or 'hard links' in err) and 'Traceback' not in err, err
    assert victim.read_bytes() == before


@pytest.mark.parametrize('keep_names', [True, False])
def test_a_linked_folder_in_the_output_never_leads_into_the_source(tmp_path, capsys, keep_names):
    src = tmp_path / 'src'
    for c in ('a', 'c'):
        (src / c).mkdir(parents=True)
        for i in range(3):  # named like the outputs: hit even without --keep-names
            cv2.imwrite(str(src / c / f'{i:06d}.png'), noise(32, seed=i + 10 * (c == 'c')))
    extra = ('--keep-names', ) if keep_names else ()
    out = tmp_path / 'out'
    assert run(src, out, *RS, *extra) == 0
    before = snapshot(src)
    shutil.rmtree(out / 'c')
    os.symlink(src / 'c', out / 'c')  # planted by whoever can write to the share
    assert run(src, out, *RS, *extra) == 2
    err = capsys.readouterr().err
    assert "'c'" in err and 'symbolic link' in err and 'Traceback' not in err, err
    assert snapshot(src) == before
    # An output folder that is itself a link into the source is refused too.
    os.symlink(src / 'a', tmp_path / 'alias')
    assert run(src, tmp_path / 'alias', *RS) == 2
    assert 'inside the source' in capsys.readouterr().err and snapshot(src) == before


# 2. A worker that dies ---------------------------------------------------------------------------


def _workers(pid: int) -> list:
    """The pool's worker processes of run ``pid`` (forked: the same command line)."""
    cmdline = Path(f'/proc/{pid}/cmdline').read_bytes()
    found = []
    for child in children_of(pid):
        try:
            if Path(f'/proc/{child}/cmdline').read_bytes() == cmdline:
                found.append(child)
        except OSError:
            pass
    return found


def _ctrl_c_as_in_a_terminal() -> None:
    """In the child: SIGINT handled as by default, as for a terminal's foreground job; a test suite started in
    the background (``cmd &`` in a script) runs with SIGINT ignored, which its children would inherit."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_slow_run(src, out):
    proc = subprocess.Popen(
        tool(src, out, *RS, '--workers', '2', '--pause-before-rename', '0.1'),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_ctrl_c_as_in_a_terminal)
    deadline = time.monotonic() + 60
    while len(pngs(out)) < 4 or len(_workers(proc.pid)) < 2:
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    return proc


def _end(proc) -> None:
    """Leave no process behind, whatever the test found."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()


@pytest.mark.parametrize('fault', ['kill a worker', 'ctrl-c'])
def test_a_dead_worker_or_ctrl_c_ends_the_run_and_the_rerun_completes(tmp_path, fault):
    src = make_folder(tmp_path / 'src', per_class=40)
    out = tmp_path / 'out'
    proc = _start_slow_run(src, out)
    try:
        workers = _workers(proc.pid)
        if fault == 'kill a worker':
            os.kill(workers[0], signal.SIGKILL)  # as the out-of-memory killer would
        else:
            os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in a terminal reaches the whole group
        _, err = proc.communicate(timeout=30)
        expected = (4, 'worker process died') if fault == 'kill a worker' else (130, 'interrupted')
        assert proc.returncode == expected[0] and expected[1] in err and 'Traceback' not in err, err
        deadline = time.monotonic() + 10
        while any(alive(w) for w in workers):
            assert time.monotonic() < deadline, 'workers outlived the run'
            time.sleep(0.05)
    finally:
        _end(proc)
    result = subprocess.run(tool(src, out, *RS, '--workers', '2'), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads((out / 'manifest.json').read_text())['complete'] is True and len(pngs(out)) == 80


# 3. --max-pixels after --resize / --short-side ---------------------------------------------------


def test_max_pixels_holds_for_the_resized_image(tmp_path, capsys):
    src = tmp_path / 'src' / 'a'
    src.mkdir(parents=True)
    cv2.imwrite(str(src / 'strip.png'), noise(2000)[:1])  # 1 x 2000: 2,000 pixels, 8.2 M once resized
    cv2.imwrite(str(src / 'photo.png'), noise(64))
    out = tmp_path / 'out'
    assert run(src.parent, out, *RS, '--max-pixels', '100000', '--short-side', '64') == 3
    assert [p.name for p in pngs(out)] == ['000000.png']  # photo.png
    reason = report_of(out)['skipped'][0]['reason']
    assert '128000x64' in reason and 'over the cap of 100000' in reason
    for size in (('--resize', '512', '512'), ('--short-side', '512')):  # every image: a bad request
        assert run(src.parent, tmp_path / 'o2', *RS, '--max-pixels', '100000', *size) == 2
        assert 'over the cap of 100000' in capsys.readouterr().err and not (tmp_path / 'o2').exists()


# 8. A new key that cannot be written -------------------------------------------------------------


def test_a_new_key_that_cannot_be_written_exits_4(tmp_path):
    src = make_folder(tmp_path / 'src')
    key, out = tmp_path / 'keys' / 'K.npz', tmp_path / 'out'
    key.parent.mkdir()

    def small_files():  # writes past 64 bytes fail (EFBIG), as on a full disk: the key is the first such write
        resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))

    cmd = tool(src, out, *RS, '--key-file', key, '--new-key')
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, preexec_fn=small_files)
    assert result.returncode == 4, result.stderr
    assert f'cannot write the new key file {key}' in result.stderr and 'Traceback' not in result.stderr
    assert list(key.parent.iterdir()) == [] and pngs(out) == []
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and key.exists(), result.stderr


@pytest.mark.parametrize('err', [errno.EROFS, errno.ENOSPC])
def test_a_read_only_or_full_key_folder_exits_4(tmp_path, monkeypatch, capsys, err):
    src = make_folder(tmp_path / 'src')

    def fail(path, key):
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr('mmppml.offline.engine.save_key', fail)
    assert run(src, tmp_path / 'out', *RS, '--key-file', tmp_path / 'K.npz', '--new-key') == 4
    printed = capsys.readouterr().err
    assert 'new key file' in printed and os.strerror(err) in printed and pngs(tmp_path / 'out') == []


# 9. Names the tool keeps -------------------------------------------------------------------------


def coco_folder(tmp_path: Path, ids=(1, 2)) -> Path:
    (tmp_path / 'img').mkdir()
    images = []
    for i, image_id in enumerate(ids):
        cv2.imwrite(str(tmp_path / 'img' / f'{i}.png'), noise(32, seed=i))
        images.append(dict(id=image_id, file_name=f'{i}.png', width=32, height=32))
    return dict(images=images, annotations=[], categories=[dict(id=1, name='thing')])


@pytest.mark.parametrize('ann_name', ['.mmppml-tmp-x.json', '.mmppml-done', '.mmppml-lock', 'images'])
def test_an_annotation_file_named_like_a_file_of_the_tool_is_written_as_annotations_json(tmp_path, ann_name):
    ann = tmp_path / ann_name
    ann.write_text(json.dumps(coco_folder(tmp_path)))
    out = tmp_path / 'out'
    assert run(tmp_path / 'img', out, *RS, '--coco-ann', ann) == 0
    assert len(json.loads((out / 'annotations.json').read_text())['images']) == 2 and len(pngs(out / 'images')) == 2


def test_coco_ids_and_kept_names_that_make_bad_output_names_are_refused(tmp_path, capsys):
    coco = coco_folder(tmp_path, ids=(1, 10**260))
    ann = tmp_path / 'ann.json'
    ann.write_text(json.dumps(coco))
    assert run(tmp_path / 'img', tmp_path / 'out', *RS, '--coco-ann', ann) == 2
    assert 'images[1] id has 261 digits' in capsys.readouterr().err and not (tmp_path / 'out').exists()
    coco = json.loads(ann.read_text())
    coco['images'][1]['id'] = 2
    os.rename(tmp_path / 'img' / '1.png', tmp_path / 'img' / '.mmppml-tmp-1.png')
    coco['images'][1]['file_name'] = '.mmppml-tmp-1.png'
    ann.write_text(json.dumps(coco))
    assert run(tmp_path / 'img', tmp_path / 'out', *RS, '--coco-ann', ann, '--keep-names') == 2
    assert "'.mmppml'" in capsys.readouterr().err and not (tmp_path / 'out').exists()


# 11. Messages, the report and the manifest -------------------------------------------------------


def test_unsupported_formats_are_named_in_the_summary(tmp_path, capsys):
    src = make_folder(tmp_path / 'src', per_class=1)
    (src / 'a' / 'clip.gif').write_bytes(b'GIF89a')
    (src / 'b' / 'phone.heic').write_bytes(b'\x00\x00\x00\x18ftypheic')
    assert run(src, tmp_path / 'out', *RS) == 0
    printed = capsys.readouterr().out
    assert '2 image file(s) NOT encrypted' in printed and '.gif, .heic' in printed
    assert 'a/clip.gif' in printed and 'b/phone.heic' in printed
    help_text = subprocess.run([sys.executable, str(TOOL), '--help'], capture_output=True, text=True).stdout
    assert 'every image of a supported format is encrypted' in help_text


def test_a_16_bit_rgb_tiff_is_reported(tmp_path, capsys):
    src = make_folder(tmp_path / 'src', per_class=1)
    cv2.imwrite(str(src / 'b' / 'deep.tif'), noise(32).astype(np.uint16) * 257)
    out = tmp_path / 'out'
    assert run(src, out, *RS) == 0
    assert report_of(out)['decoded_with_loss'] == {'16-bit': ['b/deep.tif']}
    assert '1 image(s) decoded with their more than 8 bits per channel reduced to 8' in capsys.readouterr().out


def test_the_report_is_private(tmp_path):
    src = make_folder(tmp_path / 'src')
    out = tmp_path / 'out'
    assert run(src, out, *RS) == 0
    assert stat.S_IMODE(out.with_name('out.report.json').stat().st_mode) == 0o600
    assert run(src, tmp_path / 'o2', *RS, '--shard', '0/1') == 0
    assert stat.S_IMODE((tmp_path / 'o2.report.shard-0-of-1.json').stat().st_mode) == 0o600


def test_the_manifest_holds_no_hash_of_source_names(tmp_path):
    src = make_folder(tmp_path / 'src')
    out = tmp_path / 'out'
    assert run(src, out, *RS) == 0
    names = sorted(str(p.relative_to(src)) for p in src.rglob('*.png'))
    digest = hashlib.sha256('\n'.join(names).encode()).hexdigest()
    for path in out.rglob('*'):
        if path.is_file():
            assert digest.encode() not in path.read_bytes(), path
    assert 'source_listing_sha256' not in json.loads((out / 'manifest.json').read_text())['settings']


def test_a_full_disk_under_the_report_names_the_report(tmp_path, monkeypatch, capsys):
    src = make_folder(tmp_path / 'src')
    out, report = tmp_path / 'out', tmp_path / 'reports' / 'r.json'
    report.parent.mkdir()
    import mmppml.offline.engine as engine
    real = engine.write_json_atomic

    def full(path, *args, **kwargs):
        if Path(path) == report:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(engine, 'write_json_atomic', full)
    assert run(src, out, *RS, '--report', report) == 4
    assert f'cannot write the report {report}: No space left on device' in capsys.readouterr().err
    assert json.loads((out / 'manifest.json').read_text())['complete'] is False


def test_a_stray_shard_is_named_with_the_way_out(tmp_path, capsys):
    src = make_folder(tmp_path / 'src', per_class=3)
    out = tmp_path / 'out'
    for shard in ('0/2', '1/2', '0/3'):
        assert run(src, out, *RS, '--shard', shard) == 0
    capsys.readouterr()
    stray = ('.mmppml-shard-0-of-3.json', '.mmppml-done-shard-0-of-3', '.mmppml-lock-shard-0-of-3')
    for extra in (('--merge', ), ()):
        assert run(src, out, *RS, *extra) == 2
        err = capsys.readouterr().err
        assert '0/3' in err and all(name in err for name in stray), err
    for name in stray:
        (out / name).unlink()
    assert run(src, out, *RS, '--merge') == 0
    assert json.loads((out / 'manifest.json').read_text())['complete'] is True and len(pngs(out)) == 6


# 12. Losses across resumed runs and merges -------------------------------------------------------


def test_losses_of_an_interrupted_run_are_reported_after_the_rerun(tmp_path):
    """80 16-bit PNGs, interrupted: the rerun used to report only the images it encrypted itself."""
    src = tmp_path / 'src' / 'a'
    src.mkdir(parents=True)
    for i in range(80):
        cv2.imwrite(str(src / f'deep_{i:02d}.png'), noise(64, seed=i).astype(np.uint16) * 257)
    out, args = tmp_path / 'out', ('--mode', 'rs', '-P', '16')
    proc = subprocess.Popen(
        tool(src.parent, out, *args, '--workers', '2', '--pause-before-rename', '0.05'),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_ctrl_c_as_in_a_terminal)
    try:
        deadline = time.monotonic() + 60
        while len(pngs(out)) < 10:
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, err
    finally:
        _end(proc)
    assert len(pngs(out)) < 80
    result = subprocess.run(tool(src.parent, out, *args), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and 'already done: 0,' not in result.stdout, result.stdout + result.stderr
    assert '80 image(s) decoded with their more than 8 bits per channel reduced to 8' in result.stdout
    assert report_of(out)['decoded_with_loss'] == {'16-bit': [f'a/deep_{i:02d}.png' for i in range(80)]}
    assert b'deep' not in (out / '.mmppml-done').read_bytes()  # the journal holds output names only


def test_a_merge_reports_the_losses_of_every_shard(tmp_path, capsys):
    src = make_folder(tmp_path / 'src', per_class=2)
    cv2.imwrite(str(src / 'a' / 'deep.png'), noise(32).astype(np.uint16) * 257)  # shard 0 of 2
    cv2.imwrite(str(src / 'b' / 'rgba.png'), noise(32, channels=4))  # shard 1 of 2
    out = tmp_path / 'out'
    for shard in ('0/2', '1/2'):
        assert run(src, out, *RS, '--shard', shard) == 0
    capsys.readouterr()
    expected = {'16-bit': ['a/deep.png'], 'alpha': ['b/rgba.png']}
    for extra in (('--merge', ), ()):  # the merge, then a rerun of the complete copy
        assert run(src, out, *RS, *extra) == 0
        assert report_of(out)['decoded_with_loss'] == expected
        printed = capsys.readouterr().out
        assert '1 image(s) decoded with their alpha channel dropped' in printed, printed
    assert not any(b'deep' in p.read_bytes() or b'rgba' in p.read_bytes() for p in out.rglob('*') if p.is_file())


# 13. A full output disk --------------------------------------------------------------------------


@pytest.fixture
def full_disk(tmp_path):
    """A 64 KiB tmpfs, filled (needs root; skipped otherwise)."""
    mount = tmp_path / 'full'
    mount.mkdir()
    made = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', str(mount)], capture_output=True)
    if made.returncode:
        pytest.skip('cannot mount a tmpfs (needs root)')
    try:
        fd = os.open(mount / 'fill', os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(fd, bytes(4096)):
                pass
        except OSError as e:
            assert e.errno == errno.ENOSPC
        finally:
            os.close(fd)
        yield mount
    finally:
        if subprocess.run(['umount', str(mount)], capture_output=True).returncode:
            subprocess.run(['umount', '--lazy', str(mount)], check=True)
            pytest.fail('a file on the full disk was left open')


@pytest.mark.parametrize('shard', [(), ('--shard', '0/2')])
def test_a_full_output_disk_exits_4_naming_the_lock_file(tmp_path, full_disk, capsys, shard):
    src = make_folder(tmp_path / 'src')
    out = full_disk / 'out'
    assert run(src, out, *RS, *shard) == 4
    lock = out / ('.mmppml-lock-shard-0-of-2' if shard else '.mmppml-lock')
    err = capsys.readouterr().err
    assert f'lock file {lock}' in err and 'No space left on device' in err and 'Traceback' not in err, err


def test_a_lock_file_that_cannot_be_written_exits_4(tmp_path, monkeypatch, capsys):
    src = make_folder(tmp_path / 'src')

    def full(fd, data, offset):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr('mmppml.offline.lock.os.pwrite', full)
    assert run(src, tmp_path / 'out', *RS) == 4
    err = capsys.readouterr().err
    assert f'lock file {tmp_path / "out" / ".mmppml-lock"}' in err and 'No space left on device' in err, err
    monkeypatch.undo()
    assert run(src, tmp_path / 'out', *RS) == 0 and len(pngs(tmp_path / 'out')) == 8


# 14. The annotation file's name ------------------------------------------------------------------


def test_the_annotation_file_name_is_not_handed_over(tmp_path):
    ann = tmp_path / '2021 Alice Smith wedding.json'
    ann.write_text(json.dumps(coco_folder(tmp_path)))
    out = tmp_path / 'out'
    for extra in ((), ('--keep-names', )):
        assert run(tmp_path / 'img', out, *RS, '--coco-ann', ann, *extra) == 0
        handed_over = sorted(p.name for p in out.iterdir() if not p.name.startswith('.'))
        assert handed_over == ['annotations.json', 'images', 'manifest.json']
        assert json.loads((out / 'manifest.json').read_text())['annotation_file'] == 'annotations.json'
        assert not any(b'Alice' in p.read_bytes() for p in out.rglob('*') if p.is_file())
        shutil.rmtree(out)
