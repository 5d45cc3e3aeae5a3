"""The journal and the source listing (mmppml/offline/files.py)."""
import hashlib
import os

import pytest

from mmppml.offline.files import Journal, list_images, write_json_atomic

ODD_NAMES = ['a/plain.png', 'a/line\nbreak.png', 'a/cr\rname.png', 'a/sep\u2028name.png', 'a/ünï çødé.png']


def test_the_journal_round_trips_every_name(tmp_path):
    (tmp_path / 'a').mkdir()
    journal = Journal(tmp_path)
    for i, name in enumerate(ODD_NAMES):
        (tmp_path / name).write_bytes(bytes([i]) * 10)
        journal.add(name, hashlib.sha256(bytes([i]) * 10).hexdigest(), 10)
    journal.close()
    again = Journal(tmp_path)
    assert sorted(again.entries) == sorted(ODD_NAMES)
    assert all(again.is_done(tmp_path, name) for name in ODD_NAMES)
    (tmp_path / ODD_NAMES[1]).write_bytes(b'\xff' * 10)  # same size, other content
    assert not Journal(tmp_path).is_done(tmp_path, ODD_NAMES[1])


def test_the_journal_reads_the_older_form_and_drops_cut_lines(tmp_path):
    digest = 'ab' * 32
    (tmp_path / Journal.NAME).write_text(f'{digest} 12 cls/000001.png\n{digest} 1\n{{"name": "x", "sha2')
    assert Journal(tmp_path).entries == {'cls/000001.png': (digest, 12)}


def test_links_to_folders_of_the_source_are_never_followed(tmp_path):
    for folder in ('zebra', 'deep/inner', '.hidden'):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / 'x.png').write_bytes(b'')
    os.symlink(tmp_path / 'zebra', tmp_path / 'aardvark')
    os.symlink(tmp_path / 'deep' / 'inner', tmp_path / 'alias')
    os.symlink(tmp_path / '.hidden', tmp_path / 'shown')  # the only way to its content: followed
    listing = list_images(tmp_path)
    assert listing.files == ['deep/inner/x.png', 'shown/x.png', 'zebra/x.png']
    assert {i['file'] for i in listing.ignored} == {'.hidden', 'aardvark', 'alias'}


def test_json_is_written_without_infinity_or_nan(tmp_path):
    for value in (float('inf'), float('nan')):
        with pytest.raises(ValueError):
            write_json_atomic(tmp_path / 'x.json', dict(area=value))
    assert list(tmp_path.iterdir()) == []


def test_the_journal_keeps_losses_by_output_name(tmp_path):
    journal = Journal(tmp_path)
    journal.add('a/000000.png', 'ab' * 32, 3, ['alpha', '16-bit'])
    journal.add('a/000001.png', 'cd' * 32, 3)
    journal.close()
    with open(tmp_path / Journal.NAME, 'a') as f:
        f.write('{"name": "a/000002.png", "sha256": "' + 'ef' * 32 + '", "size": 3, "losses": [1]}\n')
    again = Journal(tmp_path)
    assert again.losses == {'a/000000.png': ('alpha', '16-bit')} and sorted(again.entries) == sorted(journal.entries)
