"""Encrypting one source file, and a run's tasks in this process or in workers (mmppml/offline/worker.py)."""
import hashlib
import re

import cv2
import numpy as np
import pytest

from mmppml.crypto import to_blocks
from mmppml.offline import EncryptionError, EncryptionSpec, OutputError, Summary
from mmppml.offline.files import Journal
from mmppml.offline.progress import Progress
from mmppml.offline.worker import WorkerConfig, check_pixels, encrypt_one, run_tasks


def config(tmp_path, spec=EncryptionSpec('rs', 8), **kwargs):
    args = dict(
        spec=spec,
        key=None,
        source=tmp_path / 'src',
        output=tmp_path / 'out',
        png_compression=1,
        fsync=False,
        pause=0.,
        max_file_bytes=2**20,
        max_pixels=10**6,
        temp_prefix='.mmppml-tmp-')
    args.update(kwargs)
    return WorkerConfig(**args)


@pytest.fixture
def sources(tmp_path):
    """Four 16 x 24 colour PNGs, a broken file and a big one: {name: image or None}."""
    (tmp_path / 'src' / 'a').mkdir(parents=True)
    (tmp_path / 'out').mkdir()
    rng = np.random.default_rng(0)
    images = {}
    for i in range(4):
        images[f'a/{i}.png'] = rng.integers(0, 256, (16, 24, 3), dtype=np.uint8)
        cv2.imwrite(str(tmp_path / 'src' / f'a/{i}.png'), images[f'a/{i}.png'])
    (tmp_path / 'src' / 'a' / 'broken.png').write_bytes(b'\x89PNG\r\n\x1a\n broken')
    return images


def test_one_image_is_encrypted_written_and_checksummed(tmp_path, sources):
    result = encrypt_one(config(tmp_path), ('a/0.png', 'a/000000.png', (16, 24)))
    written = (tmp_path / 'out' / 'a' / '000000.png').read_bytes()
    assert result == dict(
        src='a/0.png', dst='a/000000.png', sha256=hashlib.sha256(written).hexdigest(), size=len(written), losses=[])
    out = cv2.imread(str(tmp_path / 'out' / 'a' / '000000.png'))
    blocks = [sorted(b.tobytes() for b in to_blocks(img, 8)) for img in (out, sources['a/0.png'])]
    assert blocks[0] == blocks[1]  # RS: the patches of the source
    assert [p.name for p in (tmp_path / 'out' / 'a').iterdir()] == ['000000.png']  # no temporary left


@pytest.mark.parametrize('task, kwargs, reason', [
    (('a/broken.png', 'x.png', None), {}, 'cannot decode the file as an image'),
    (('a/missing.png', 'x.png', None), {}, 'cannot read the file: No such file or directory'),
    (('a/0.png', 'x.png', (24, 16)), {}, r'the annotation file says 16x24 \(WxH\) but the image is 24x16'),
    (('a/0.png', 'x.png', None), dict(max_pixels=383), 'over the cap of 383'),
    (('a/0.png', 'x.png', None), dict(spec=EncryptionSpec('rs', 8, resize=(64, 64)),
                                      max_pixels=1000), r'would be resized to 64x64, 4096 pixels'),
    (('a/0.png', 'x.png', None), dict(spec=EncryptionSpec('rs', 16)), 'not a multiple of patch_size=16; use --resize'),
])
def test_a_source_that_cannot_be_encrypted_is_skipped_with_the_reason(tmp_path, sources, task, kwargs, reason):
    result = encrypt_one(config(tmp_path, **kwargs), task)
    assert set(result) == {'src', 'dst', 'reason'}
    assert re.search(reason, result['reason']), result['reason']
    assert not any((tmp_path / 'out').iterdir())  # nothing written


def test_a_file_over_the_size_cap_is_skipped(tmp_path, sources):
    result = encrypt_one(config(tmp_path, max_file_bytes=10), ('a/0.png', 'x.png', None))
    assert 'reason' in result and not (tmp_path / 'out' / 'x.png').exists()


def test_messages_lose_the_source_and_output_locations(tmp_path):
    cfg = config(tmp_path)
    assert cfg.scrub(f'failed on {tmp_path / "src"}/a.png and {(tmp_path / "out").resolve()}/b') == \
        'failed on <dir>/a.png and <dir>/b'


def test_the_pixel_cap_holds_for_the_resized_and_the_aligned_size():
    check_pixels(EncryptionSpec('rs', 8), 100, 100, 10**4)
    with pytest.raises(EncryptionError, match=r'resized to 104x104, 10816 pixels'):
        check_pixels(EncryptionSpec('rs', 8, size_mismatch='pad'), 100, 100, 10**4)  # padded up
    with pytest.raises(EncryptionError, match='resized to 48x16'):
        check_pixels(EncryptionSpec('rs', 8, short_side=16), 10, 30, 700)
    check_pixels(EncryptionSpec('rs', 8, short_side=16), 10, 30, 768)


def test_an_unwritable_output_stops_the_run(tmp_path, sources):
    (tmp_path / 'out' / 'a').write_bytes(b'a file where a folder goes')
    with pytest.raises(OutputError) as info:
        encrypt_one(config(tmp_path), ('a/0.png', 'a/000000.png', None))
    assert info.value.exit_code == 4 and 'out/a is not a folder' in str(info.value)


@pytest.mark.parametrize('workers', [1, 2])
def test_a_run_records_each_task_in_the_journal_and_the_summary(tmp_path, sources, workers):
    tasks = [(f'a/{i}.png', f'a/{i:06d}.png', None) for i in range(4)] + [('a/broken.png', 'a/000004.png', None)]
    journal, summary = Journal(tmp_path / 'out'), Summary(sources=5)
    progress = Progress(5, None)
    run_tasks(tasks, workers, config(tmp_path), journal, summary, progress)
    assert (summary.encrypted, progress.done) == (4, 5)
    assert [s['file'] for s in summary.skipped] == ['a/broken.png']
    again = Journal(tmp_path / 'out')  # closed and on disk
    assert sorted(again.entries) == [f'a/{i:06d}.png' for i in range(4)]
    assert all(again.is_done(tmp_path / 'out', name) for name in again.entries)
