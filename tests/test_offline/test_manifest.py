"""The manifest of an encrypted copy and the owner's report (mmppml/offline/manifest.py)."""
import json

import pytest

from mmppml.offline import EncryptionError, EncryptionSpec, Summary
from mmppml.offline.files import Journal, write_json_atomic
from mmppml.offline.lock import LOCK_NAME
from mmppml.offline.manifest import MANIFEST_NAME, check_resume, new_manifest, read_manifest, report

SPEC = EncryptionSpec('mi', 8, 4, resize=(32, 48))


def manifest(**kwargs):
    args = dict(spec=SPEC, layout='image-folder', keep_names=False, key_id=None, num_sources=5)
    args.update(kwargs)
    return new_manifest(**args)


def test_a_written_manifest_reads_back_equal(tmp_path):
    written = manifest(key_id='k' * 16, annotation_file='annotations.json')
    write_json_atomic(tmp_path / MANIFEST_NAME, written)
    read = read_manifest(tmp_path)
    assert read == json.loads(json.dumps(written))
    # The spec's own JSON record (its fields and values are pinned in test_spec.py), which reads back as the spec.
    assert read['settings']['encryption'] == json.loads(json.dumps(SPEC.to_dict()))
    assert EncryptionSpec(**read['settings']['encryption']) == SPEC
    assert read['settings']['keyed_scramble'] == dict(block_size=4, key_id='k' * 16)  # S: MI's blocks
    hint = read['model_hint']
    assert (hint['patch_size'], hint['image_size']) == (4, [16, 24])  # the output is halved by P / S
    assert read['complete'] is False and read['counts'] == dict(sources=5)


def test_the_manifest_names_no_source(tmp_path):
    text = json.dumps(manifest())
    assert str(tmp_path) not in text and 'source_listing' not in text


def test_a_folder_without_a_manifest_reads_as_none(tmp_path):
    assert read_manifest(tmp_path) is None


@pytest.mark.parametrize('content', [
    b'{"format": "mmppml-encrypted-dataset", "settings": {',
    b'\xff\xfe',
    b'[1, 2]',
    b'{"format": "something-else", "settings": {}}',
    b'{"format": "mmppml-encrypted-dataset", "settings": "rs"}',
])
def test_a_tampered_manifest_is_refused(tmp_path, content):
    (tmp_path / MANIFEST_NAME).write_bytes(content)
    with pytest.raises(EncryptionError, match=MANIFEST_NAME):
        read_manifest(tmp_path)


def test_an_empty_or_new_output_starts_afresh(tmp_path):
    assert check_resume(tmp_path / 'new', manifest()) is None
    assert check_resume(tmp_path, manifest()) is None
    (tmp_path / LOCK_NAME).write_bytes(b'')
    (tmp_path / Journal.NAME).write_bytes(b'')
    (tmp_path / '.mmppml-shard-0-of-2.json').write_bytes(b'{}')
    assert check_resume(tmp_path, manifest()) is None  # the run's own files are not content


def test_a_rerun_resumes_only_with_the_same_settings(tmp_path):
    first = manifest()
    write_json_atomic(tmp_path / MANIFEST_NAME, first)
    assert check_resume(tmp_path, manifest())['settings'] == json.loads(json.dumps(first['settings']))
    with pytest.raises(EncryptionError, match=r'\(sources differ\)'):
        check_resume(tmp_path, manifest(num_sources=6))
    with pytest.raises(EncryptionError, match=r'\(encryption, keyed_scramble differ\)'):
        check_resume(tmp_path, manifest(spec=EncryptionSpec('rs', 8), key_id='x'))
    edited = json.loads((tmp_path / MANIFEST_NAME).read_text())
    edited['settings']['encryption']['mode'] = 'rs'  # edited by hand
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(edited))
    with pytest.raises(EncryptionError, match=r'\(encryption differ\)'):
        check_resume(tmp_path, manifest())


def test_foreign_content_and_older_manifests_are_refused(tmp_path):
    (tmp_path / 'photo.png').write_bytes(b'')
    with pytest.raises(EncryptionError, match=f'holds no {MANIFEST_NAME}'):
        check_resume(tmp_path, manifest())
    old = manifest()
    old['settings']['source_listing_sha256'] = '00' * 32
    write_json_atomic(tmp_path / MANIFEST_NAME, old)
    with pytest.raises(EncryptionError, match='older version'):
        check_resume(tmp_path, manifest())
    with pytest.raises(EncryptionError, match='not a directory'):
        check_resume(tmp_path / 'photo.png', manifest())


def test_the_report_lists_what_was_left_out(tmp_path):
    summary = Summary(
        sources=3,
        skipped=[dict(file='a/x.png', reason='corrupt')],
        ignored=[dict(file='.hidden', reason='hidden')],
        lossy={'alpha': ['b/2.png', 'a/1.png']})
    counts = dict(sources=3, encrypted=2, skipped=1)
    out = report(summary, counts, tmp_path / 'src' / '..' / 'src')
    assert out['source'] == str((tmp_path / 'src').resolve()) and out['counts'] == counts
    assert out['skipped'] == summary.skipped and out['ignored'] == summary.ignored
    assert out['decoded_with_loss'] == {'alpha': ['a/1.png', 'b/2.png']}  # sorted
