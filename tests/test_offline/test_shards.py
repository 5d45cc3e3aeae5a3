"""Shards of a run: the K mod N split, their own files, and the merge's checks (mmppml/offline/shards.py)."""
import hashlib
import itertools

import pytest

from mmppml.offline import EncryptionError
from mmppml.offline.files import Journal
from mmppml.offline.lock import LOCK_NAME
from mmppml.offline.shards import (check_shards_finished, is_shard_file, merge_journals, parse_shard,
                                   remove_shard_files, shard_files, shard_states, shard_tasks, write_state)

SETTINGS = dict(layout='image-folder', sources=7)


@pytest.mark.parametrize('text, shard', [('0/1', (0, 1)), (' 3 / 4 ', (3, 4)), ('10/12', (10, 12))])
def test_shards_are_parsed(text, shard):
    assert parse_shard(text) == shard


@pytest.mark.parametrize('text', ['4/4', '1/0', '-1/2', '1', 'a/b', '1/2/3', '1.0/2'])
def test_bad_shards_are_refused(text):
    with pytest.raises(EncryptionError, match='--shard must be K/N with 0 <= K < N'):
        parse_shard(text)


@pytest.mark.parametrize('sources', [0, 1, 7, 13])
@pytest.mark.parametrize('n', [1, 2, 3, 5, 16])
def test_the_shards_cover_every_source_exactly_once(sources, n):
    listing = [f'cls/{i:03d}.png' for i in range(sources)]
    parts = [shard_tasks(listing, (k, n)) for k in range(n)]
    assert sorted(itertools.chain.from_iterable(parts)) == listing  # all, none twice
    for k, part in enumerate(parts):
        assert part == [src for i, src in enumerate(listing) if i % n == k]  # K mod N, in listing order
    assert max(map(len, parts)) - min(map(len, parts)) <= 1  # balanced


def test_each_shard_has_files_of_its_own_that_are_told_from_the_run_files():
    own = [shard_files((k, n)) for n in (2, 3) for k in range(n)]
    names = [name for files in own for name in (files.lock, files.journal, files.state)]
    assert len(set(names)) == len(names) and len({files.temp for files in own}) == len(own)
    assert all(is_shard_file(name) for name in names)
    assert not any(is_shard_file(name) for name in (LOCK_NAME, Journal.NAME, 'manifest.json', '.mmppml-tmp-x'))


def test_state_files_round_trip_and_a_damaged_one_reads_as_none(tmp_path):
    write_state(tmp_path, (0, 2), SETTINGS, dict(sources=4), fsync=False)
    (tmp_path / shard_files((1, 2)).state).write_text('{"shard": [1, 2], "compl')
    assert shard_states(tmp_path) == {
        (0, 2): dict(shard=[0, 2], complete=True, settings=SETTINGS, counts=dict(sources=4)),
        (1, 2): None
    }


def test_the_merge_needs_every_shard_of_one_split_finished_with_the_same_settings(tmp_path):
    with pytest.raises(EncryptionError, match='no shard has run'):
        check_shards_finished(tmp_path, SETTINGS)
    write_state(tmp_path, (1, 3), SETTINGS, {}, False)
    with pytest.raises(EncryptionError, match=r'shard\(s\) 0/3, 2/3 have not finished'):
        check_shards_finished(tmp_path, SETTINGS)
    write_state(tmp_path, (0, 3), SETTINGS, {}, False)
    write_state(tmp_path, (2, 3), SETTINGS, {}, False)
    assert check_shards_finished(tmp_path, SETTINGS) == 3
    with pytest.raises(EncryptionError, match='other settings'):
        check_shards_finished(tmp_path, dict(SETTINGS, sources=8))
    write_state(tmp_path, (0, 2), SETTINGS, {}, False)  # started by mistake: the stray one is named
    with pytest.raises(EncryptionError, match=r'split in \[2, 3\] parts') as info:
        check_shards_finished(tmp_path, SETTINGS)
    assert f'If 0/2 ran by mistake, delete their state, journal and lock files in {tmp_path}: ' \
           '.mmppml-shard-0-of-2.json .mmppml-done-shard-0-of-2 .mmppml-lock-shard-0-of-2;' in str(info.value)


def test_the_merge_takes_the_journals_of_the_shards_whose_files_are_intact(tmp_path):
    for k, name in enumerate(['a/0.png', 'a/1.png']):
        journal = Journal(tmp_path, shard_files((k, 2)).journal)
        data = name.encode()
        (tmp_path / 'a').mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(data)
        journal.add(name, hashlib.sha256(data).hexdigest(), len(data), ['alpha'] if k else ())
        journal.close()
    (tmp_path / 'a' / '0.png').write_bytes(b'A/0.PNG')  # replaced after its shard finished: same size
    merged = Journal(tmp_path)
    merge_journals(tmp_path, 2, merged)
    assert sorted(merged.entries) == ['a/1.png'] and merged.losses == {'a/1.png': ('alpha', )}


def test_removing_the_shard_files_leaves_everything_else(tmp_path):
    for k in range(2):
        files = shard_files((k, 2))
        for name in (files.lock, files.journal, files.state):
            (tmp_path / name).write_bytes(b'')
    for name in (LOCK_NAME, Journal.NAME, 'manifest.json', 'x.png'):
        (tmp_path / name).write_bytes(b'')
    remove_shard_files(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([LOCK_NAME, Journal.NAME, 'manifest.json', 'x.png'])
