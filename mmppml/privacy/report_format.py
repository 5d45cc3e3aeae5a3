"""Cells of the privacy reports: numbers as table text, Markdown tables, estimates with their intervals,
images as uint8 for the figures, and the rows that say what each attacker's model trained on."""
import time
from typing import List

import numpy as np

from mmppml.crypto import round_to_uint8


def format_value(v, digits: int = 3, missing: str = '') -> str:
    """A table cell: a float to ``digits`` places (``'n/a'`` for NaN), None as ``missing``, else as text."""
    if isinstance(v, float):
        return 'n/a' if np.isnan(v) else f'{v:.{digits}f}'
    return missing if v is None else str(v)


def training_row(model: str, images: int, trained, start: float) -> dict:
    """A row of a report's training table: ``trained`` (a model with ``trained_steps``, and ``trained_images``
    where it counts the samples it saw) trained on ``images`` public images since ``start`` (``time.time()``)."""
    row = dict(model=model, images=images, steps=trained.trained_steps)
    if hasattr(trained, 'trained_images'):
        row['samples'] = trained.trained_images
    return dict(row, seconds=time.time() - start)


def _table(header: List[str], rows: List[list]) -> str:
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(format_value(v) for v in row) + ' |' for row in rows]
    return '\n'.join(lines)


def _ci(row: dict, key: str) -> str:
    """``0.123 [0.100, 0.150]`` from ``key``, ``key_low`` and ``key_high`` of a row ('-' if absent)."""
    if row.get(key) is None:
        return '-'
    low, high = row.get(f'{key}_low'), row.get(f'{key}_high')
    return f'{row[key]:.3f} [{low:.3f}, {high:.3f}]' if low is not None else f'{row[key]:.3f}'


def _display(img: np.ndarray) -> np.ndarray:
    """uint8 view of an image; float images with negative values (inverted pixels) are min-max scaled."""
    img = np.asarray(img)
    if img.dtype == np.uint8:
        return img
    img = img.astype(np.float64)
    if img.min() < 0:
        img = 255 * (img - img.min()) / max(img.max() - img.min(), 1e-9)
    return round_to_uint8(img)
