"""Encryption transforms for MMEngine pipelines; thin wrappers around :mod:`mmppml.crypto`.

Put them last, right before ``PackInputs`` (mmpretrain) or ``PackDetInputs`` (mmdet), after the
usual augmentations. Nothing they do is written into ``results``: no permutation, seed or hint of
one reaches the model, the metainfo or the logs.
"""
from typing import Optional, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmppml.crypto import (align_image, aligned_size, check_mix_sizes, check_shuffle_grid, check_size_mismatch,
                           drop_unmixed, mix_subpatches, new_rng, random_patch_shuffle, shuffle_mixed_blocks)
from mmppml.crypto.alignment import check_pad_value
from mmppml.crypto.keys import PerProcess, check_seed
from mmppml.crypto.patches import check_block_size
from mmppml.registry import TRANSFORMS

# Annotations whose meaning a shuffle destroys.
SPATIAL_KEYS = ('gt_bboxes', 'gt_masks', 'gt_seg_map', 'gt_keypoints')

# dtypes OpenCV flips and splits; others are left to NumPy.
CV2_DTYPES = tuple(np.dtype(t) for t in (np.uint8, np.int8, np.uint16, np.int16, np.int32, np.float32, np.float64))
CV2_FLIP_CODES = {(0, ): 0, (1, ): 1, (0, 1): -1}


def unflipped_copy(img: np.ndarray) -> np.ndarray:
    """Return a flipped view (as mmcv's ``RandomFlip`` makes) as a C-contiguous copy, else ``img``.

    NumPy copies a negatively strided H x W x C array a few values at a time, ~40x slower than
    ``cv2.flip``; the encryptions would otherwise pay that copy. Values are unchanged.
    """
    if img.flags.c_contiguous or img.ndim not in (2, 3) or img.size == 0 or img.dtype not in CV2_DTYPES:
        return img
    flipped_axes = tuple(axis for axis in (0, 1) if img.strides[axis] < 0)
    if not flipped_axes or not np.flip(img, flipped_axes).flags.c_contiguous:
        return img
    return cv2.flip(np.flip(img, flipped_axes), CV2_FLIP_CODES[flipped_axes]).reshape(img.shape)


def channel_planes(img: np.ndarray) -> Optional[np.ndarray]:
    """The (C, H, W) C-contiguous copy of an (H, W, C) image with 2 to 4 channels (OpenCV's split);
    ``None`` for other images."""
    if img.ndim != 3 or not 2 <= img.shape[2] <= 4 or img.dtype not in CV2_DTYPES or not img.flags.c_contiguous:
        return None
    planes = np.empty((img.shape[2], ) + img.shape[:2], img.dtype)
    cv2.split(img, list(planes))
    return planes


def channels_first(img: np.ndarray) -> np.ndarray:
    """``img`` as an (H, W, C) view of a C-contiguous (C, H, W) copy, where :func:`channel_planes` can.

    ``PackInputs`` (mmpretrain) and ``PackDetInputs`` (mmdet) turn such a view into a (C, H, W)
    tensor without copying, while a C-contiguous (H, W, C) image costs them a transposing copy
    (~15x an ``np.copy`` for uint8); OpenCV splits the channels in about one copy. Values unchanged.
    """
    planes = channel_planes(img)
    return img if planes is None else planes.transpose(1, 2, 0)


def check_pad_val_fits(pad_val: float, dtype: np.dtype, name: str = 'pad_val') -> None:
    """Refuse a padding value that an image of ``dtype`` would hold as another value (300 or 1.5 in uint8)."""
    dtype = np.dtype(dtype)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        if float(pad_val) != int(pad_val) or not info.min <= int(pad_val) <= info.max:
            raise ValueError(f'{name}={pad_val!r} does not fit a {dtype} image (integers {info.min} to {info.max})')
    elif np.issubdtype(dtype, np.floating) and not np.isfinite(dtype.type(pad_val)):
        raise ValueError(f'{name}={pad_val!r} does not fit a {dtype} image')


def worker_stream() -> Tuple[int, int]:
    """(distributed rank, data loader worker id) of this process; (0, 0) outside either."""
    from mmengine.dist import get_rank
    from torch.utils.data import get_worker_info
    info = get_worker_info()
    return get_rank(), 0 if info is None else info.id


