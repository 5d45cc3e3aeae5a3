"""tools/encrypt_dataset.py under faults a hostile or careless data owner injects: each test sets one up."""
import errno
import importlib.util
import json
import os
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from mmppml.crypto import to_blocks
from mmppml.offline import EncryptionError, EncryptionSpec, encrypt_dataset
from mmppml.offline.image_ops import encrypt_image, read_header
from mmppml.offline.lock import OutputLock

TOOL = Path(__file__).resolve().parents[2] / 'tools' / 'encrypt_dataset.py'


def run(*args):
    """Run the tool in this process; return its exit code."""
    spec = importlib.util.spec_from_file_location('encrypt_dataset_tool', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main([str(a) for a in args] + ['--quiet'])


def noise(side=32, seed=0, channels=3):
    shape = (side, side, channels) if channels > 1 else (side, side)
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def make_folder(root: Path, per_class=4, side=32, classes=('a', 'b')) -> Path:
    for c in classes:
        (root / c).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            cv2.imwrite(str(root / c / f'img_{i}.png'), noise(side, seed=hash((c, i)) % 1000))
    return root


def pngs(root: Path):
    return sorted(p for p in root.rglob('*.png') if not p.name.startswith('.'))


def patch_multiset(img, p):
    return sorted(b.tobytes() for b in to_blocks(img, p))


def report_of(out: Path) -> dict:
    return json.loads(out.with_name(out.name + '.report.json').read_text())


# 1. Plaintext written as an encrypted copy ------------------------------------------------------


def test_settings_that_would_write_plaintext_are_refused(tmp_path, capsys):
    src = make_folder(tmp_path / 'src', side=64)
    assert run(src, tmp_path / 'mi', '--mode', 'mi', '-P', '16', '-S', '16') == 2
    assert 'mix nothing' in capsys.readouterr().err and not (tmp_path / 'mi').exists()
    assert run(src, tmp_path / 'rs', '--mode', 'rs', '-P', '64', '--resize', '64', '64') == 2
    assert 'at least 4' in capsys.readouterr().err and not (tmp_path / 'rs').exists()
    # Known only per image: one 64-px patch per image. Every image is refused, none written.
    out = tmp_path / 'rs_crop'
    assert run(src, out, '--mode', 'rs', '-P', '64', '--size-mismatch', 'crop') == 3
    assert pngs(out) == []
    assert all('at least 4' in s['reason'] for s in report_of(out)['skipped'])


def test_no_output_equals_its_source(tmp_path):
    """2 x 2 grids: without a redraw, 1 in 24 shuffles would hand the plain image over."""
    spec = EncryptionSpec('rs', 8)
    img = noise(16)
    for _ in range(300):
        assert not np.array_equal(encrypt_image(img, spec), img)
    with pytest.raises(EncryptionError, match='unchanged'):  # all blocks identical: nothing can hide it
        encrypt_image(np.full((16, 16, 3), 7, np.uint8), spec)


# 2. Hostile sources ------------------------------------------------------------------------------


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width x height`` pixels (the data a bomb would inflate to)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))

    ihdr = struct.pack('>IIBBBBB', width, height, 8, 0, 0, 0, 0)
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', zlib.compress(b'')) + chunk(b'IEND', b'')


def test_devices_fifos_and_bombs_are_skipped_without_reading_them(tmp_path):
    src = make_folder(tmp_path / 'src')
    os.symlink('/dev/zero', src / 'a' / 'x.png')
    os.mkfifo(src / 'a' / 'p.png')
    (src / 'a' / 'bomb.png').write_bytes(png_header_only(100_000, 100_000))
    (src / 'a' / 'big.png').write_bytes(cv2.imencode('.png', noise(64))[1].tobytes())
    out = tmp_path / 'out'
    cmd = [
        sys.executable,
        str(TOOL),
        str(src),
        str(out), '--mode', 'rs', '-P', '8', '--quiet', '--follow-symlinks', '--max-pixels', '2000', '--workers', '1'
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)  # a FIFO must not hang it
    assert result.returncode == 3, result.stderr
    report = report_of(out)
    reasons = {s['file']: s['reason'] for s in report['skipped'] + report['ignored']}
    assert 'not a regular file' in reasons['a/x.png'] and 'not a regular file' in reasons['a/p.png']
    assert 'over the cap of 2000' in reasons['a/bomb.png'] and 'over the cap of 2000' in reasons['a/big.png']
    assert len(pngs(out)) == 8
    with pytest.raises(EncryptionError, match='10000000000 pixels'):  # header only, nothing decoded
        read_header(png_header_only(100_000, 100_000), 10**8)


