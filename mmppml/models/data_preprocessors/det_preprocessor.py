"""Online MI of a detection batch on the training device: mmdet's ``DetDataPreprocessor``, then the mix."""
import math
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from mmdet.models.data_preprocessors import DetDataPreprocessor

from mmppml.crypto import MODE_TABLE
from mmppml.registry import MODELS
from .batch_encryption import (BatchEncryption, check_batch, check_pad_size_divisor, check_pixel_pad_value,
                               drop_unmixed_batch)
from .encrypting_preprocessor import image_sizes


def ceil_to(value: int, divisor: int) -> int:
    return math.ceil(value / divisor) * divisor


def rescale_boxes(boxes, scale: float, img_shape: Tuple[int, int]):
    """``boxes`` (an mmdet box type or an (N, 4) x1y1x2y2 tensor) times ``scale``, clipped to ``img_shape``
    (H, W), as ``MixSubPatches`` rescales them (HorizontalBoxes' ``rescale_`` then ``clip_``)."""
    if hasattr(boxes, 'rescale_'):
        boxes.rescale_((scale, scale))
        boxes.clip_(img_shape)
        return boxes
    boxes = boxes * boxes.new_tensor((scale, scale)).repeat(2)
    boxes[..., 0::2] = boxes[..., 0::2].clamp(0, img_shape[1])
    boxes[..., 1::2] = boxes[..., 1::2].clamp(0, img_shape[0])
    return boxes


