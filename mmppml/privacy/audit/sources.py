"""The audit's image sets: an image folder, a COCO file, or a config's dataset; and their preparation.

A set is a list of files (and labels, when it has them). Only the images an audit uses are read, each
turned into the square gray image the attacks see (:func:`prepare_image`).
"""
import hashlib
import json
import os
import os.path as osp
from dataclasses import dataclass
from typing import List, Optional

import numpy as np

from mmppml.crypto import round_to_uint8

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp', '.ppm', '.pgm')


@dataclass
class ImageSet:
    """Image files and their labels.

    Args:
        paths (list[str]): the files.
        labels (np.ndarray, optional): (N,) int classes; None for an unlabelled set.
        source (str): where it came from, in words.
    """
    paths: List[str]
    labels: Optional[np.ndarray] = None
    source: str = ''

    def __len__(self) -> int:
        return len(self.paths)

    def subset(self, count: Optional[int], rng: np.random.Generator) -> 'ImageSet':
        """At most ``count`` of its images, drawn at random without replacement (all of them, shuffled,
        when ``count`` is None or larger)."""
        order = rng.permutation(len(self))[:count]
        labels = None if self.labels is None else self.labels[order]
        return ImageSet([self.paths[i] for i in order], labels, self.source)


def from_folder(root: str) -> ImageSet:
    """The images under ``root``; labelled by their first-level sub-folder when every image is in one."""
    if not osp.isdir(root):
        raise FileNotFoundError(f'no image folder {root!r}')
    paths = sorted(
        osp.join(d, f) for d, _, files in os.walk(root) for f in files if f.lower().endswith(IMAGE_EXTENSIONS))
    if not paths:
        raise ValueError(f'no images ({", ".join(IMAGE_EXTENSIONS)}) under {root!r}')
    classes = [osp.relpath(p, root).split(os.sep)[0] if os.sep in osp.relpath(p, root) else None for p in paths]
    labels = None
    if all(c is not None for c in classes) and len(set(classes)) > 1:
        names = sorted(set(classes))
        labels = np.array([names.index(c) for c in classes], np.int64)
    return ImageSet(paths, labels, f'image folder {root}')


def from_coco(spec: str) -> ImageSet:
    """The images of a COCO json file, unlabelled (an image may show several classes).

    Args:
        spec (str): ``ANN.json`` (images relative to its folder) or ``ANN.json:IMAGE_DIR``.
    """
    ann, sep, img_dir = spec.partition('.json:')
    ann = ann + '.json' if sep else ann
    img_dir = img_dir or osp.dirname(ann)
    with open(ann) as f:
        images = json.load(f).get('images', [])
    if not images:
        raise ValueError(f'{ann} lists no images')
    paths = [osp.join(img_dir, im['file_name']) for im in images]
    missing = [p for p in paths if not osp.exists(p)]
    if missing:
        raise FileNotFoundError(f'{len(missing)} image(s) of {ann} not found, e.g. {missing[0]!r}; '
                                'give the image folder as ANN.json:IMAGE_DIR')
    return ImageSet(paths, None, f'COCO file {ann}')


def from_path(spec: str) -> ImageSet:
    """A folder (:func:`from_folder`) or a COCO json file (:func:`from_coco`)."""
    return from_coco(spec) if '.json' in spec and not osp.isdir(spec) else from_folder(spec)


def from_dataset(dataset: dict, scope: str) -> ImageSet:
    """The images of a dataset config (built without its pipeline); labelled when it gives ``gt_label``."""
    from mmengine.registry import DATASETS, DefaultScope
    if scope == 'mmdet':
        from mmdet.utils import register_all_modules
    else:
        from mmpretrain.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = dict(dataset, pipeline=[])
    with DefaultScope.overwrite_default_scope(scope):
        built = DATASETS.build(cfg)
    infos = [built.get_data_info(i) for i in range(len(built))]
    labels = [info.get('gt_label') for info in infos]
    labels = None if any(lb is None for lb in labels) else np.array([int(np.ravel(lb)[0]) for lb in labels])
    return ImageSet([info['img_path'] for info in infos], labels, f'{type(built).__name__} at '
                    f'{dataset.get("data_root") or dataset.get("ann_file")}')


def file_hash(path: str) -> str:
    """SHA-1 of a file's bytes."""
    with open(path, 'rb') as f:
        return hashlib.sha1(f.read()).hexdigest()


def check_disjoint(public: ImageSet, private: ImageSet) -> None:
    """Raise ValueError if the two sets share a file (same path, or identical bytes)."""
    shared = set(map(osp.realpath, public.paths)) & set(map(osp.realpath, private.paths))
    if not shared:
        hashes = {file_hash(p): p for p in public.paths}
        shared = {f'{hashes[h]} = {p}' for p in private.paths for h in [file_hash(p)] if h in hashes}
    if shared:
        raise ValueError(f'the public and private image sets overlap in {len(shared)} image(s), e.g. '
                         f'{sorted(shared)[0]}: an attacker trained on the private images would overstate the leak')


def read_rgb(path: str) -> np.ndarray:
    """An image file as (H, W, 3) uint8."""
    from PIL import Image
    with Image.open(path) as im:
        return np.asarray(im.convert('RGB'))


def short_side(path: str) -> int:
    """The short side of an image file (header only)."""
    from PIL import Image
    with Image.open(path) as im:
        return min(im.size)


def prepare_image(img: np.ndarray, scale: int, side: int) -> np.ndarray:
    """The square gray image the attacks see: the centre ``side x side`` of ``img`` brought to the scale
    where its short side is ``scale`` (as training resizes it).

    Args:
        img (np.ndarray): (H, W, 3) or (H, W) uint8.
        scale (int): the short side training gives the image.
        side (int): the audited side, at most ``scale``.

    Returns:
        np.ndarray: (side, side) uint8 luminance (ITU-R 601).
    """
    from skimage.transform import resize
    x = np.asarray(img, np.float64)
    if x.ndim == 3:
        x = x[..., :3] @ np.array([0.299, 0.587, 0.114])
    h, w = x.shape
    crop = max(1, int(round(min(h, w) * side / scale)))  # the part of the image that becomes side x side
    top, left = (h - crop) // 2, (w - crop) // 2
    x = x[top:top + crop, left:left + crop]
    if crop != side:
        x = resize(x, (side, side), anti_aliasing=crop > side, preserve_range=True)
    return round_to_uint8(x)


def load_prepared(images: ImageSet, scale: int, side: int) -> np.ndarray:
    """(N, side, side) uint8: :func:`prepare_image` of every file of ``images``."""
    return np.stack([prepare_image(read_rgb(p), scale, side) for p in images.paths])
