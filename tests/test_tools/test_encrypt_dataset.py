import importlib.util
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from coco_inputs import annotation

from mmppml.crypto import mix_subpatches, to_blocks
from mmppml.crypto.keyed_scramble import invert_scramble, load_key
from mmppml.offline import EncryptionError, EncryptionSpec

TOOL = Path(__file__).resolve().parents[2] / 'tools' / 'encrypt_dataset.py'
CLASSES = ('cat', 'dog', 'fish')
PER_CLASS = 100
CORRUPT = ('dog/corrupt.png', 'fish/empty.jpg')


def load_tool():
    spec = importlib.util.spec_from_file_location('encrypt_dataset_tool', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(*args):
    """Run the tool in this process; return its exit code."""
    return load_tool().main([str(a) for a in args] + ['--quiet'])


@pytest.fixture(scope='module')
def source(tmp_path_factory):
    """300 noise images (32 px, every 8-px patch unique) in 3 class folders, 2 corrupt files, extras."""
    root = tmp_path_factory.mktemp('plain_photos')
    rng = np.random.default_rng(0)
    for label in CLASSES:
        (root / label).mkdir()
        for i in range(PER_CLASS):
            cv2.imwrite(str(root / label / f'img_{i:03d}.png'), rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))
    (root / CORRUPT[0]).write_bytes(b'this is not a png')
    (root / CORRUPT[1]).write_bytes(b'')
    (root / 'cat' / 'notes.txt').write_text('not an image')
    (root / 'cat' / '.hidden.png').write_bytes(b'ignored')
    return root


def expected_names(source):
    """Source relative path -> output relative path: per-folder index in sorted order."""
    names = {}
    for label in CLASSES:
        files = sorted(
            p.name for p in (source / label).iterdir() if not p.name.startswith('.') and p.suffix in ('.png', '.jpg'))
        names.update({f'{label}/{f}': f'{label}/{i:06d}.png' for i, f in enumerate(files)})
    return names


def outputs(root):
    return sorted(p for p in root.rglob('*.png') if not p.name.startswith('.'))


def temp_files(root):
    return [p for p in root.rglob('*') if p.name.startswith('.mmppml-tmp-')]


def patch_multiset(img, p):
    return sorted(b.tobytes() for b in to_blocks(img, p))


