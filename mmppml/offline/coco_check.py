"""Checking a COCO annotation file before anything is encrypted: every field the tool reads.

A malformed entry is a bad request (exit code 2) named by its position, found up front, so that a run
never stops after encrypting, and a rerun never meets it again half-way.
"""
import math
from pathlib import PurePosixPath
from typing import List

from .files import is_utf8
from .spec import EncryptionError


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_size(value) -> bool:
    """A positive whole number (COCO writes ints; an integral float is taken too)."""
    return _is_number(value) and value > 0 and float(value).is_integer()


def _numbers(value) -> bool:
    return isinstance(value, list) and all(_is_number(v) for v in value)


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


def _segmentation_problem(segm) -> str:
    if isinstance(segm, list):
        if not all(_numbers(poly) and len(poly) % 2 == 0 for poly in segm):
            return 'segmentation polygons must be lists of x, y numbers'
    elif isinstance(segm, dict):
        size, counts = segm.get('size'), segm.get('counts')
        if not (isinstance(size, list) and len(size) == 2 and all(_is_size(v) for v in size)):
            return f'RLE segmentation needs size [height, width], got {size!r}'
        if not (isinstance(counts, str) or
                (isinstance(counts, list)
                 and all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in counts))):
            return 'RLE segmentation counts must be a string or a list of non-negative integers'
    else:
        return f'segmentation must be polygons or an RLE object, got {type(segm).__name__}'
    return ''


def _annotation_problem(ann) -> str:
    if not isinstance(ann, dict):
        return f'is {type(ann).__name__}, not an object'
    if not isinstance(ann.get('image_id'), int) or isinstance(ann['image_id'], bool):
        return f'needs an integer image_id, got {ann.get("image_id")!r}'
    bbox = ann.get('bbox')
    if 'bbox' in ann and not (_numbers(bbox) and len(bbox) == 4 and bbox[2] >= 0 and bbox[3] >= 0):
        return f'bbox must be [x, y, width, height] of numbers with width, height >= 0, got {bbox!r}'
    if 'area' in ann and not _is_number(ann['area']):
        return f'area must be a number, got {ann["area"]!r}'
    if 'segmentation' in ann:
        problem = _segmentation_problem(ann['segmentation'])
        if problem:
            return problem
    keypoints = ann.get('keypoints')
    if 'keypoints' in ann and not (_numbers(keypoints) and len(keypoints) % 3 == 0):
        return 'keypoints must be a list of x, y, visibility numbers'
    return ''


def check_coco(coco) -> List[dict]:
    """Check a loaded COCO annotation file; return the annotations that name no image.

    Returns:
        list[dict]: ``{'annotation': index, 'image_id': id}`` for each annotation whose
        ``image_id`` is no image's id (they cannot be encrypted; the report lists them).

    Raises:
        EncryptionError: naming the first malformed entry.
    """
    if not isinstance(coco, dict) or not isinstance(coco.get('images'), list):
        raise EncryptionError('the COCO annotation file has no "images" list')
    for key in ('annotations', 'categories'):
        if key in coco and not isinstance(coco[key], list):
            raise EncryptionError(f'the COCO annotation file\'s "{key}" must be a list, got '
                                  f'{type(coco[key]).__name__}')
    ids = set()
    for i, img in enumerate(coco['images']):
        problem = _image_problem(img)
        if not problem and img['id'] in ids:
            problem = f'repeats the image id {img["id"]}'
        if problem:
            raise EncryptionError(f'COCO images[{i}] {problem}')
        ids.add(img['id'])
    orphans = []
    for i, ann in enumerate(coco.get('annotations', [])):
        problem = _annotation_problem(ann)
        if problem:
            raise EncryptionError(f'COCO annotations[{i}] {problem}')
        if ann['image_id'] not in ids:
            orphans.append({'annotation': i, 'image_id': ann['image_id']})
    return orphans
