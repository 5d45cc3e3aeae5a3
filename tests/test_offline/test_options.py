"""Run options and the files a run writes beside its output (mmppml/offline/options.py)."""
import json

import pytest

from mmppml.offline import EncryptionError, RunOptions
from mmppml.offline.options import check_written_files, is_report


@pytest.mark.parametrize('kwargs, message', [
    (dict(workers=0), 'workers'),
    (dict(max_pixels=True), 'max_pixels'),
    (dict(png_compression=10), 'png_compression'),
    (dict(shard=(0, 2), merge=True), 'exclude each other'),
    (dict(shard=(0, 2), new_key=True), 'every shard would draw its own key'),
])
def test_bad_options_are_refused(kwargs, message):
    with pytest.raises(EncryptionError, match=message):
        RunOptions(**kwargs)


def test_only_an_earlier_report_may_be_written_over(tmp_path):
    src, out = tmp_path / 'src', tmp_path / 'out'
    src.mkdir()
    report = tmp_path / 'r.json'
    report.write_text(json.dumps(dict(created='x', source='y', counts={}, skipped=[])))
    assert is_report(report)
    check_written_files(src, out, report, RunOptions())
    report.write_text('{"created": 1}')
    with pytest.raises(EncryptionError, match='not a report'):
        check_written_files(src, out, report, RunOptions())
    key = tmp_path / 'k.npz'
    with pytest.raises(EncryptionError, match='overwrite the key file'):
        check_written_files(src, out, key, RunOptions(key_file=key, new_key=True))
    with pytest.raises(EncryptionError, match='new key file .* inside the source'):
        check_written_files(src, out, tmp_path / 'r2.json', RunOptions(key_file=src / 'k.npz', new_key=True))