def walk_json(obj):
    """Yield every (key, value) pair of a JSON document."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k, v
            yield from walk_json(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from walk_json(v)


def assert_nothing_secret(out, source):
    for path in out.rglob('*'):
        if path.is_file():
            assert path.suffix not in ('.npy', '.npz')
            data = path.read_bytes()
            assert str(source).encode() not in data and str(out.resolve()).encode() not in data
            assert b'img_0' not in data  # source file names are replaced by indices
    manifest = json.loads((out / 'manifest.json').read_text())
    for key, value in walk_json(manifest):
        assert 'perm' not in key.lower() and 'seed' not in key.lower()
        assert not (isinstance(value, list) and len(value) > 2)


def test_killed_run_resumes_to_a_complete_valid_copy(source, tmp_path):
    out = tmp_path / 'encrypted'
    cmd = [
        sys.executable,
        str(TOOL),
        str(source),
        str(out), '--mode', 'rs', '--patch-size', '8', '--workers', '2', '--quiet'
    ]
    proc = subprocess.Popen(
        cmd + ['--pause-before-rename', '0.01'], start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not (out.exists() and len(outputs(out)) >= 60):
        assert proc.poll() is None, 'the run ended before it could be interrupted'
        assert time.monotonic() < deadline, 'no progress'
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole run, workers included
    proc.wait()

    renamed = outputs(out)
    assert 60 <= len(renamed) < 3 * PER_CLASS
    # Done are the files the journal records (written by the run as each result came back); files
    # renamed by a worker whose result the killed parent never saw are redone.
    journaled = [json.loads(line)['name'] for line in (out / '.mmppml-done').read_text().splitlines()]
    done_before = {out / name: (out / name).stat().st_ino for name in journaled}
    assert len(renamed) - 2 * 32 <= len(done_before) <= len(renamed)
    assert json.loads((out / 'manifest.json').read_text())['complete'] is False
    for p in renamed:  # whatever was renamed into place is a whole, valid image
        assert cv2.imread(str(p)) is not None
    leftover = out / 'cat' / '.mmppml-tmp-from-a-crash.png'  # as a kill between write and rename leaves
    leftover.write_bytes(b'\x89PNG half')

    result = subprocess.run(cmd, capture_output=True, text=True)
    assert result.returncode == 3, result.stderr  # 3: done, but corrupt sources were skipped
    assert f'already done: {len(done_before)}' in result.stdout
    assert temp_files(out) == []
    names = expected_names(source)
    assert sorted(p.relative_to(out).as_posix() for p in outputs(out)) == sorted(dst for src, dst in names.items()
                                                                                 if src not in CORRUPT)
    for p, inode in done_before.items():
        assert p.stat().st_ino == inode  # finished files were not redone
    for src, dst in names.items():
        if src in CORRUPT:
            continue
        plain, enc = cv2.imread(str(source / src)), cv2.imread(str(out / dst))
        assert enc.shape == plain.shape
        assert patch_multiset(enc, 8) == patch_multiset(plain, 8)  # an RS image of its own source
    report = json.loads((tmp_path / 'encrypted.report.json').read_text())  # beside the copy, not in it
    assert sorted(s['file'] for s in report['skipped']) == sorted(CORRUPT)
    assert sorted(i['file'] for i in report['ignored']) == ['cat/.hidden.png', 'cat/notes.txt']
    manifest = json.loads((out / 'manifest.json').read_text())
    assert manifest['complete'] is True
    assert manifest['counts'] == {'sources': 302, 'encrypted': 300, 'skipped': 2, 'ignored': 2, 'classes': 3}
    assert manifest['settings']['encryption']['mode'] == 'rs'
    assert_nothing_secret(out, source)


def make_coco(root, rle=True):
    """Two images (48x64 and 32x80, HxW) with boxes, polygons and an RLE mask."""
    from pycocotools import mask as mask_utils
    rng = np.random.default_rng(1)
    (root / 'imgs').mkdir()
    images, anns = [], []
    for i, (h, w) in enumerate([(48, 64), (32, 80)], start=1):
        cv2.imwrite(str(root / 'imgs' / f'photo_{i}.jpg'), rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
        images.append(
            dict(
                id=i,
                file_name=f'photo_{i}.jpg',
                width=w,
                height=h,
                coco_url='http://x/y.jpg',
                flickr_url='http://flickr/z.jpg',
                date_captured='2020-01-01',
                license=1))
        anns.append(
            annotation(
                10 * i,
                i, [4., 8., 20., 16.],
                area=320.,
                iscrowd=0,
                segmentation=[[4., 8., 24., 8., 24., 24., 4., 24.]]))
    if rle:
        mask = np.zeros((48, 64), np.uint8)
        mask[8:24, 16:48] = 1
        segm = mask_utils.encode(np.asfortranarray(mask))
        anns.append(
            annotation(
                99,
                1, [16., 8., 32., 16.],
                area=512.,
                iscrowd=1,
                segmentation=dict(size=segm['size'], counts=segm['counts'].decode())))
    coco = dict(images=images, annotations=anns, categories=[dict(id=1, name='thing')], info={})
    (root / 'ann.json').write_text(json.dumps(coco))
    return root / 'imgs', root / 'ann.json'


def test_coco_mi_rescales_annotations_and_drops_image_urls(tmp_path):
    from pycocotools import mask as mask_utils
    images, ann = make_coco(tmp_path)
    out = tmp_path / 'enc'
    assert run(images, out, '--mode', 'mi', '-P', '16', '-S', '8', '--coco-ann', ann, '--workers', '1') == 0
    coco = json.loads((out / 'annotations.json').read_text())
    by_id = {img['id']: img for img in coco['images']}
    assert by_id[1] == dict(id=1, file_name='000000000001.png', width=32, height=24)  # no URLs, no dates
    assert by_id[2] == dict(id=2, file_name='000000000002.png', width=40, height=16)
    box = next(a for a in coco['annotations'] if a['id'] == 10)
    assert box['bbox'] == [2., 4., 10., 8.] and box['area'] == 80.
    assert box['segmentation'] == [[2., 4., 12., 4., 12., 12., 2., 12.]]
    crowd = next(a for a in coco['annotations'] if a['id'] == 99)
    mask = mask_utils.decode(crowd['segmentation'])
    assert mask.shape == (24, 32) and mask.sum() == 128 and mask[4:12, 8:24].all()
    for i in (1, 2):  # the pixels are the rounded MI of the source
        plain = cv2.imread(str(images / f'photo_{i}.jpg'))
        expected = np.clip(np.rint(mix_subpatches(plain, 16, 8)), 0, 255).astype(np.uint8)
        np.testing.assert_array_equal(cv2.imread(str(out / 'images' / f'{i:012d}.png')), expected)
    assert b'photo_' not in (out / 'annotations.json').read_bytes()  # source file names are not handed over


def test_coco_mi_with_resize_scales_boxes_per_axis(tmp_path):
    images, ann = make_coco(tmp_path, rle=False)
    out = tmp_path / 'enc'
    assert run(images, out, '--mode', 'mi', '-P', '16', '-S', '8', '--coco-ann', ann, '--resize', '32', '32') == 0
    coco = json.loads((out / 'annotations.json').read_text())
    assert all((img['width'], img['height']) == (16, 16) for img in coco['images'])
    box = next(a for a in coco['annotations'] if a['image_id'] == 1)  # 48x64 -> 32x32 -> MI 16x16
    np.testing.assert_allclose(box['bbox'], [4 * 0.25, 8 / 3, 20 * 0.25, 16 / 3])
    assert cv2.imread(str(out / 'images' / '000000000001.png')).shape == (16, 16, 3)


@pytest.mark.parametrize('mode', ['rs', 'rs-on-mi'])
def test_shuffling_modes_refuse_boxes(tmp_path, mode, capsys):
    images, ann = make_coco(tmp_path, rle=False)
    extra = ['-S', '8'] if mode == 'rs-on-mi' else []
    assert run(images, tmp_path / 'enc', '--mode', mode, '-P', '16', *extra, '--coco-ann', ann) == 2
    assert '--mode mi for detection' in capsys.readouterr().err
    assert not (tmp_path / 'enc').exists()


def test_refuses_output_under_the_source_and_bad_sizes(source, tmp_path, capsys):
    assert run(source, source / 'cat' / 'enc', '--mode', 'rs', '-P', '8') == 2
    assert 'must not be inside the source' in capsys.readouterr().err
    assert not (source / 'cat' / 'enc').exists()
    assert run(source, tmp_path / 'enc', '--mode', 'rs', '-P', '16', '--resize', '40', '48') == 2
    assert 'resize height=40 is not a multiple of patch_size=16' in capsys.readouterr().err
    assert run(source, tmp_path / 'enc', '--mode', 'mi', '-P', '16', '-S', '6') == 2
    assert 'must divide' in capsys.readouterr().err


def test_keyed_scramble_key_outside_output_and_resume_checks(tmp_path, capsys):
    src = tmp_path / 'plain'
    (src / 'a').mkdir(parents=True)
    rng = np.random.default_rng(2)
    for i in range(4):
        cv2.imwrite(str(src / 'a' / f'x{i}.png'), rng.integers(0, 256, (16, 24, 3), dtype=np.uint8))
    out, key_file = tmp_path / 'enc', tmp_path / 'secret' / 'k.npz'
    assert run(src, out, '--mode', 'rs', '-P', '8', '--key-file', out / 'k.npz', '--new-key') == 2
    assert 'must not be inside the output' in capsys.readouterr().err
    key_file.parent.mkdir()
    assert run(src, out, '--mode', 'rs', '-P', '8', '--key-file', key_file, '--new-key', '--keep-names') == 0
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = load_key(key_file)
    assert key.block_size == 8 and key.channels == 3
    for i in range(4):
        plain, enc = cv2.imread(str(src / 'a' / f'x{i}.png')), cv2.imread(str(out / 'a' / f'x{i}.png'))
        assert patch_multiset(enc, 8) != patch_multiset(plain, 8)
        assert patch_multiset(invert_scramble(enc, key), 8) == patch_multiset(plain, 8)
    manifest = (out / 'manifest.json').read_text()
    assert key.key_id in manifest and str(key_file) not in manifest
    # A rerun must use the same key and settings: another key or patch size is refused.
    other = tmp_path / 'secret' / 'other.npz'
    assert run(src, out, '--mode', 'rs', '-P', '8', '--key-file', other, '--new-key', '--keep-names') == 2
    assert 'keyed_scramble' in capsys.readouterr().err
    assert run(src, out, '--mode', 'rs', '-P', '8', '--key-file', key_file, '--keep-names') == 0
    assert run(src, out, '--mode', 'rs', '-P', '8', '--key-file', key_file, '--new-key', '--keep-names') == 2
    assert 'pass --key-file without --new-key' in capsys.readouterr().err


def test_sizes_planned_from_resize_options():
    short = EncryptionSpec('rs', 16, short_side=224)
    assert short.resized_size(375, 500) == (224, 304)  # long side 298.7 -> nearest multiple of 16
    assert short.resized_size(500, 375) == (304, 224)
    padded = EncryptionSpec('mi', 16, 8, size_mismatch='pad')
    assert padded.aligned_size(30, 33) == (32, 48) and padded.output_size(30, 33) == (16, 24)
    assert EncryptionSpec('rs', 8, size_mismatch='crop').aligned_size(30, 33) == (24, 32)
    with pytest.raises(EncryptionError, match='not a multiple of patch_size=8; use --resize'):
        EncryptionSpec('rs', 8).aligned_size(30, 32)
    with pytest.raises(EncryptionError, match='needs sub_patch_size'):
        EncryptionSpec('rs-on-mi', 16)


def test_coco_file_names_must_stay_inside_the_image_folder(tmp_path, capsys):
    images, ann = make_coco(tmp_path, rle=False)
    coco = json.loads(ann.read_text())
    coco['images'][0]['file_name'] = '../outside.jpg'
    ann.write_text(json.dumps(coco))
    assert run(images, tmp_path / 'enc', '--mode', 'mi', '-P', '16', '-S', '8', '--coco-ann', ann) == 2
    assert 'must be a relative path inside' in capsys.readouterr().err