def check_boxes(results: dict):
    """``results['gt_bboxes']`` if it is an mmdet box type (as LoadAnnotations gives), else raise."""
    boxes = results['gt_bboxes']
    if not all(hasattr(boxes, name) for name in ('clip_', 'rescale_')):
        raise TypeError('gt_bboxes must be an mmdet box type (e.g. HorizontalBoxes, as mmdet\'s '
                        f'LoadAnnotations gives), got {type(boxes).__name__}')
    return boxes


def crop_boxes(results: dict, height: int, width: int) -> None:
    """Clip ``gt_bboxes`` to a top-left crop and drop the boxes (and their labels) left empty."""
    if 'gt_bboxes' not in results:
        return
    boxes = check_boxes(results)
    boxes.clip_((height, width))
    keep = ((boxes.widths > 0) & (boxes.heights > 0)).numpy()
    for key in ('gt_bboxes', 'gt_bboxes_labels', 'gt_ignore_flags'):
        if key in results:
            results[key] = results[key][keep]


def rescale_geometry(results: dict, img_shape: Tuple[int, int], scale: float) -> None:
    """Record a uniform resize by ``scale`` that produced an image of ``img_shape`` (H, W)."""
    results['img_shape'] = img_shape
    if 'pad_shape' in results:
        results['pad_shape'] = img_shape
    w_scale, h_scale = results.get('scale_factor', (1.0, 1.0))
    results['scale_factor'] = (w_scale * scale, h_scale * scale)
    if 'gt_bboxes' in results:
        boxes = check_boxes(results)
        boxes.rescale_((scale, scale))
        boxes.clip_(img_shape)


