"""COCO annotations of an encrypted copy: image entries renamed and resized, geometry rescaled (MI).

Only the fields mmdet reads are handed over (a whitelist per kind of entry): anything else may name
people, places or the owner's folders (attributes, captions, source paths, e-mail addresses).
"""
import json
import math
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import Dict, Iterable, List, Tuple

import numpy as np

from mmppml.crypto import align_image
from .spec import EncryptionError, EncryptionSpec

# The fields handed over, per kind of entry; the rest is dropped (and counted in the report).
TOP_LEVEL_KEPT = ('images', 'annotations', 'categories')
# Image fields that may point at the plain picture (URLs, capture dates) are not copied.
IMAGE_FIELDS_KEPT = ('id', 'file_name', 'width', 'height')
ANNOTATION_FIELDS_KEPT = ('id', 'image_id', 'category_id', 'bbox', 'area', 'iscrowd', 'segmentation', 'keypoints',
                          'num_keypoints', 'ignore')
CATEGORY_FIELDS_KEPT = ('id', 'name', 'supercategory', 'keypoints', 'skeleton')


def load_coco(path: Path) -> dict:
    """Read a COCO json (checked with :func:`~mmppml.offline.coco_check.check_coco` before use)."""
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (OSError, ValueError, RecursionError) as e:
        raise EncryptionError(f'cannot read the COCO annotation file: {type(e).__name__}: {e}') from None


def check_coco_mode(coco: dict, spec: EncryptionSpec) -> None:
    """RS and RS-on-MI move blocks, so boxes and masks lose their meaning: refuse them."""
    if coco.get('annotations') and not spec.keeps_layout:
        raise EncryptionError(
            f'mode {spec.mode!r} shuffles blocks, so the {len(coco["annotations"])} boxes/masks in the '
            'annotation file would no longer match the image. Use --mode mi for detection, or encrypt '
            'the images as a class folder for classification.')
    if spec.size_mismatch == 'crop':
        raise EncryptionError('--size-mismatch crop would cut annotated objects; use --resize or pad')


def coco_output_names(coco: dict, keep_names: bool) -> Dict[str, str]:
    """Map each image's file_name to its output name: ``<id:012d>.png``, or with ``keep_names`` the file's
    own name as PNG; folders of the file_name never reach the output (their names may identify people)."""
    names, first = {}, {}
    for i, img in enumerate(coco['images']):
        src = img['file_name']
        if src in first:
            raise EncryptionError(f'COCO images[{i}] repeats the file_name {src!r} of images[{first[src]}]: each '
                                  'image entry needs a file of its own')
        first[src] = i
        names[src] = PurePosixPath(src).stem + '.png' if keep_names else f'{img["id"]:012d}.png'
    if len(set(names.values())) != len(names):  # only kept names can clash: ids are unique
        raise EncryptionError('COCO file names clash once renamed to .png without their folders; rename them or '
                              'drop --keep-names')
    return names


def dropped_fields(coco: dict) -> Dict[str, Dict[str, int]]:
    """The fields of a checked annotation file that are not handed over: names and counts, no values.

    Returns:
        dict[str, dict[str, int]]: for ``'top_level'``, ``'images'``, ``'annotations'`` and
        ``'categories'`` (those with any), each dropped field name -> the number of entries holding it.
    """
    entries = dict(top_level=[coco], images=coco['images'])
    entries.update(annotations=coco.get('annotations', []), categories=coco.get('categories', []))
    kept = dict(
        top_level=TOP_LEVEL_KEPT,
        images=IMAGE_FIELDS_KEPT,
        annotations=ANNOTATION_FIELDS_KEPT,
        categories=CATEGORY_FIELDS_KEPT)
    dropped = {}
    for kind, entries in entries.items():
        counts = Counter(k for entry in entries for k in entry if k not in kept[kind])
        if counts:
            dropped[kind] = dict(sorted(counts.items()))
    return dropped


def _scale_points(points: Iterable[float], sx: float, sy: float, stride: int = 2) -> List[float]:
    """Scale interleaved x, y[, extra...] coordinates; values past the pair are kept."""
    pts = list(points)
    for i in range(0, len(pts) - 1, stride):
        pts[i] *= sx
        pts[i + 1] *= sy
    return pts


def _rescale_rle(segm: dict, resized: Tuple[int, int], spec: EncryptionSpec, out: Tuple[int, int]) -> dict:
    """Resize (nearest), align and shrink an RLE mask the way its image was; re-encode it compressed."""
    import cv2
    from pycocotools import mask as mask_utils

    h, w = (int(v) for v in segm['size'])
    counts = segm['counts']
    rle = mask_utils.frPyObjects(dict(size=[h, w], counts=counts), h, w) if isinstance(counts, list) else dict(
        size=[h, w], counts=counts.encode('ascii'))
    mask = mask_utils.decode(rle)
    mask = cv2.resize(mask, resized[::-1], interpolation=cv2.INTER_NEAREST)
    mask = align_image(mask, spec.patch_size, spec.size_mismatch)
    mask = cv2.resize(mask, out[::-1], interpolation=cv2.INTER_NEAREST)
    new = mask_utils.encode(np.asfortranarray(mask))
    new['counts'] = new['counts'].decode('ascii')
    return new


