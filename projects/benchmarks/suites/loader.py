"""Data-loader throughput with and without each encryption: the pipeline of :mod:`.pipeline`, fed
by a torch ``DataLoader`` with 2 workers and collated as mmpretrain does (``default_collate``).

Each loader keeps its workers between epochs; the epochs of all loaders are interleaved round by
round (after one warm-up epoch each), and a row is the throughput ratio of one full epoch. A second loader
of the plain pipeline (:data:`CONTROL`) gives the same ratio for two identical loaders: how far the
measurement itself strays from 1.
"""
import math
from typing import Callable, Dict, List

import cv2
import numpy as np
from torch.utils.data import DataLoader, Dataset

from .rows import Row, ratio_row
from .timing import time_interleaved

THROUGHPUT_TARGET = ('>=', 0.98)
CONTROL = 'plain (a second loader)'  # the plain pipeline again: the ratio of two identical loaders
WORKERS = 2
# images per epoch, photo size (W, H), batch size, interleaved rounds
SETTINGS = dict(full=(2000, (600, 400), 32, 5), quick=(48, (150, 100), 8, 1))


class PipelineDataset(Dataset):
    """``count`` samples read in turn from ``paths`` through ``pipeline``."""

    def __init__(self, paths: List[str], count: int, pipeline: Callable) -> None:
        self.paths, self.count, self.pipeline = paths, count, pipeline

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> dict:
        return self.pipeline(dict(img_path=self.paths[index % len(self.paths)]))


def write_photos(folder, size) -> List[str]:
    """Four natural photos as JPEGs (quality 90) of ``size`` (W, H); their paths."""
    from skimage import data
    paths = []
    for i, photo in enumerate((data.coffee(), data.chelsea(), data.astronaut(), data.rocket())):
        path = f'{folder}/loader_{i}.jpg'
        img = cv2.resize(np.ascontiguousarray(photo[..., ::-1]), size, interpolation=cv2.INTER_AREA)
        if not cv2.imwrite(path, img, [cv2.IMWRITE_JPEG_QUALITY, 90]):
            raise RuntimeError(f'cannot write {path}')
        paths.append(path)
    return paths


def run(cfg, folder: str, pipelines: Dict[str, Callable]) -> List[Row]:
    """Rows for each encrypted pipeline of ``pipelines`` (``'plain'`` is the reference), and for the control:
    a second loader of the plain pipeline."""
    from mmengine.dataset import default_collate
    count, size, batch, repeats = SETTINGS['quick' if cfg.quick else 'full']
    paths = write_photos(folder, size)
    pipelines = dict(pipelines, **{CONTROL: pipelines['plain']})
    loaders = {
        name:
        DataLoader(
            PipelineDataset(paths, count, pipeline),
            batch_size=batch,
            num_workers=WORKERS,
            persistent_workers=True,
            collate_fn=default_collate)
        for name, pipeline in pipelines.items()
    }

    def epoch(loader: DataLoader) -> None:
        for _ in loader:
            pass

    timings = time_interleaved({
        name: (lambda loader=loader: epoch(loader))
        for name, loader in loaders.items()
    }, repeats)
    rows = []
    for name in loaders:
        if name == 'plain':
            continue
        what = 'of a second plain loader / the first' if name == CONTROL else f'with {name} / without'
        row = ratio_row(
            'pipeline', f'data loader images/s {what} ({WORKERS} workers, {count} '
            f'images of 4 {size[0]}x{size[1]} JPEGs, RRC 224, flip, pack, collate)',
            timings,
            name,
            'plain',
            None if name == CONTROL else THROUGHPUT_TARGET,
            images=count,
            workers=WORKERS,
            batch=batch,
            plain_images_per_s=count / min(timings.wall['plain']),
            throughput=True)
        row.cpu_ratio = math.nan  # the work is in the workers; this process's CPU time says nothing
        rows.append(row)
    del loaders  # ends the workers
    return rows