@MODELS.register_module()
class EncryptingDetDataPreprocessor(DetDataPreprocessor):
    """mmdet's ``DetDataPreprocessor``, then MI (or convex MI) of the batch and, if configured, the
    keyed scramble; the metainfo and boxes are updated as :class:`mmppml.MixSubPatches` updates them.

    Each image is padded bottom and right to a multiple of P with ``pixel_pad_value`` on the pixel
    scale (what ``MixSubPatches(size_mismatch='pad')`` does, the pixels that MI would mix with padding
    only set to it first, so none is handed over as a scaled copy), then normalised and padded to one batch
    size (a multiple of ``pad_size_divisor`` and P) with ``pad_value`` as ``DetDataPreprocessor`` does;
    batch augments run next; then the batch is mixed, which shrinks it by r = P / S. In every data sample
    ``img_shape`` (the padded image), ``pad_shape`` and ``batch_input_shape`` shrink by r,
    ``scale_factor`` is multiplied by 1 / r, and the gt boxes (and ignored boxes) are rescaled by 1 / r
    and clipped, so mmdet maps predictions back to photo pixels. The result equals the pipeline path
    (``MixSubPatches`` last, then ``DetDataPreprocessor`` with ``pad_size_divisor / r``) up to the
    float rounding of normalising before mixing.

    Args:
        mode (str): ``'mi'`` or ``'convex-mi'``, the modes of :data:`mmppml.crypto.MODE_TABLE` that keep
            the layout (shuffles would destroy the boxes).
        patch_size (int): the patch size P.
        sub_patch_size (int): S, a proper divisor of P.
        concentration (float, optional): Dirichlet concentration of ``'convex-mi'`` (default 1).
        key_file (str, optional): a keyed scramble of the S x S mixed blocks (see :class:`mmppml.KeyedScramble`).
        pixel_pad_value (float): pads each image to a multiple of P, on the pixel scale: finite, and a
            value the images' dtype holds (0 to 255 for uint8). Default: 0.
        pad_size_divisor (int): a positive integer, in photo pixels (before the mix); the MI batch is a multiple of
            ``pad_size_divisor / r``. The least common multiple with P is used. Default: 1.
        seed (int, optional): insecure reproducible draws, for research and tests; ``None`` uses OS entropy.
        **kwargs: the other arguments of ``DetDataPreprocessor`` (``mean``, ``std``, ``bgr_to_rgb``,
            ``pad_value``, ``batch_augments``, ...). Masks and segmentation maps are refused.
    """

    def __init__(self,
                 mode: str = 'mi',
                 patch_size: int = 16,
                 sub_patch_size: int = 8,
                 concentration: Optional[float] = None,
                 key_file: Optional[str] = None,
                 pixel_pad_value: float = 0,
                 pad_size_divisor: int = 1,
                 seed: Optional[int] = None,
                 **kwargs) -> None:
        if mode not in MODE_TABLE or not MODE_TABLE[mode].keeps_layout or not MODE_TABLE[mode].encrypts:
            layout = [m for m, v in MODE_TABLE.items() if v.keeps_layout and v.encrypts]
            raise ValueError(f'{type(self).__name__}: mode must keep the layout for boxes to keep their meaning: '
                             f'one of {layout}, got {mode!r}')
        self.encryption = BatchEncryption(
            mode, patch_size, sub_patch_size, concentration=concentration, key_file=key_file, seed=seed)
        self.mode = mode
        self.patch_size, self.sub_patch_size = self.encryption.patch_size, self.encryption.sub_patch_size
        self.pixel_pad_value = check_pixel_pad_value(pixel_pad_value)
        divisor = check_pad_size_divisor(pad_size_divisor)
        check_pixel_pad_value(kwargs.get('pad_value', 0), 'pad_value')
        super().__init__(pad_size_divisor=math.lcm(divisor, self.patch_size), **kwargs)

    def normalise(self, data: dict, training: bool = False) -> dict:
        """Everything but the mix: pad to P, then ``DetDataPreprocessor`` (normalise, pad, batch augments)."""
        data = self.cast_data(data)
        try:
            check_batch(data['inputs'], self.mean.shape[0] if self._enable_normalize else None, self.pixel_pad_value)
            inputs = drop_unmixed_batch(data['inputs'], self.patch_size, self.sub_patch_size, self.pixel_pad_value)
        except ValueError as e:
            raise ValueError(f'{type(self).__name__}: {e}') from None
        data['inputs'] = self.pad_to_patches(inputs)
        return super().forward(data, training)

    def encrypt(self, x: torch.Tensor) -> torch.Tensor:
        """Mix (and scramble) a normalised (B, C, H, W) batch: (B, C, H / r, W / r)."""
        mean, std = (self.mean, self.std) if self._enable_normalize else (None, None)
        try:
            return self.encryption(x, mean, std, channels_flipped=self._channel_conversion and x.shape[1] == 3)
        except ValueError as e:
            raise ValueError(f'{type(self).__name__}: {e}') from None

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.normalise(data, training)
        samples = data['data_samples']
        r = self.encryption.shrink
        mixed = self.encrypt(data['inputs'])
        if samples is not None:
            for i, sample in enumerate(samples):
                self.check_annotations(sample)
                h, w = sample.img_shape
                img_shape = (ceil_to(h, self.patch_size) // r, ceil_to(w, self.patch_size) // r)
                # Beyond each image the batch holds padding only, as in the pipeline path's batch.
                mixed[i, :, img_shape[0]:, :] = self.pad_value
                mixed[i, :, :, img_shape[1]:] = self.pad_value
                self.update_sample(sample, img_shape, tuple(mixed.shape[-2:]))
        return {'inputs': mixed, 'data_samples': samples}

    def pad_to_patches(self, inputs):
        """Pad every (C, H, W) image (or a stacked batch) bottom and right to multiples of P, pixel scale."""
        p = self.patch_size
        if isinstance(inputs, torch.Tensor):
            h, w = inputs.shape[-2:]
            return F.pad(inputs, (0, ceil_to(w, p) - w, 0, ceil_to(h, p) - h), value=self.pixel_pad_value)
        return [
            F.pad(img, (0, ceil_to(w, p) - w, 0, ceil_to(h, p) - h), value=self.pixel_pad_value)
            for img, (h, w) in zip(inputs, image_sizes(inputs))
        ]

    def check_annotations(self, sample) -> None:
        for name in ('gt_instances', 'ignored_instances'):
            if name in sample and 'masks' in sample.get(name):
                raise ValueError(f'{type(self).__name__} does not support masks yet; only boxes are rescaled')
        if 'gt_sem_seg' in sample or 'gt_panoptic_seg' in sample:
            raise ValueError(f'{type(self).__name__} does not support segmentation maps yet')

    def update_sample(self, sample, img_shape: Tuple[int, int], batch_input_shape: Tuple[int, int]) -> None:
        """Record the mix in ``sample``: shapes, scale factor and boxes, as ``MixSubPatches`` records it."""
        r = self.encryption.shrink
        scale = 1 / r
        pad_h, pad_w = sample.pad_shape
        w_scale, h_scale = sample.metainfo.get('scale_factor', (1.0, 1.0))
        sample.set_metainfo(
            dict(
                img_shape=img_shape,
                pad_shape=(pad_h // r, pad_w // r),
                batch_input_shape=batch_input_shape,
                scale_factor=(w_scale * scale, h_scale * scale)))
        for name in ('gt_instances', 'ignored_instances'):
            instances = sample.get(name)
            if instances is not None and 'bboxes' in instances:
                instances.bboxes = rescale_boxes(instances.bboxes, scale, img_shape)

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self.encryption!r}, pad_size_divisor={self.pad_size_divisor})'
