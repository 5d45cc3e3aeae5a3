"""Convert the tree-crown photos shipped with the ``deepforest`` wheel to a tiled COCO dataset.

The wheel's ``deepforest/data/`` holds aerial RGB photos with Pascal VOC boxes (class ``Tree``).
Each annotated photo is cut into a grid of non-overlapping tiles of about ``--tile-size`` pixels
(the grid lines are spread evenly, so no pixel is lost and no tile overlaps another); boxes are
clipped to their tile and dropped when less than ``--min-visible`` of their area remains. Tiles are
then split into train and val with a seeded permutation (the same seed gives the same split).
Every box gets the one class ``Tree`` (one photo labels its trees ``Alive`` / ``Dead``); pass
``--class-name ''`` to keep the names of the annotation files.
Only the data files are read: deepforest itself (and its dependencies) is never imported.

Example::

    pip install --no-deps deepforest
    python tools/dataset_converters/deepforest_to_coco.py --out-dir data/trees

writes ``data/trees/images/*.png`` and ``data/trees/annotations/{train,val}.json``.
"""
import argparse
import json
import os
import os.path as osp
import xml.etree.ElementTree as ET
from importlib.util import find_spec
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.tif', '.tiff')


def deepforest_data_dir() -> str:
    """The ``data/`` folder of the installed deepforest package, found without importing it."""
    spec = find_spec('deepforest')
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError('deepforest is not installed; run `pip install --no-deps deepforest` '
                                'or pass --data-dir')
    return osp.join(list(spec.submodule_search_locations)[0], 'data')


def read_voc(xml_path: str) -> Tuple[str, List[Tuple[str, List[float]]]]:
    """Return the image file name and ``(class name, [x1, y1, x2, y2])`` of each object."""
    root = ET.parse(xml_path).getroot()
    objects = []
    for obj in root.iter('object'):
        box = obj.find('bndbox')
        coords = [float(box.find(key).text) for key in ('xmin', 'ymin', 'xmax', 'ymax')]
        objects.append((obj.find('name').text.strip(), coords))
    return root.find('filename').text.strip(), objects


def find_image(data_dir: str, xml_path: str, filename: str) -> Optional[str]:
    """The image an annotation file names, or one with the same stem in another format."""
    if osp.isfile(osp.join(data_dir, filename)) and filename.lower().endswith(IMAGE_SUFFIXES[:3]):
        return osp.join(data_dir, filename)
    for stem in (osp.splitext(filename)[0], osp.splitext(osp.basename(xml_path))[0]):
        for suffix in IMAGE_SUFFIXES:
            path = osp.join(data_dir, stem + suffix)
            if osp.isfile(path):
                return path
    return None


def grid_edges(length: int, tile_size: int) -> List[int]:
    """Edges of ``round(length / tile_size)`` (at least 1) nearly equal, non-overlapping tiles."""
    num = max(1, int(round(length / tile_size)))
    return [int(round(v)) for v in np.linspace(0, length, num + 1)]


def clip_boxes(boxes: np.ndarray, x0: int, y0: int, x1: int, y1: int,
               min_visible: float) -> Tuple[np.ndarray, np.ndarray]:
    """Boxes (N, 4) xyxy clipped to a tile and shifted to its origin; return them and the kept mask."""
    if len(boxes) == 0:
        return boxes.reshape(0, 4), np.zeros(0, dtype=bool)
    clipped = boxes.copy()
    clipped[:, 0::2] = clipped[:, 0::2].clip(x0, x1)
    clipped[:, 1::2] = clipped[:, 1::2].clip(y0, y1)
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    widths, heights = clipped[:, 2] - clipped[:, 0], clipped[:, 3] - clipped[:, 1]
    keep = (widths >= 1) & (heights >= 1) & (widths * heights >= min_visible * area)
    return clipped[keep] - np.array([x0, y0, x0, y0], dtype=boxes.dtype), keep