def test_file_size_cap(tmp_path):
    src = make_folder(tmp_path / 'src', per_class=1, classes=('a', ))
    out = tmp_path / 'out'
    size = (src / 'a' / 'img_0.png').stat().st_size
    assert run(src, out, '--mode', 'rs', '-P', '8', '--max-file-bytes', size - 1) == 3
    assert f'{size} bytes, over the cap of {size - 1}' in report_of(out)['skipped'][0]['reason']


# 3. Symlinks -------------------------------------------------------------------------------------


def test_link_policy_inside_followed_outside_reported(tmp_path):
    src = make_folder(tmp_path / 'src')
    elsewhere = make_folder(tmp_path / 'elsewhere', classes=('c', ))
    os.symlink(elsewhere / 'c', src / 'c')  # a class folder kept elsewhere
    os.symlink(src / 'a' / 'img_0.png', src / 'b' / 'linked_inside.png')
    os.symlink(elsewhere / 'c' / 'img_1.png', src / 'b' / 'linked_outside.png')
    out = tmp_path / 'out'
    assert run(src, out, '--mode', 'rs', '-P', '8') == 0
    ignored = {i['file']: i['reason'] for i in report_of(out)['ignored']}
    assert set(ignored) == {'c', 'b/linked_outside.png'}
    assert all('outside the source' in r for r in ignored.values())
    assert len(pngs(out / 'a')) == 4 and len(pngs(out / 'b')) == 5  # the inside link is followed
    wide = tmp_path / 'wide'
    assert run(src, wide, '--mode', 'rs', '-P', '8', '--follow-symlinks') == 0
    assert len(pngs(wide / 'c')) == 4 and len(pngs(wide / 'b')) == 6


# 4. Names leak -----------------------------------------------------------------------------------


def test_report_with_names_stays_out_of_the_hand_over_folder(tmp_path):
    src = make_folder(tmp_path / 'src')
    (src / 'a' / 'unreadable_dave_medical.jpg').write_bytes(b'not a jpeg')
    (src / 'a' / '.dave_hidden.png').write_bytes(b'x')
    (src / 'a' / 'dave_animation.gif').write_bytes(b'GIF89a')
    out = tmp_path / 'handover'
    assert run(src, out, '--mode', 'rs', '-P', '8') == 3
    for path in out.rglob('*'):
        if path.is_file():
            assert b'dave' not in path.read_bytes() and b'img_' not in path.read_bytes(), path
    report = report_of(out)
    assert [s['file'] for s in report['skipped']] == ['a/unreadable_dave_medical.jpg']
    assert {i['file'] for i in report['ignored']} == {'a/.dave_hidden.png', 'a/dave_animation.gif'}
    manifest = json.loads((out / 'manifest.json').read_text())
    assert manifest['counts'] == {'sources': 9, 'encrypted': 8, 'skipped': 1, 'ignored': 2, 'classes': 2}
    assert run(src, tmp_path / 'x', '--mode', 'rs', '-P', '8', '--report', tmp_path / 'x' / 'r.json') == 2


# 5. Lock and orphaned workers --------------------------------------------------------------------


def test_a_second_run_on_the_same_output_is_refused(tmp_path, capsys):
    src = make_folder(tmp_path / 'src')
    out = tmp_path / 'out'
    out.mkdir()
    with OutputLock(out):
        assert run(src, out, '--mode', 'rs', '-P', '8') == 5
        assert f'pid {os.getpid()}' in capsys.readouterr().err
    assert run(src, out, '--mode', 'rs', '-P', '8') == 0  # released: no stale lock


