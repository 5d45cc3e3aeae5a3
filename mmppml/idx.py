"""Reading and writing IDX files of unsigned bytes (the MNIST / Fashion-MNIST format), plain or gzipped; NumPy only.

An IDX file is a big-endian header, magic ``0x08 0x0D`` style: ``0x00 0x00 0x08 D`` for D-dimensional
unsigned bytes (``0x801`` labels, ``0x803`` images), then D sizes (uint32), then the data.
"""
import gzip
from typing import Optional, Tuple

import numpy as np

GZIP_MAGIC = b'\x1f\x8b'


def _open(path: str):
    with open(path, 'rb') as f:
        gzipped = f.read(2) == GZIP_MAGIC
    return gzip.open(path, 'rb') if gzipped else open(path, 'rb')


def _read_header(f, path: str, magic: int) -> Tuple[int, ...]:
    dims = magic & 0xff
    header = f.read(4 + 4 * dims)
    if len(header) < 4 + 4 * dims or int.from_bytes(header[:4], 'big') != magic:
        raise ValueError(f'{path} is not an IDX file of unsigned bytes with {dims} dims')
    return tuple(int.from_bytes(header[4 + 4 * i:8 + 4 * i], 'big') for i in range(dims))


def read_idx_header(path: str, magic: int) -> Tuple[int, ...]:
    """The shape an IDX file (plain or gzipped) declares.

    Args:
        path (str): the file.
        magic (int): the expected magic number, e.g. ``0x803`` (images), ``0x801`` (labels).

    Raises:
        ValueError: if the file is not an IDX file of ``magic``.
    """
    with _open(path) as f:
        return _read_header(f, path, magic)


def read_idx(path: str, magic: int, limit: Optional[int] = None) -> np.ndarray:
    """The first ``limit`` items (all when None) of an IDX file of unsigned bytes, plain or gzipped.

    Returns:
        np.ndarray: uint8 of the declared shape, the first axis cut to ``limit``.

    Raises:
        ValueError: if the file is not an IDX file of ``magic`` or is shorter than it declares.
    """
    with _open(path) as f:
        shape = list(_read_header(f, path, magic))
        if limit is not None:
            shape[0] = min(shape[0], limit)
        count = int(np.prod(shape))
        data = f.read(count)
    if len(data) < count:
        raise ValueError(f'{path} is cut short: {len(data)} of the {count} bytes it declares')
    return np.frombuffer(data, dtype=np.uint8).reshape(shape).copy()


def write_idx(path: str, array: np.ndarray) -> None:
    """Write ``array`` (values 0-255) as an IDX file of unsigned bytes, gzipped when ``path`` ends in ``.gz``.

    Args:
        path (str): the file.
        array (np.ndarray): D-dimensional, e.g. (N, 28, 28) images or (N, ) labels.
    """
    array = np.asarray(array)
    if array.size and (array.min() < 0 or array.max() > 255):
        raise ValueError(f'IDX unsigned bytes hold 0-255, got values {array.min()} to {array.max()}')
    header = bytes([0, 0, 0x08, array.ndim]) + b''.join(int(n).to_bytes(4, 'big') for n in array.shape)
    with (gzip.open if path.endswith('.gz') else open)(path, 'wb') as f:
        f.write(header + array.astype(np.uint8).tobytes())
