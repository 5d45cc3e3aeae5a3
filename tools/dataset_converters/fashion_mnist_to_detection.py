"""Build a detection set offline: Fashion-MNIST objects pasted onto crops of scikit-image's photos (COCO).

Each image is a crop of one of scikit-image's bundled photos (a canvas of 128 to 192 px a side, in steps
of 32) with 1 to 6 Fashion-MNIST objects pasted at random sizes (20 to 64 px) and places, each
overlapping the others by at most ``--max-overlap`` of its box. An object's own pixel intensity is
its alpha, its colour a random one, so its box (the tight box of the pixels it changed) shows the
object and nothing else. Training images take their objects from Fashion-MNIST's training split,
validation images from its test split, so no object is in both. The same seed gives the same bytes.

Example::

    python tools/dataset_converters/fashion_mnist_to_detection.py --out-dir data/fmnist_det

writes ``data/fmnist_det/images/{train,val}/*.png`` and ``data/fmnist_det/annotations/{train,val}.json``
and prints how many images and boxes each split has.
"""
import argparse
import functools
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np

from mmppml.idx import read_idx

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))  # this checkout
CLASSES = ('T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot')
# scikit-image's photos shipped in its wheel (no download), colour and grey.
BACKGROUNDS = ('astronaut', 'coffee', 'chelsea', 'rocket', 'immunohistochemistry', 'hubble_deep_field', 'camera',
               'brick', 'grass', 'gravel', 'coins', 'moon', 'page', 'text', 'clock', 'cell')
CANVAS_SIDES = (128, 160, 192)
SPLITS = {'train': 'train', 'val': 't10k'}


@functools.lru_cache(maxsize=1)
def load_backgrounds() -> Tuple[np.ndarray, ...]:
    """scikit-image's bundled photos as uint8 BGR (H, W, 3), each at least as large as any canvas."""
    from skimage import data
    photos = []
    for name in BACKGROUNDS:
        img = getattr(data, name)()
        img = np.repeat(img[..., None], 3, axis=2) if img.ndim == 2 else img[..., :3][..., ::-1]
        scale = max(CANVAS_SIDES) / min(img.shape[:2])
        if scale > 1:  # every crop fits
            img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
        photos.append(np.ascontiguousarray(img, dtype=np.uint8))
    return tuple(photos)


def load_objects(root: str, split: str) -> Tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST (N, 28, 28) uint8 images and (N,) labels of ``split`` ('train' or 'val')."""
    prefix = SPLITS[split]
    paths = [osp.join(root, f'{prefix}-{kind}-idx{d}-ubyte.gz') for kind, d in (('images', 3), ('labels', 1))]
    for path in paths:
        if not osp.exists(path):
            raise FileNotFoundError(f'{path} not found: install the Debian package dataset-fashion-mnist '
                                    '(bash tools/get_fashion_mnist.sh) or pass --fashion-mnist DIR')
    return read_idx(paths[0], 0x803), read_idx(paths[1], 0x801)


def overlap(box: np.ndarray, boxes: List[np.ndarray]) -> float:
    """The largest share of ``box``'s area (x1, y1, x2, y2) that any of ``boxes`` covers."""
    area = (box[2] - box[0]) * (box[3] - box[1])
    worst = 0.
    for other in boxes:
        w = min(box[2], other[2]) - max(box[0], other[0])
        h = min(box[3], other[3]) - max(box[1], other[1])
        if w > 0 and h > 0:
            worst = max(worst, w * h / area, w * h / ((other[2] - other[0]) * (other[3] - other[1])))
    return worst


def tight_box(obj: np.ndarray, x: int, y: int) -> np.ndarray:
    """(x1, y1, x2, y2) of the non-zero pixels of ``obj`` (s, s) placed at (x, y)."""
    rows, cols = np.nonzero(obj)
    return np.array([x + cols.min(), y + rows.min(), x + cols.max() + 1, y + rows.max() + 1])


def paste(canvas: np.ndarray, obj: np.ndarray, x: int, y: int, colour: np.ndarray) -> None:
    """Blend ``obj`` (s, s) uint8 into ``canvas`` at (x, y) in place, its intensity as alpha."""
    alpha = obj.astype(np.float32)[..., None] / 255.
    region = canvas[y:y + obj.shape[0], x:x + obj.shape[1]].astype(np.float32)
    canvas[y:y + obj.shape[0], x:x + obj.shape[1]] = np.rint(region * (1 - alpha) + colour * alpha).astype(np.uint8)


