"""The audit's image sets: an image folder, a COCO file, or a config's dataset; and their preparation.

A set is a list of files, or of images held in memory by a dataset that serves arrays (and labels, when it
has them). Only the images an audit uses are read, each turned into the square gray image the attacks see
(:func:`prepare_image`).
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
        paths (list[str]): the files, or the names of the images of ``arrays``.
        labels (np.ndarray, optional): (N,) int classes; None for an unlabelled set.
        source (str): where it came from, in words.
        arrays (np.ndarray, optional): (N, H, W) or (N, H, W, 3) uint8 images held in memory; None when
            the images are the files of ``paths``.
    """
    paths: List[str]
    labels: Optional[np.ndarray] = None
    source: str = ''
    arrays: Optional[np.ndarray] = None

    def __len__(self) -> int:
        return len(self.paths)

    def subset(self, count: Optional[int], rng: np.random.Generator, ordered: bool = False) -> 'ImageSet':
        """At most ``count`` of its images, drawn at random without replacement (all of them, shuffled,
        when ``count`` is None or larger), or with ``ordered`` the first ``count`` in their order (``rng``
        unused)."""
        order = np.arange(len(self))[:count] if ordered else rng.permutation(len(self))[:count]
        labels = None if self.labels is None else self.labels[order]
        arrays = None if self.arrays is None else self.arrays[order]
        return ImageSet([self.paths[i] for i in order], labels, self.source, arrays)

    def image(self, i: int) -> np.ndarray:
        """The ``i``-th image as (H, W, 3) or (H, W) uint8."""
        return read_rgb(self.paths[i]) if self.arrays is None else self.arrays[i]

    def image_short_side(self, i: int) -> int:
        """The short side of the ``i``-th image (a file's header only)."""
        return short_side(self.paths[i]) if self.arrays is None else min(self.arrays.shape[1:3])

    def digest(self, i: int) -> str:
        """SHA-1 of the ``i``-th image: a file's bytes, or an array's shape and pixels."""
        if self.arrays is None:
            return file_hash(self.paths[i])
        x = np.ascontiguousarray(self.arrays[i])
        return hashlib.sha1(repr(x.shape).encode() + x.tobytes()).hexdigest()


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
    """The images of a dataset config (built without its pipeline); labelled when it gives ``gt_label``.

    A dataset of files gives its ``img_path`` of each sample; one that serves images from memory (its items'
    ``inputs`` are (C, H, W) tensors, e.g. ``mmppml.InMemoryFashionMNIST``) gives those arrays.
    """
    from mmengine.registry import DATASETS, DefaultScope
    if scope == 'mmdet':
        from mmdet.utils import register_all_modules
    else:
        from mmpretrain.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = dict(dataset, pipeline=[])
    with DefaultScope.overwrite_default_scope(scope):
        built = DATASETS.build(cfg)
    source = f'{type(built).__name__} at {dataset.get("data_root") or dataset.get("ann_file")}'
    if not hasattr(built, 'get_data_info'):
        return _from_items(built, source)
    infos = [built.get_data_info(i) for i in range(len(built))]
    labels = [info.get('gt_label') for info in infos]
    labels = None if any(lb is None for lb in labels) else np.array([int(np.ravel(lb)[0]) for lb in labels])
    return ImageSet([info['img_path'] for info in infos], labels, source)


def _from_items(dataset, source: str) -> ImageSet:
    """The images of a dataset whose items hold them: ``inputs`` (C, H, W) uint8 and a ``gt_label``."""
    arrays, labels = [], []
    for i in range(len(dataset)):
        item = dataset[i]
        if not isinstance(item, dict) or 'inputs' not in item:
            raise ValueError(f'{source}: its items give neither an img_path nor inputs to audit')
        x = np.asarray(item['inputs'])
        arrays.append(np.moveaxis(x, 0, -1)[..., 0] if x.shape[0] == 1 else np.moveaxis(x, 0, -1))
        sample = item.get('data_samples')
        label = None if sample is None or 'gt_label' not in sample else sample.gt_label
        labels.append(None if label is None else int(np.ravel(np.asarray(label))[0]))
    labels = None if any(lb is None for lb in labels) else np.array(labels, np.int64)
    return ImageSet([f'{source}[{i}]' for i in range(len(arrays))], labels, source, np.stack(arrays).astype(np.uint8))


def file_hash(path: str) -> str:
    """SHA-1 of a file's bytes."""
    with open(path, 'rb') as f:
        return hashlib.sha1(f.read()).hexdigest()


def check_disjoint(public: ImageSet, private: ImageSet) -> None:
    """Raise ValueError if the two sets share an image (the same file, or identical bytes or pixels)."""
    shared = set()
    if public.arrays is None and private.arrays is None:
        shared = set(map(osp.realpath, public.paths)) & set(map(osp.realpath, private.paths))
    if not shared:
        hashes = {public.digest(i): p for i, p in enumerate(public.paths)}
        shared = {f'{hashes[h]} = {p}' for i, p in enumerate(private.paths) for h in [private.digest(i)] if h in hashes}
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


def padded_side(side: int, pad_size_divisor: int = 1) -> int:
    """``side`` padded up to a multiple of ``pad_size_divisor``."""
    return -(-side // pad_size_divisor) * pad_size_divisor


def prepare_image(img: np.ndarray, scale: int, side: int, pad_size_divisor: int = 1, pad_value: int = 0) -> np.ndarray:
    """The square gray image the attacks see: the centre ``side x side`` of ``img`` brought to the scale
    where its short side is ``scale`` (as training resizes it) and padded at the bottom and right to a
    multiple of ``pad_size_divisor`` (as the data preprocessor pads it).

    Args:
        img (np.ndarray): (H, W, 3) or (H, W) uint8.
        scale (int): the short side training gives the image.
        side (int): the audited side, at most ``scale`` padded.
        pad_size_divisor (int): the data preprocessor's; 1 pads nothing.
        pad_value (int): the padding's pixel value.

    Returns:
        np.ndarray: (side, side) uint8 luminance (ITU-R 601).
    """
    from skimage.transform import resize
    x = np.asarray(img, np.float64)
    if x.ndim == 3:
        x = x[..., :3] @ np.array([0.299, 0.587, 0.114])
    h, w = x.shape
    if pad_size_divisor > 1 and padded_side(scale, pad_size_divisor) > scale:
        if min(h, w) != scale:
            x = resize(
                x, (round(h * scale / min(h, w)), round(w * scale / min(h, w))),
                anti_aliasing=min(h, w) > scale,
                preserve_range=True)
        h, w = x.shape
        x = np.pad(
            x, ((0, padded_side(h, pad_size_divisor) - h), (0, padded_side(w, pad_size_divisor) - w)),
            constant_values=pad_value)
        top, left = (x.shape[0] - side) // 2, (x.shape[1] - side) // 2
        return round_to_uint8(x[top:top + side, left:left + side])
    crop = max(1, int(round(min(h, w) * side / scale)))  # the part of the image that becomes side x side
    top, left = (h - crop) // 2, (w - crop) // 2
    x = x[top:top + crop, left:left + crop]
    if crop != side:
        x = resize(x, (side, side), anti_aliasing=crop > side, preserve_range=True)
    return round_to_uint8(x)


def load_prepared(images: ImageSet, scale: int, side: int, pad_size_divisor: int = 1, pad_value: int = 0) -> np.ndarray:
    """(N, side, side) uint8: :func:`prepare_image` of every image of ``images``."""
    return np.stack(
        [prepare_image(images.image(i), scale, side, pad_size_divisor, pad_value) for i in range(len(images))])