def _scales(spec: EncryptionSpec, src_hw: Tuple[int, int]) -> Tuple[float, float]:
    """(sx, sy): the factors mapping coordinates of a ``src_hw`` image onto its MI-encrypted image."""
    resized = spec.resized_size(*src_hw)
    return resized[1] / src_hw[1] / spec.shrink, resized[0] / src_hw[0] / spec.shrink


def check_rescaled(coco: dict, spec: EncryptionSpec) -> None:
    """Refuse an annotation of a checked file that the rescale would give a value that is not finite (1e308
    times a scale over 1): such a value is no JSON and no box. Checked before anything is encrypted.

    Raises:
        EncryptionError: naming the annotation and its field (exit code 2).
    """
    sizes = {img['id']: (int(img['height']), int(img['width'])) for img in coco['images']}
    for i, ann in enumerate(coco.get('annotations', [])):
        if ann['image_id'] not in sizes:
            continue  # left out, and reported
        sx, sy = _scales(spec, sizes[ann['image_id']])
        segm = ann.get('segmentation')
        scaled = dict(
            bbox=_scale_points(ann.get('bbox', ()), sx, sy),
            area=[ann['area'] * sx * sy] if 'area' in ann else [],
            segmentation=[v for poly in segm for v in _scale_points(poly, sx, sy)] if isinstance(segm, list) else [],
            keypoints=_scale_points(ann.get('keypoints', ()), sx, sy, stride=3))
        for key, values in scaled.items():
            if not all(math.isfinite(v) for v in values):
                raise EncryptionError(f'COCO annotations[{i}] {key} holds a value that is not finite once rescaled '
                                      f'to its encrypted image (x {sx:g} across, x {sy:g} down): fix the value')


def rescale_annotation(ann: dict, spec: EncryptionSpec, src_hw: Tuple[int, int]) -> dict:
    """Map an annotation of a ``src_hw`` image onto its MI-encrypted image (a pure rescale); only the
    fields of :data:`ANNOTATION_FIELDS_KEPT` are kept."""
    resized = spec.resized_size(*src_hw)
    out_hw = spec.output_size(*src_hw)
    sx, sy = _scales(spec, src_hw)
    ann = {k: ann[k] for k in ANNOTATION_FIELDS_KEPT if k in ann}
    if 'bbox' in ann:
        x, y, w, h = ann['bbox']
        ann['bbox'] = [x * sx, y * sy, w * sx, h * sy]
    if 'area' in ann:
        ann['area'] = ann['area'] * sx * sy
    segm = ann.get('segmentation')
    if isinstance(segm, list):
        ann['segmentation'] = [_scale_points(poly, sx, sy) for poly in segm]
    elif isinstance(segm, dict):
        ann['segmentation'] = _rescale_rle(segm, resized, spec, out_hw)
    if 'keypoints' in ann:
        ann['keypoints'] = _scale_points(ann['keypoints'], sx, sy, stride=3)
    return ann


def encrypted_coco(coco: dict, spec: EncryptionSpec, names: Dict[str, str], done: set) -> dict:
    """The annotation file of the encrypted copy.

    Only images in ``done`` (source file names with an output) are kept, with their annotations;
    image entries keep only id, file_name (the output name), width and height, annotations and
    categories the fields mmdet reads (:data:`ANNOTATION_FIELDS_KEPT`, :data:`CATEGORY_FIELDS_KEPT`).
    Of the rest only ``categories`` is copied: ``info``, ``licenses`` and other top-level fields
    (descriptions, URLs, dates that may identify the source) are dropped; :func:`dropped_fields` says
    what.
    """
    images, hw = [], {}
    for img in coco['images']:
        if img['file_name'] not in done:
            continue
        src_hw = (int(img['height']), int(img['width']))
        out_h, out_w = spec.output_size(*src_hw)
        entry = {k: img[k] for k in IMAGE_FIELDS_KEPT}
        entry.update(file_name=names[img['file_name']], width=out_w, height=out_h)
        images.append(entry)
        hw[img['id']] = src_hw
    annotations = [
        rescale_annotation(a, spec, hw[a['image_id']]) for a in coco.get('annotations', []) if a.get('image_id') in hw
    ]
    categories = [{k: c[k] for k in CATEGORY_FIELDS_KEPT if k in c} for c in coco.get('categories', [])]
    return dict(images=images, annotations=annotations, categories=categories)
