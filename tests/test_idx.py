import gzip
import subprocess
import sys

import numpy as np
import pytest

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
    code = ('import sys, importlib.abc\n'
            'class Block(importlib.abc.MetaPathFinder):\n'
            '    def find_spec(self, name, *args):\n'
            f'        if name.split(".")[0] in {blocked!r}:\n'
            '            raise ImportError(name)\n'
            'sys.meta_path.insert(0, Block())\n'
            'import mmppml.idx\n'
            f'print(sorted(m for m in sys.modules if m.split(".")[0] in {blocked!r}))\n')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == '[]'