def convert(data_dir: str,
            out_dir: str,
            tile_size: int = 400,
            min_visible: float = 0.5,
            val_ratio: float = 0.25,
            seed: int = 0,
            class_name: Optional[str] = 'Tree') -> Dict[str, dict]:
    """Tile, split and write the dataset; return the COCO dicts by split name.

    ``class_name`` names the single class all objects get (some photos label trees ``Alive`` /
    ``Dead``); ``None`` keeps the names of the annotation files.
    """
    xml_files = sorted(f for f in os.listdir(data_dir) if f.lower().endswith('.xml'))
    if not xml_files:
        raise FileNotFoundError(f'no Pascal VOC .xml files in {data_dir}')
    os.makedirs(osp.join(out_dir, 'images'), exist_ok=True)
    os.makedirs(osp.join(out_dir, 'annotations'), exist_ok=True)

    class_names: List[str] = []
    tiles = []  # (file_name, height, width, boxes (N, 4), class names)
    for xml_file in xml_files:
        xml_path = osp.join(data_dir, xml_file)
        filename, objects = read_voc(xml_path)
        image_path = find_image(data_dir, xml_path, filename)
        if image_path is None:
            print(f'skip {xml_file}: image {filename} not found')
            continue
        img = cv2.imread(image_path, cv2.IMREAD_COLOR)
        if img is None:
            raise IOError(f'cannot read {image_path}')
        names = [class_name or name for name, _ in objects]
        for name in names:
            if name not in class_names:
                class_names.append(name)
        boxes = np.array([coords for _, coords in objects], dtype=np.float64).reshape(-1, 4)
        stem = osp.splitext(osp.basename(image_path))[0].replace(' ', '_')
        height, width = img.shape[:2]
        for y0, y1 in zip(grid_edges(height, tile_size)[:-1], grid_edges(height, tile_size)[1:]):
            for x0, x1 in zip(grid_edges(width, tile_size)[:-1], grid_edges(width, tile_size)[1:]):
                tile_boxes, keep = clip_boxes(boxes, x0, y0, x1, y1, min_visible)
                tile_name = f'{stem}_y{y0}_x{x0}.png'
                cv2.imwrite(osp.join(out_dir, 'images', tile_name), img[y0:y1, x0:x1])
                tiles.append((tile_name, y1 - y0, x1 - x0, tile_boxes, [n for n, k in zip(names, keep) if k]))

    order = np.random.default_rng(seed).permutation(len(tiles))
    num_val = int(round(val_ratio * len(tiles)))
    splits = dict(val=sorted(order[:num_val].tolist()), train=sorted(order[num_val:].tolist()))
    categories = [dict(id=i + 1, name=name) for i, name in enumerate(class_names)]
    category_ids = {c['name']: c['id'] for c in categories}
    outputs = {}
    for split, indices in splits.items():
        images, annotations = [], []
        for image_id, index in enumerate(indices, start=1):
            file_name, height, width, tile_boxes, names = tiles[index]
            images.append(dict(id=image_id, file_name=file_name, height=height, width=width))
            for (x1, y1, x2, y2), name in zip(tile_boxes.tolist(), names):
                w, h = x2 - x1, y2 - y1
                annotations.append(
                    dict(
                        id=len(annotations) + 1,
                        image_id=image_id,
                        category_id=category_ids[name],
                        bbox=[x1, y1, w, h],
                        area=w * h,
                        iscrowd=0))
        coco = dict(images=images, annotations=annotations, categories=categories)
        with open(osp.join(out_dir, 'annotations', f'{split}.json'), 'w') as f:
            json.dump(coco, f)
        outputs[split] = coco
        print(f'{split}: {len(images)} tiles, {len(annotations)} boxes')
    return outputs


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument(
        '--data-dir',
        help="folder of VOC .xml files and their photos "
        "(default: the installed deepforest package's data/)")
    parser.add_argument('--out-dir', default='data/trees', help='output folder (default: data/trees)')
    parser.add_argument('--tile-size', type=int, default=400, help='about this many pixels a side')
    parser.add_argument(
        '--min-visible',
        type=float,
        default=0.5,
        help='keep a clipped box if at least this fraction of its area is in the tile')
    parser.add_argument('--val-ratio', type=float, default=0.25, help='fraction of tiles held out')
    parser.add_argument('--seed', type=int, default=0, help='seed of the train/val split')
    parser.add_argument(
        '--class-name', default='Tree', help="the one class every box gets (default: Tree); '' keeps the file's names")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.tile_size < 1:
        raise ValueError(f'--tile-size must be positive, got {args.tile_size}')
    if not 0 < args.min_visible <= 1:
        raise ValueError(f'--min-visible must be in (0, 1], got {args.min_visible}')
    if not 0 <= args.val_ratio < 1:
        raise ValueError(f'--val-ratio must be in [0, 1), got {args.val_ratio}')
    convert(args.data_dir or deepforest_data_dir(), args.out_dir, args.tile_size, args.min_visible, args.val_ratio,
            args.seed, args.class_name or None)


if __name__ == '__main__':
    main()
