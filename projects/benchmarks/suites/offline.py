"""Offline encryption (:func:`mmppml.offline.encrypt_dataset`) over re-encoding the same files.

Both sides read each JPEG, decode it, encode a PNG (compression 1) and write it atomically with
fsync, in one process; the engine also encrypts (after cropping to a multiple of P) and writes
its manifest and report. The row is a throughput ratio: re-encode time / engine time.
"""
import shutil
import tempfile
from pathlib import Path
from typing import List

import cv2
import numpy as np

from mmppml.offline import EncryptionSpec, encrypt_dataset
from mmppml.offline.files import write_atomic
from mmppml.offline.image_ops import decode_image, encode_png
from .rows import Row, ratio_row
from .timing import time_interleaved

THROUGHPUT_TARGET = ('>=', 0.8)
SPECS = {
    'rs': EncryptionSpec('rs', 16, size_mismatch='crop'),
    'mi': EncryptionSpec('mi', 16, 8, size_mismatch='crop'),
    'rs-on-mi': EncryptionSpec('rs-on-mi', 16, 8, size_mismatch='crop'),
}


def make_source(folder: Path, count: int, size) -> List[str]:
    """Write ``count`` different natural JPEG photos of ``size`` (W, H) into ``folder``."""
    from skimage import data
    photos = [data.coffee(), data.chelsea(), data.astronaut(), data.rocket()]
    names = []
    for i in range(count):
        photo = photos[i % len(photos)][..., ::-1]
        if i // len(photos) % 2:
            photo = photo[:, ::-1]
        img = cv2.resize(np.ascontiguousarray(photo), size, interpolation=cv2.INTER_AREA)
        names.append(f'{i:04d}.jpg')
        if not cv2.imwrite(str(folder / names[-1]), img, [cv2.IMWRITE_JPEG_QUALITY, 90]):
            raise RuntimeError(f'cannot write {folder / names[-1]}')
    return names


def reencode(source: Path, names: List[str], output: Path) -> None:
    """The baseline: read, decode, encode as PNG and write each file, as the engine does."""
    output.mkdir()
    for i, name in enumerate(names):
        img = decode_image((source / name).read_bytes())
        write_atomic(output / f'{i}.png', encode_png(img, 1), fsync=True)


def run(cfg) -> List[Row]:
    count, size = (3, (100, 75)) if cfg.quick else (32, (500, 375))
    with tempfile.TemporaryDirectory(prefix='mmppml_bench_') as tmp:
        source = Path(tmp) / 'source'
        source.mkdir()
        names = make_source(source, count, size)
        outputs = {name: Path(tmp) / f'out_{name}' for name in ['reencode', *SPECS]}
        candidates = {'reencode': lambda: reencode(source, names, outputs['reencode'])}
        for mode, spec in SPECS.items():
            candidates[mode] = lambda mode=mode, spec=spec: encrypt_dataset(
                source, outputs[mode], spec, workers=1, progress_stream=None)

        def clear_outputs(round_index: int) -> None:
            for out in outputs.values():
                shutil.rmtree(out, ignore_errors=True)

        timings = time_interleaved(candidates, cfg.repeats, same_number=True, before_each=clear_outputs)
    source_desc = f'{count} JPEGs of {size[0]}x{size[1]}'
    return [
        ratio_row(
            'offline',
            f'offline {mode} throughput / decode+encode ({source_desc}, 1 process)',
            timings,
            mode,
            'reencode',
            THROUGHPUT_TARGET,
            images=count,
            image_size=f'{size[0]}x{size[1]}',
            throughput=True) for mode in SPECS
    ]
