import gzip

import numpy as np
import pytest
from import_guard import run_without

from mmppml.idx import read_idx, read_idx_header


def write_idx(path, array, magic, compress=False):
    data = magic.to_bytes(4, 'big') + b''.join(d.to_bytes(4, 'big') for d in array.shape) + array.tobytes()
    (gzip.open if compress else open)(path, 'wb').write(data)


@pytest.mark.parametrize('compress', [False, True])
def test_reads_plain_and_gzipped_idx_files(tmp_path, compress):
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    path = str(tmp_path / 'images')
    write_idx(path, images, 0x803, compress)
    assert read_idx_header(path, 0x803) == (5, 28, 28)
    np.testing.assert_array_equal(read_idx(path, 0x803), images)
    np.testing.assert_array_equal(read_idx(path, 0x803, limit=2), images[:2])
    labels = np.arange(5, dtype=np.uint8)
    write_idx(path, labels, 0x801, compress)
    np.testing.assert_array_equal(read_idx(path, 0x801), labels)


def test_bad_files_get_a_clear_error(tmp_path):
    path = str(tmp_path / 'labels')
    write_idx(path, np.arange(5, dtype=np.uint8), 0x801)
    with pytest.raises(ValueError, match='not an IDX file of unsigned bytes with 3 dims'):
        read_idx(path, 0x803)
    with open(path, 'r+b') as f:
        f.truncate(10)
    with pytest.raises(ValueError, match='cut short'):
        read_idx(path, 0x801)


def test_imports_without_torch():
    blocked = ('torch', 'mmengine', 'mmcv', 'cv2')
    out = run_without(blocked,
                      f'import mmppml.idx\nprint(sorted(m for m in sys.modules if m.split(".")[0] in {blocked!r}))')
    assert out == '[]'
