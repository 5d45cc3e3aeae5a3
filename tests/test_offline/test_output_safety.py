"""Writing into an output folder someone else can write to: no link below it is ever followed
(mmppml/offline/files.py, lock.py, worker.py), even when planted while a run writes."""
import hashlib
import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from mmppml.offline import EncryptionError, EncryptionSpec, OutputError
from mmppml.offline.files import Journal, check_no_links, output_file_matches, read_run_file, write_output
from mmppml.offline.lock import OutputLock
from mmppml.offline.worker import WorkerConfig, encrypt_one


@pytest.fixture
def planted(tmp_path):
    """An output folder whose ``c`` is a link to a folder outside it, which holds ``victim.png``."""
    (tmp_path / 'out').mkdir()
    (tmp_path / 'elsewhere').mkdir()
    (tmp_path / 'elsewhere' / 'victim.png').write_bytes(b'precious')
    os.symlink(tmp_path / 'elsewhere', tmp_path / 'out' / 'c')
    return tmp_path / 'out', tmp_path / 'elsewhere'


def test_writes_never_go_through_a_linked_folder(planted):
    out, elsewhere = planted
    for name in ('c/victim.png', 'c/new.png', 'c/deeper/new.png'):
        with pytest.raises(EncryptionError, match="out/c is a symbolic link"):
            write_output(out, name, b'encrypted')
    assert sorted(p.name for p in elsewhere.iterdir()) == ['victim.png']
    assert (elsewhere / 'victim.png').read_bytes() == b'precious'
    with pytest.raises(EncryptionError, match='symbolic link'):
        check_no_links(out)
    digest = hashlib.sha256(b'precious').hexdigest()
    assert not output_file_matches(out, 'c/victim.png', digest, 8)  # never read through the link
    write_output(out, 'a/b/x.png', b'fine')
    assert (out / 'a' / 'b' / 'x.png').read_bytes() == b'fine'
    assert output_file_matches(out, 'a/b/x.png', hashlib.sha256(b'fine').hexdigest(), 4)


def test_a_link_planted_while_a_worker_writes_stops_the_run_with_exit_4(planted):
    out, elsewhere = planted
    src = out.parent / 'src'
    (src / 'c').mkdir(parents=True)
    cv2.imwrite(str(src / 'c' / 'victim.png'), np.random.default_rng(0).integers(0, 256, (32, 32, 3), np.uint8))
    config = WorkerConfig(EncryptionSpec('rs', 8), None, src, out, 1, False, 0., 2**20, 10**6, '.mmppml-tmp-')
    with pytest.raises(OutputError, match='symbolic link') as info:
        encrypt_one(config, ('c/victim.png', 'c/victim.png', None))
    assert info.value.exit_code == 4 and (elsewhere / 'victim.png').read_bytes() == b'precious'


@pytest.mark.parametrize('link', [os.symlink, os.link])
def test_the_lock_and_the_journal_are_never_opened_through_a_link(tmp_path, link):
    out, victim = tmp_path / 'out', tmp_path / 'KEY.npz'
    out.mkdir()
    victim.write_bytes(b'secret key')
    for name in ('.mmppml-lock', '.mmppml-done', 'manifest.json'):
        link(victim, out / name)
    with pytest.raises(EncryptionError, match='link'):
        OutputLock(out).__enter__()
    with pytest.raises(EncryptionError, match='link'):
        Journal(out)
    with pytest.raises(EncryptionError, match='link'):
        read_run_file(out / 'manifest.json')
    os.remove(out / '.mmppml-done')
    journal = Journal(out)
    link(victim, out / '.mmppml-done')  # planted after the run started
    with pytest.raises(OutputError, match='link'):
        journal.add('a/000000.png', 'ab' * 32, 1)
    assert victim.read_bytes() == b'secret key'


def test_a_fifo_planted_as_a_run_file_is_not_waited_on(tmp_path):
    os.mkfifo(tmp_path / '.mmppml-done')
    with pytest.raises(EncryptionError, match='not a regular file'):
        Journal(Path(tmp_path))
