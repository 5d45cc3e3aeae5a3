"""A labelled grid of images saved as PNG (OpenCV and NumPy only), e.g. plain vs encrypted pictures."""
import os
import os.path as osp
from typing import Optional, Sequence

import cv2
import numpy as np

from mmppml.crypto import round_to_uint8

FONT = cv2.FONT_HERSHEY_SIMPLEX


def _to_rgb_uint8(img: np.ndarray) -> np.ndarray:
    img = np.asarray(img)
    if img.dtype != np.uint8:
        img = round_to_uint8(img)
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f'expected (H, W) or (H, W, 3) images, got shape {img.shape}')
    return img


def _fit(img: np.ndarray, cell: int) -> np.ndarray:
    """Scale to fit a ``cell x cell`` square: nearest when enlarging (blocks stay sharp), area else."""
    h, w = img.shape[:2]
    scale = cell / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(img, size, interpolation=cv2.INTER_NEAREST if scale > 1 else cv2.INTER_AREA)


def _text_width(text: str, font_scale: float) -> int:
    return cv2.getTextSize(text, FONT, font_scale, 1)[0][0]


def make_image_grid(rows: Sequence[Sequence[Optional[np.ndarray]]],
                    row_labels: Optional[Sequence[str]] = None,
                    col_labels: Optional[Sequence[str]] = None,
                    cell_size: int = 160,
                    gap: int = 6,
                    font_scale: float = 0.45) -> np.ndarray:
    """Arrange images in a grid with optional row and column labels.

    Args:
        rows (Sequence[Sequence[np.ndarray | None]]): rows of RGB (H, W, 3) or gray (H, W) images,
            uint8 or float (rounded and clipped to 0-255); None leaves a cell empty. Each image is
            scaled to fit a ``cell_size`` square, keeping its aspect ratio.
        row_labels (Sequence[str], optional): one per row, written left of it.
        col_labels (Sequence[str], optional): one per column, written above it.
        cell_size (int): side of a cell in pixels.
        gap (int): pixels between cells.
        font_scale (float): OpenCV font scale of the labels.

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB on a white background.
    """
    n_cols = max((len(r) for r in rows), default=0)
    if not rows or n_cols == 0:
        raise ValueError('rows must hold at least one image')
    if row_labels is not None and len(row_labels) != len(rows):
        raise ValueError(f'{len(row_labels)} row labels for {len(rows)} rows')
    if col_labels is not None and len(col_labels) != n_cols:
        raise ValueError(f'{len(col_labels)} column labels for {n_cols} columns')
    line = cv2.getTextSize('Ag', FONT, font_scale, 1)[0][1] + 10
    left = max((_text_width(t, font_scale) for t in row_labels), default=0) + 2 * gap if row_labels else 0
    top = line + gap if col_labels else 0
    step = cell_size + gap
    canvas = np.full((top + len(rows) * step + gap, left + n_cols * step + gap, 3), 255, np.uint8)
    for j, text in enumerate(col_labels or ()):
        x = left + gap + j * step + max(0, (cell_size - _text_width(text, font_scale)) // 2)
        cv2.putText(canvas, text, (x, line - 4), FONT, font_scale, (0, 0, 0), 1, cv2.LINE_AA)
    for i, row in enumerate(rows):
        y0 = top + gap + i * step
        if row_labels:
            cv2.putText(canvas, row_labels[i], (gap, y0 + cell_size // 2), FONT, font_scale, (0, 0, 0), 1, cv2.LINE_AA)
        for j, img in enumerate(row):
            if img is None:
                continue
            tile = _fit(_to_rgb_uint8(img), cell_size)
            th, tw = tile.shape[:2]
            y, x = y0 + (cell_size - th) // 2, left + gap + j * step + (cell_size - tw) // 2
            canvas[y:y + th, x:x + tw] = tile
    return canvas


def save_png(path: str, rgb: np.ndarray) -> None:
    """Write an RGB uint8 image to ``path`` (a .png file), creating the parent directory."""
    if not path.lower().endswith('.png'):
        raise ValueError(f'expected a .png path, got {path}')
    parent = osp.dirname(osp.abspath(path))
    os.makedirs(parent, exist_ok=True)
    if not cv2.imwrite(path, np.ascontiguousarray(rgb[..., ::-1])):
        raise OSError(f'could not write {path}')