def make_image(rng: np.random.Generator, objects: np.ndarray, labels: np.ndarray, photos: Sequence[np.ndarray],
               sizes: Tuple[int, int], max_objects: int, max_overlap: float) -> Tuple[np.ndarray, List[dict]]:
    """One canvas and its objects: ``[{'bbox': (x1, y1, x2, y2), 'label': int, 'source': index}]``."""
    h, w = (int(v) for v in rng.choice(CANVAS_SIDES, 2))
    photo = photos[rng.integers(len(photos))]
    top, left = rng.integers(photo.shape[0] - h + 1), rng.integers(photo.shape[1] - w + 1)
    canvas = photo[top:top + h, left:left + w].copy()
    placed, boxes = [], []
    for _ in range(int(rng.integers(1, max_objects + 1))):
        for _attempt in range(20):
            index = int(rng.integers(len(objects)))
            side = int(rng.integers(sizes[0], sizes[1] + 1))
            obj = cv2.resize(objects[index], (side, side), interpolation=cv2.INTER_LINEAR)
            if not obj.any():
                continue
            x, y = int(rng.integers(w - side + 1)), int(rng.integers(h - side + 1))
            box = tight_box(obj, x, y)
            if overlap(box, boxes) > max_overlap:
                continue
            paste(canvas, obj, x, y, rng.integers(0, 256, 3).astype(np.float32))
            boxes.append(box)
            placed.append(dict(bbox=box, label=int(labels[index]), source=index))
            break
    return canvas, placed


def build_split(split: str, num_images: int, seed: int, out_dir: str, objects: np.ndarray, labels: np.ndarray,
                photos: Sequence[np.ndarray], sizes: Tuple[int, int], max_objects: int, max_overlap: float) -> Dict:
    """Write the images of ``split`` and return its COCO annotation dict."""
    rng = np.random.default_rng([seed, list(SPLITS).index(split)])
    os.makedirs(osp.join(out_dir, 'images', split), exist_ok=True)
    images, annotations = [], []
    for i in range(num_images):
        canvas, placed = make_image(rng, objects, labels, photos, sizes, max_objects, max_overlap)
        name = f'{split}/{i:06d}.png'
        cv2.imwrite(osp.join(out_dir, 'images', name), canvas)
        images.append(dict(id=i, file_name=name, height=canvas.shape[0], width=canvas.shape[1]))
        for obj in placed:
            x1, y1, x2, y2 = (int(v) for v in obj['bbox'])
            annotations.append(
                dict(
                    id=len(annotations),
                    image_id=i,
                    category_id=obj['label'],
                    bbox=[x1, y1, x2 - x1, y2 - y1],
                    area=(x2 - x1) * (y2 - y1),
                    iscrowd=0,
                    fashion_mnist_index=obj['source']))
    categories = [dict(id=i, name=name) for i, name in enumerate(CLASSES)]
    return dict(images=images, annotations=annotations, categories=categories)


def parse_args(argv=None) -> argparse.Namespace:
    sys.path.insert(0, ROOT)  # the folder Debian installs Fashion-MNIST to, named in projects/fashion_mnist_privacy/
    from projects.fashion_mnist_privacy.experiments.fashion_mnist import FASHION_MNIST_DIR
    parser = argparse.ArgumentParser(
        description='Fashion-MNIST objects on photo crops, as a COCO detection set',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--out-dir', default='data/fmnist_det')
    parser.add_argument('--fashion-mnist', default=FASHION_MNIST_DIR, help='folder of the four gzipped IDX files')
    parser.add_argument('--num-train', type=int, default=4000)
    parser.add_argument('--num-val', type=int, default=1000)
    parser.add_argument('--min-size', type=int, default=20, help='smallest pasted object side (px)')
    parser.add_argument('--max-size', type=int, default=64, help='largest pasted object side (px)')
    parser.add_argument('--max-objects', type=int, default=6, help='objects per image: 1 to this')
    parser.add_argument('--max-overlap', type=float, default=0.3, help='largest share of a box another may cover')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    if not 1 <= args.min_size <= args.max_size <= min(CANVAS_SIDES):
        parser.error(f'need 1 <= --min-size <= --max-size <= {min(CANVAS_SIDES)}')
    if args.num_train < 1 or args.num_val < 1 or args.max_objects < 1 or not 0 <= args.max_overlap < 1:
        parser.error('--num-train, --num-val and --max-objects must be >= 1, --max-overlap in [0, 1)')
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    photos = load_backgrounds()
    os.makedirs(osp.join(args.out_dir, 'annotations'), exist_ok=True)
    for split, count in (('train', args.num_train), ('val', args.num_val)):
        try:
            objects, labels = load_objects(args.fashion_mnist, split)
        except FileNotFoundError as e:
            print(f'error: {e}')
            return 2
        coco = build_split(split, count, args.seed, args.out_dir, objects, labels, photos,
                           (args.min_size, args.max_size), args.max_objects, args.max_overlap)
        with open(osp.join(args.out_dir, 'annotations', f'{split}.json'), 'w') as f:
            json.dump(coco, f)
        print(f'{split}: {len(coco["images"])} images, {len(coco["annotations"])} boxes')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