class BlockEncryption(BaseTransform):
    """Base of the encryption transforms: block alignment, the checks and the per-process generator.

    A subclass implements :meth:`encrypt` and declares what it does: ``shuffles`` (blocks move with
    a fresh permutation per image, drawn again while it would leave the image as it was, so at least 4
    blocks wholly of image content are needed and boxes, masks, segmentation maps and keypoints are
    refused) and ``shrink`` (r, the image shrinks by it
    and keeps its layout when the mode does not shuffle: ``img_shape``, ``scale_factor`` and
    ``gt_bboxes`` are rescaled by 1 / r; masks, segmentation maps and keypoints are refused).

    Args:
        patch_size (int): the patch size P; images must be a multiple of it. Default: 16.
        size_mismatch (str): what to do with an image whose height or width is not a multiple of
            ``patch_size``: ``'error'`` (default) raises, ``'pad'`` pads bottom and right with
            ``pad_val``, ``'crop'`` crops bottom and right (boxes are clipped, emptied ones dropped).
            The mixing modes drop what padding would leave mixed with padding only (see
            :meth:`MixSubPatches.aligned_image`).
        pad_val (int | float): padding value for ``size_mismatch='pad'``: finite, and a value the
            image's dtype holds (an integer of 0 to 255 for uint8).
        seed (int, optional): ``None`` (default) draws every permutation from OS entropy. An int
            makes the permutations reproducible by anyone who knows it: insecure, for research only.
            Each data loader worker (and distributed rank) then draws its own stream derived from
            the seed, so workers never repeat each other's permutations.
    """

    shuffles: bool = False

    def __init__(self,
                 patch_size: int = 16,
                 size_mismatch: str = 'error',
                 pad_val: float = 0,
                 seed: Optional[int] = None) -> None:
        self.block_size = check_block_size('patch_size', patch_size)
        self.size_mismatch = check_size_mismatch(size_mismatch)
        self.pad_val = check_pad_value(pad_val)
        self.seed = check_seed(seed)
        self._rng = PerProcess()

    @property
    def rng(self) -> np.random.Generator:
        """This process's generator, from OS entropy or from a stream of ``seed`` per rank and worker."""
        return self._rng.get(lambda: new_rng()
                             if self.seed is None else np.random.default_rng([self.seed, *worker_stream()]))

    @property
    def shrink(self) -> int:
        """How many times (r) smaller the encrypted image is than the aligned one; 1 for the same size."""
        return 1

    def encrypt(self, img: np.ndarray) -> np.ndarray:
        """Encrypt an aligned (H, W[, C]) image; the result is laid out as :func:`channels_first` says."""
        raise NotImplementedError

    def transform(self, results: dict) -> dict:
        if self.shuffles:
            self.check_no_spatial_annotations(results)
        else:
            self.check_layout_annotations(results)
        img = self.aligned_image(results)
        if self.shuffles:
            self.check_shuffle_grid(results['img'])
        img = self.encrypt(img)
        results['img'] = img
        if self.shuffles:
            results['img_shape'] = img.shape[:2]
        else:
            rescale_geometry(results, img.shape[:2], 1 / self.shrink)
        return results

    def check_layout_annotations(self, results: dict) -> None:
        """Refuse what a layout-keeping encryption cannot rescale, and boxes of an unknown type."""
        for key in ('gt_masks', 'gt_seg_map', 'gt_keypoints'):
            if key in results:
                raise ValueError(f'{type(self).__name__} does not support {key!r} yet; only boxes are rescaled')
        if 'gt_bboxes' in results:
            check_boxes(results)  # before anything changes

    def aligned_image(self, results: dict) -> np.ndarray:
        """Return ``results['img']`` with height and width multiples of the block size, C-contiguous
        (a flipped view is copied by OpenCV first) or a crop of a C-contiguous image."""
        img = results.get('img')
        if not isinstance(img, np.ndarray) or img.ndim not in (2, 3) or 0 in img.shape[:2]:
            what = f'{type(img).__name__} of shape {img.shape}' if isinstance(img, np.ndarray) else type(img).__name__
            raise TypeError(f"{type(self).__name__} needs results['img'] as a non-empty H x W or H x W x C "
                            f'NumPy array (as LoadImageFromFile gives), got {what}; put it before PackInputs')
        img = unflipped_copy(img)
        h, w = img.shape[:2]
        try:
            new_h, new_w = aligned_size(h, w, self.block_size, self.size_mismatch)
        except ValueError as e:
            hint = '' if self.size_mismatch == 'crop' else (
                " Resize or pad it to a multiple first, or set size_mismatch='pad' or 'crop'.")
            raise ValueError(f'{type(self).__name__}: {e}.{hint}') from None
        if (new_h, new_w) != (h, w) and self.size_mismatch == 'crop':
            crop_boxes(results, new_h, new_w)
        if (new_h, new_w) != (h, w) and self.size_mismatch == 'pad':
            try:
                check_pad_val_fits(self.pad_val, img.dtype)
            except ValueError as e:
                raise ValueError(f'{type(self).__name__}: {e}') from None
        return align_image(img, self.block_size, self.size_mismatch, self.pad_val)

    def check_shuffle_grid(self, img: np.ndarray) -> None:
        """Refuse an image with too few blocks for a shuffle to hide anything.

        ``img`` is the image as it comes in, before alignment: only the blocks wholly of its
        content count (padding adds none; a crop keeps exactly these).
        """
        try:
            check_shuffle_grid((img.shape[0] // self.block_size, img.shape[1] // self.block_size), self.block_size)
        except ValueError as e:
            raise ValueError(f'{type(self).__name__}: {img.shape[1]}x{img.shape[0]} (WxH) image: {e}') from None

    def check_no_spatial_annotations(self, results: dict) -> None:
        found = [key for key in SPATIAL_KEYS if key in results]
        if found:
            raise ValueError(f'{type(self).__name__} shuffles blocks, which destroys the meaning of {found}; use it '
                             'for classification only, or MixSubPatches (which keeps the layout) for detection')

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(patch_size={self.block_size}, '
                f'size_mismatch={self.size_mismatch!r}, seeded={self.seed is not None})')


@TRANSFORMS.register_module()
class RandomPatchShuffle(BlockEncryption):
    """RS: shuffle the P x P patches of the image with a fresh random permutation per image.

    Required keys: ``img``. Modified keys: ``img`` (and ``img_shape`` when padded or cropped).
    Refuses results with boxes, masks, segmentation maps or keypoints.

    Args:
        patch_size (int): the patch size P. Default: 16.
        size_mismatch (str): ``'error'`` | ``'pad'`` | ``'crop'``, see :class:`BlockEncryption`.
        pad_val (int | float): padding value. Default: 0.
        seed (int, optional): insecure reproducible permutations; ``None`` uses OS entropy.
    """
    shuffles = True

    def encrypt(self, img: np.ndarray) -> np.ndarray:
        return channels_first(random_patch_shuffle(img, self.block_size, self.rng))


@TRANSFORMS.register_module()
class MixSubPatches(BlockEncryption):
    """MI: replace each P x P patch by the mean of its S x S sub-patches.

    The image shrinks by r = P / S and keeps its layout, so for detection this acts like a resize by
    1 / r: ``img_shape``, ``scale_factor`` (multiplied, so an earlier ``Resize`` is kept) and
    ``gt_bboxes`` are updated, and mmdet maps predictions back to the original image.

    Required keys: ``img``. Modified keys: ``img`` (float32), ``img_shape``, ``scale_factor``,
    ``gt_bboxes`` (and ``pad_shape`` when present). Masks and segmentation maps are refused.
    Boxes are assumed to be in the coordinates of the incoming image: in test pipelines, load
    annotations before ``Resize`` (mmdet's own test pipelines load them after it, unresized).

    Args:
        patch_size (int): the patch size P. Default: 16.
        sub_patch_size (int): S, a divisor of P. Default: 8.
        size_mismatch (str): ``'error'`` | ``'pad'`` | ``'crop'``, see :class:`BlockEncryption`.
        pad_val (int | float): padding value. Default: 0.
        seed (int, optional): for the subclasses that draw (:attr:`draws`); MI draws nothing, so it takes
            none (TypeError).
    """
    draws: bool = False  # whether :meth:`encrypt` draws at random (then a seed applies)

    def __init__(self,
                 patch_size: int = 16,
                 sub_patch_size: int = 8,
                 size_mismatch: str = 'error',
                 pad_val: float = 0,
                 seed: Optional[int] = None) -> None:
        if seed is not None and not self.draws:
            raise TypeError(f'{type(self).__name__} draws nothing: it takes no seed')
        super().__init__(patch_size, size_mismatch, pad_val, seed)
        self.ratio = check_mix_sizes(patch_size, sub_patch_size)
        self.sub_patch_size = sub_patch_size

    @property
    def shrink(self) -> int:
        return self.ratio

    def aligned_image(self, results: dict) -> np.ndarray:
        """The aligned image, where padded with the pixels that MI would mix with padding only (a scaled
        copy of themselves, :func:`~mmppml.crypto.unmixed_pixels`) set to ``pad_val``; an image that
        fits in one S x S sub-patch is refused."""
        return drop_unmixed_padding(self, results, super().aligned_image(results), self.sub_patch_size)

    def encrypt(self, img: np.ndarray) -> np.ndarray:
        """MI of ``img``: float32 (H / r, W / r[, C]), laid out as :func:`channels_first` says."""
        return mix_subpatches(img, self.block_size, self.sub_patch_size, channels_first=True)

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f', sub_patch_size={self.sub_patch_size})'


def drop_unmixed_padding(transform: BlockEncryption, results: dict, img: np.ndarray, sub_patch_size: int) -> np.ndarray:
    """``img``, the aligned image of ``results`` padded by ``transform``, with the pixels that MI would mix with
    padding only set to its ``pad_val`` (:func:`~mmppml.crypto.drop_unmixed`, in the padded copy)."""
    h, w = results['img'].shape[:2]  # as it came in
    if transform.size_mismatch == 'pad' and img.shape[:2] != (h, w):
        try:
            drop_unmixed(img, h, w, transform.block_size, sub_patch_size, transform.pad_val)  # a padded copy
        except ValueError as e:
            raise ValueError(f'{type(transform).__name__}: {e}') from None
    return img


@TRANSFORMS.register_module()
class ShuffledMixSubPatches(MixSubPatches):
    """RS-on-MI: MI, then a fresh random shuffle of the S x S mixed blocks per image.

    Hides both the layout that MI keeps and the block edges that jigsaw solvers match. For
    classification only: boxes, masks, segmentation maps and keypoints are refused. A position-free
    ViT with the MI patch embedding (``patch_size=S``) learns from it.

    Args:
        patch_size (int): the patch size P. Default: 16.
        sub_patch_size (int): S, a divisor of P, and the side of the shuffled blocks. Default: 8.
        size_mismatch (str): ``'error'`` | ``'pad'`` | ``'crop'``, see :class:`BlockEncryption`.
        pad_val (int | float): padding value. Default: 0.
        seed (int, optional): insecure reproducible permutations; ``None`` uses OS entropy.
    """
    shuffles = draws = True

    def encrypt(self, img: np.ndarray) -> np.ndarray:
        return shuffle_mixed_blocks(img, self.block_size, self.sub_patch_size, self.rng, channels_first=True)