def children_of(pid: int):
    found = []
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                stat = Path(f'/proc/{entry}/stat').read_text()
            except OSError:
                continue
            if int(stat.rsplit(')', 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError:
        return False


def test_workers_die_with_a_killed_parent_and_the_rerun_completes(tmp_path):
    src = make_folder(tmp_path / 'src', per_class=40)
    out = tmp_path / 'out'
    cmd = [sys.executable, str(TOOL), str(src), str(out), '--mode', 'rs', '-P', '8', '--workers', '2', '--quiet']
    proc = subprocess.Popen(
        cmd + ['--pause-before-rename', '0.05'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(pngs(out)) < 4:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    workers = children_of(proc.pid)
    assert workers
    os.kill(proc.pid, signal.SIGKILL)  # the parent only
    proc.wait()
    deadline = time.monotonic() + 10
    while any(alive(w) for w in workers):
        assert time.monotonic() < deadline, 'workers outlived their parent'
        time.sleep(0.05)
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads((out / 'manifest.json').read_text())['complete'] is True
    assert not [p for p in out.rglob('.mmppml-tmp-*')]
    snapshot = {p: p.stat().st_mtime_ns for p in pngs(out)}
    time.sleep(0.3)
    assert {p: p.stat().st_mtime_ns for p in pngs(out)} == snapshot and len(snapshot) == 80


def test_not_marked_complete_while_temp_files_remain(tmp_path, monkeypatch):
    src = make_folder(tmp_path / 'src')
    out = tmp_path / 'out'
    real_remove = __import__('mmppml.offline.engine', fromlist=['x']).remove_temp_files

    def plant_after_cleanup(root, *prefix):  # another writer leaves a temp file while this run holds the output
        removed = real_remove(root, *prefix)
        (Path(root) / '.mmppml-tmp-intruder.png').write_bytes(b'x')
        return removed

    monkeypatch.setattr('mmppml.offline.engine.remove_temp_files', plant_after_cleanup)
    with pytest.raises(EncryptionError, match='not marked complete') as info:
        encrypt_dataset(src, out, EncryptionSpec('rs', 8), progress_stream=None)
    assert info.value.exit_code == 4
    assert json.loads((out / 'manifest.json').read_text())['complete'] is False


# 6. Exit codes -----------------------------------------------------------------------------------


@pytest.mark.parametrize('err', [errno.EROFS, errno.ENOSPC])
def test_unwritable_output_stops_with_exit_4(tmp_path, monkeypatch, capsys, err):
    src = make_folder(tmp_path / 'src')

    def fail(root, name, data, fsync=False, pause=0., prefix=None):
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr('mmppml.offline.worker.write_output', fail)
    assert run(src, tmp_path / 'out', '--mode', 'rs', '-P', '8', '--workers', '1') == 4
    assert os.strerror(err) in capsys.readouterr().err


def test_bad_requests_exit_2_with_a_message(tmp_path, capsys):
    src = make_folder(tmp_path / 'src')
    (tmp_path / 'file').write_text('x')
    cases = [
        ([tmp_path / 'file' / 'out', '--mode', 'rs', '-P', '8'], 'is not a directory'),
        ([tmp_path / 'o1', '--mode', 'rs', '-P', '0'], 'patch_size must be a positive integer'),
        ([tmp_path / 'o2', '--mode', 'rs', '-P', '8', '--key-file', tmp_path / 'no' / 'k.npz',
          '--new-key'], 'does not exist'),
        ([tmp_path / 'o3', '--mode', 'rs', '-P', '8', '--workers', '-3'], 'workers must be an integer >= 1'),
    ]
    for args, message in cases:
        assert run(src, *args) == 2, args
        err = capsys.readouterr().err
        assert message in err and 'Traceback' not in err, err
    help_text = subprocess.run([sys.executable, str(TOOL), '--help'], capture_output=True, text=True).stdout
    assert all(f'\n  {code} ' in help_text for code in (0, 2, 3, 4, 5, 130))


# 7. Resume verifies --------------------------------------------------------------------------------


def test_resume_redoes_files_it_did_not_write(tmp_path):
    src = make_folder(tmp_path / 'src')
    out = tmp_path / 'out'
    assert run(src, out, '--mode', 'rs', '-P', '8') == 0
    garbage, planted = out / 'a' / '000000.png', out / 'a' / '000001.png'
    garbage.write_bytes(b'garbage')
    planted.write_bytes((src / 'a' / 'img_1.png').read_bytes())  # the plain image itself
    assert run(src, out, '--mode', 'rs', '-P', '8') == 0
    for enc, plain in ((garbage, 'img_0.png'), (planted, 'img_1.png')):
        enc, plain = cv2.imread(str(enc)), cv2.imread(str(src / 'a' / plain))
        assert not np.array_equal(enc, plain) and patch_multiset(enc, 8) == patch_multiset(plain, 8)


# 8. Rough edges: formats and losses ----------------------------------------------------------------


def test_jpe_encrypted_alpha_and_16_bit_reported(tmp_path, capsys):
    src = tmp_path / 'src'
    (src / 'a').mkdir(parents=True)
    cv2.imwrite(str(src / 'a' / 'photo.jpe'), noise(32))
    cv2.imwrite(str(src / 'a' / 'rgba.png'), noise(32, channels=4))
    cv2.imwrite(str(src / 'a' / 'deep.png'), (noise(32).astype(np.uint16) * 257))
    out = tmp_path / 'out'
    assert run(src, out, '--mode', 'rs', '-P', '8') == 0
    assert len(pngs(out)) == 3
    printed = capsys.readouterr().out
    assert '1 image(s) decoded with their alpha channel dropped' in printed
    assert '1 image(s) decoded with their more than 8 bits per channel reduced to 8' in printed
    assert report_of(out)['decoded_with_loss'] == {'alpha': ['a/rgba.png'], '16-bit': ['a/deep.png']}
