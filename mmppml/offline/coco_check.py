"""Checking a COCO annotation file before anything is encrypted: every field the tool reads or hands over.

A malformed entry is a bad request (exit code 2) named by its position, found up front, so that a run
never stops after encrypting, and a rerun never meets it again half-way. RLE masks are checked against
their image's size without decoding them, so a mask cannot make the run allocate more than its image.
"""
import math
from pathlib import PurePosixPath
from typing import Dict, List, Optional, Tuple

import numpy as np

from .files import is_utf8
from .spec import EncryptionError


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_size(value) -> bool:
    """A positive whole number (COCO writes ints; an integral float is taken too)."""
    return _is_number(value) and value > 0 and float(value).is_integer()


def _numbers(value) -> bool:
    return isinstance(value, list) and all(_is_number(v) for v in value)


def _is_int(value, low: int = 0, high: Optional[int] = None) -> bool:
    """An integer (not a bool) in [low, high]."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= low and (high is None or value <= high)


# Values of a compressed RLE are at most 12 characters of 5 bits; larger ones are not masks of an image.
MAX_RLE_DIGITS = 12
# pycocotools keeps run lengths as uint32.
MAX_RLE_PIXELS = 2**32 - 1


def rle_string_counts(counts: str) -> Optional[np.ndarray]:
    """The run lengths a compressed COCO RLE string encodes, parsed as pycocotools' ``rleFrString`` does.

    Each value is a little-endian run of 5-bit digits (characters 48 to 111, bit 0x20 meaning "more"),
    sign-extended from its last digit; from the fourth value on it is a difference to the value two
    before. Nothing of the mask's size is allocated.

    Returns:
        np.ndarray | None: the (M,) int64 run lengths, or None for a string pycocotools would misread:
        other characters, a value cut short, one of more than :data:`MAX_RLE_DIGITS` digits or a
        run length outside [0, 2^32).
    """
    try:
        data = np.frombuffer(counts.encode('ascii'), np.uint8).astype(np.int64) - 48
    except UnicodeEncodeError:
        return None
    if data.size == 0:
        return np.zeros(0, np.int64)
    if data.min() < 0 or data.max() > 63 or data[-1] & 0x20:
        return None
    ends = np.flatnonzero((data & 0x20) == 0)
    starts = np.concatenate(([0], ends[:-1] + 1))
    digits = ends - starts + 1
    if digits.max() > MAX_RLE_DIGITS:
        return None
    position = np.arange(data.size) - np.repeat(starts, digits)
    values = np.add.reduceat((data & 0x1f) << (5 * position), starts)
    negative = (data[ends] & 0x10) != 0
    values[negative] -= np.left_shift(1, 5 * digits[negative])
    if np.abs(values).max() > MAX_RLE_PIXELS:
        return None
    runs = values.copy()
    runs[1::2] = np.cumsum(values[1::2])
    runs[2::2] = np.cumsum(values[2::2])
    if runs.min() < 0 or runs.max() > MAX_RLE_PIXELS:
        return None
    return runs


def check_file_name(name) -> str:
    """Return a COCO ``file_name`` or raise: a relative UTF-8 path inside the image folder."""
    if not isinstance(name, str) or not name or '\x00' in name or not is_utf8(name):
        raise ValueError(f'file_name must be a non-empty UTF-8 string, got {name!r}')
    path = PurePosixPath(name)
    if path.is_absolute() or '..' in path.parts or '\\' in name or path.name in ('', '.'):
        raise ValueError(f'file_name {name!r} must be a relative path inside the image folder, to a file')
    return name


def _image_problem(img) -> str:
    if not isinstance(img, dict):
        return f'is {type(img).__name__}, not an object'
    missing = [k for k in ('id', 'file_name', 'width', 'height') if k not in img]
    if missing:
        return f'has no {", ".join(missing)}'
    if not isinstance(img['id'], int) or isinstance(img['id'], bool) or img['id'] < 0:
        return f'id must be a non-negative integer, got {img["id"]!r}'
    for key in ('width', 'height'):
        if not _is_size(img[key]):
            return f'{key} must be a positive integer, got {img[key]!r}'
    try:
        check_file_name(img['file_name'])
    except ValueError as e:
        return str(e)
    return ''


def _rle_problem(segm: dict, image_hw: Optional[Tuple[int, int]]) -> str:
    """What is wrong with an RLE mask of an image of ``image_hw`` (None: no image has its id)."""
    size, counts = segm.get('size'), segm.get('counts')
    if not (isinstance(size, list) and len(size) == 2 and all(_is_size(v) for v in size)):
        return f'RLE segmentation needs size [height, width], got {size!r}'
    h, w = int(size[0]), int(size[1])
    if image_hw is not None and (h, w) != tuple(image_hw):
        return f'RLE segmentation has size {size!r}, but its image is [{image_hw[0]}, {image_hw[1]}] (height, width)'
    if isinstance(counts, str):
        runs = rle_string_counts(counts)
        if runs is None:
            return 'RLE segmentation counts is not a valid compressed RLE string'
        total = int(runs.sum())
    elif isinstance(counts, list) and all(_is_int(c) for c in counts):
        total = sum(counts)
    else:
        return 'RLE segmentation counts must be a string or a list of non-negative integers'
    if total != h * w:
        return f'RLE segmentation counts cover {total} pixels, not the {h} x {w} = {h * w} of its size'
    return ''


def _segmentation_problem(segm, image_hw: Optional[Tuple[int, int]]) -> str:
    if isinstance(segm, list):
        if not all(_numbers(poly) and len(poly) % 2 == 0 for poly in segm):
            return 'segmentation polygons must be lists of x, y numbers'
    elif isinstance(segm, dict):
        return _rle_problem(segm, image_hw)
    else:
        return f'segmentation must be polygons or an RLE object, got {type(segm).__name__}'
    return ''


def _annotation_problem(ann, sizes: Dict[int, Tuple[int, int]]) -> str:
    if not isinstance(ann, dict):
        return f'is {type(ann).__name__}, not an object'
    if not isinstance(ann.get('image_id'), int) or isinstance(ann['image_id'], bool):
        return f'needs an integer image_id, got {ann.get("image_id")!r}'
    for key, high in (('id', None), ('category_id', None), ('num_keypoints', None), ('iscrowd', 1), ('ignore', 1)):
        if key in ann and not (_is_int(ann[key], 0, high) or (high == 1 and isinstance(ann[key], bool))):
            return f'{key} must be {"0 or 1" if high == 1 else "a non-negative integer"}, got {ann[key]!r}'
    bbox = ann.get('bbox')
    if 'bbox' in ann and not (_numbers(bbox) and len(bbox) == 4 and bbox[2] >= 0 and bbox[3] >= 0):
        return f'bbox must be [x, y, width, height] of numbers with width, height >= 0, got {bbox!r}'
    if 'area' in ann and not _is_number(ann['area']):
        return f'area must be a number, got {ann["area"]!r}'
    if 'segmentation' in ann:
        problem = _segmentation_problem(ann['segmentation'], sizes.get(ann['image_id']))
        if problem:
            return problem
    keypoints = ann.get('keypoints')
    if 'keypoints' in ann and not (_numbers(keypoints) and len(keypoints) % 3 == 0):
        return 'keypoints must be a list of x, y, visibility numbers'
    return ''


def _category_problem(cat) -> str:
    if not isinstance(cat, dict):
        return f'is {type(cat).__name__}, not an object'
    if not _is_int(cat.get('id')):
        return f'needs a non-negative integer id, got {cat.get("id")!r}'
    for key in ('name', 'supercategory'):
        if key in cat and not isinstance(cat[key], str):
            return f'{key} must be a string, got {type(cat[key]).__name__}'
    if 'keypoints' in cat and not (isinstance(cat['keypoints'], list)
                                   and all(isinstance(k, str) for k in cat['keypoints'])):
        return 'keypoints must be a list of names'
    if 'skeleton' in cat and not (isinstance(cat['skeleton'], list) and all(
            isinstance(e, list) and len(e) == 2 and all(_is_int(v) for v in e) for e in cat['skeleton'])):
        return 'skeleton must be a list of [from, to] keypoint numbers'
    return ''


def check_coco(coco) -> List[dict]:
    """Check a loaded COCO annotation file; return the annotations that name no image.

    Returns:
        list[dict]: ``{'annotation': index, 'image_id': id}`` for each annotation whose
        ``image_id`` is no image's id (they cannot be encrypted; the report lists them).

    Raises:
        EncryptionError: naming the first malformed entry (or an annotation whose category_id is no category's).
    """
    if not isinstance(coco, dict) or not isinstance(coco.get('images'), list):
        raise EncryptionError('the COCO annotation file has no "images" list')
    for key in ('annotations', 'categories'):
        if key in coco and not isinstance(coco[key], list):
            raise EncryptionError(f'the COCO annotation file\'s "{key}" must be a list, got '
                                  f'{type(coco[key]).__name__}')
    sizes = {}
    for i, img in enumerate(coco['images']):
        problem = _image_problem(img)
        if not problem and img['id'] in sizes:
            problem = f'repeats the image id {img["id"]}'
        if problem:
            raise EncryptionError(f'COCO images[{i}] {problem}')
        sizes[img['id']] = (int(img['height']), int(img['width']))
    orphans = []
    for i, ann in enumerate(coco.get('annotations', [])):
        problem = _annotation_problem(ann, sizes)
        if problem:
            raise EncryptionError(f'COCO annotations[{i}] {problem}')
        if ann['image_id'] not in sizes:
            orphans.append({'annotation': i, 'image_id': ann['image_id']})
    for i, cat in enumerate(coco.get('categories', [])):
        problem = _category_problem(cat)
        if problem:
            raise EncryptionError(f'COCO categories[{i}] {problem}')
    category_ids = {cat['id'] for cat in coco.get('categories', [])}
    for i, ann in enumerate(coco.get('annotations', [])):
        if 'category_id' in ann and ann['category_id'] not in category_ids:
            raise EncryptionError(f'COCO annotations[{i}] category_id {ann["category_id"]} is the id of no category '
                                  'of the file')
    return orphans
