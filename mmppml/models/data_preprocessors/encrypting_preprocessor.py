"""Online encryption of a classification batch on the training device, after normalising and mixing it.

With the encryption as the last pipeline transform, mmpretrain's batch augments (which run in the data
preprocessor) would blend images shuffled with different permutations and paste rectangles across
patches: not the encryption of an augmented image. The official training mixes the plain images and
encrypts the result; :class:`EncryptingClsDataPreprocessor` does the same on the training device, and
takes the per-image work out of the data loader.
"""
import math
from typing import List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmpretrain.models.utils.data_preprocessor import ClsDataPreprocessor

from mmppml.crypto import MODE_TABLE
from mmppml.registry import MODELS
from .batch_encryption import (BatchEncryption, check_batch, check_pad_size_divisor, check_pixel_pad_value,
                               drop_unmixed_batch, mix_batch, shuffle_batch)

__all__ = ['EncryptingClsDataPreprocessor', 'mix_batch', 'shuffle_batch', 'pad_pixels', 'image_sizes']


def pad_pixels(inputs: Union[torch.Tensor, Sequence[torch.Tensor]], divisor: int, value: float) -> torch.Tensor:
    """Pad images bottom and right with ``value`` to one size, a multiple of ``divisor``, and stack them.

    Args:
        inputs (torch.Tensor | list[torch.Tensor]): a (B, C, H, W) batch or (C, H_i, W_i) images, of any dtype
            (``value`` must fit it, e.g. an integer for uint8 pixels).
        divisor (int): the padded height and width are the smallest multiples of it that hold every image.
        value (float): the padding value, on the scale of ``inputs``.

    Returns:
        torch.Tensor: (B, C, H', W'), the dtype of ``inputs``.
    """
    sizes = image_sizes(inputs)
    height = math.ceil(max(h for h, _ in sizes) / divisor) * divisor
    width = math.ceil(max(w for _, w in sizes) / divisor) * divisor
    if isinstance(inputs, torch.Tensor):
        h, w = inputs.shape[-2:]
        return F.pad(inputs, (0, width - w, 0, height - h), value=value) if (h, w) != (height, width) else inputs
    return torch.stack(
        [F.pad(img, (0, width - img.shape[-1], 0, height - img.shape[-2]), value=value) for img in inputs])


def image_sizes(inputs: Union[torch.Tensor, Sequence[torch.Tensor]]) -> List[tuple]:
    """(H, W) of every image of a (B, C, H, W) batch (one entry) or of a list of (C, H_i, W_i) images."""
    if isinstance(inputs, torch.Tensor):
        return [tuple(inputs.shape[-2:])]
    return [tuple(img.shape[-2:]) for img in inputs]


@MODELS.register_module()
class EncryptingClsDataPreprocessor(ClsDataPreprocessor):
    """mmpretrain's ``ClsDataPreprocessor`` that encrypts the batch after normalising and mixing it.

    In training: (pad,) normalise, batch augments (e.g. DeiT's Mixup / CutMix), then encrypt each image;
    in testing: (pad,) normalise, then encrypt. Normalisation commutes with the encryption (a per-channel
    affine map), so this equals encrypting the pixels first, up to float rounding. Permutations come
    from a generator seeded from OS entropy in each process, never from the global seed MMEngine sets.

    For online training: the plain batch reaches the training process, as it does with the pipeline
    transforms. Data handed over encrypted offline is read with ``EncryptedImageFolder`` instead.

    Args:
        mode (str): a mode of :data:`mmppml.crypto.MODE_TABLE`: ``'rs'``, ``'mi'``, ``'rs-on-mi'``,
            ``'convex-mi'``, ``'noisy-rs-on-mi'``, ``'bag'``, or ``'plain'`` (pad and normalise only:
            the reference the encrypted models are compared with).
        patch_size (int, optional): the patch size P (the bag side for ``'bag'``); none for ``'plain'``.
        sub_patch_size (int, optional): S, a proper divisor of P (the modes that mix).
        concentration (float, optional): Dirichlet concentration of ``'convex-mi'`` (default 1).
        sigma (float, optional): noise of ``'noisy-rs-on-mi'`` on the 0-255 pixel scale (default 16).
        key_file (str, optional): a keyed scramble applied after the encryption (see
            :class:`mmppml.KeyedScramble`).
        pixel_pad_value (float, optional): when given, images are padded bottom and right to a multiple
            of ``pad_size_divisor`` with this pixel value before normalisation (as a pipeline ``Pad``
            does); otherwise ``ClsDataPreprocessor`` pads after normalisation with ``pad_value``.
            Finite, and a value the images' dtype holds (0 to 255 for uint8). The modes that mix first
            set the pixels that MI would mix with padding only to it (0 without it), as
            ``MixSubPatches(size_mismatch='pad')`` does; an image within one S x S sub-patch is refused.
        seed (int, optional): insecure reproducible draws, for research and tests; ``None`` uses OS entropy.
        **kwargs: the arguments of ``ClsDataPreprocessor`` (``mean``, ``std``, ``to_rgb``,
            ``pad_size_divisor``, ``batch_augments``, ...). Padded sizes must be multiples of P;
            ``pad_size_divisor`` is a positive integer. An empty batch, or images with other than one
            channel per value of ``mean`` and ``std``, are refused with a ValueError.
    """

    def __init__(self,
                 mode: str = 'rs',
                 patch_size: Optional[int] = 16,
                 sub_patch_size: Optional[int] = None,
                 concentration: Optional[float] = None,
                 sigma: Optional[float] = None,
                 key_file: Optional[str] = None,
                 pixel_pad_value: Optional[float] = None,
                 seed: Optional[int] = None,
                 **kwargs):
        pad_size_divisor = check_pad_size_divisor(kwargs.pop('pad_size_divisor', 1))
        pixel_pad_value = check_pixel_pad_value(pixel_pad_value)
        check_pixel_pad_value(kwargs.get('pad_value', 0), 'pad_value')
        if pixel_pad_value is not None:
            kwargs['pad_size_divisor'] = 1  # padded here, before normalisation
        else:
            kwargs['pad_size_divisor'] = pad_size_divisor
        super().__init__(**kwargs)
        record = MODE_TABLE.get(mode)
        self.encryption = BatchEncryption(
            mode,
            None if record is not None and not record.encrypts else patch_size,  # plain takes none
            sub_patch_size,
            concentration=concentration,
            sigma=sigma,
            key_file=key_file,
            seed=seed)
        self.mode = mode
        self.patch_size, self.sub_patch_size = self.encryption.patch_size, self.encryption.sub_patch_size
        self.pixel_pad_value = pixel_pad_value
        self.pixel_pad_size_divisor = pad_size_divisor

    def generator(self, device: torch.device) -> torch.Generator:
        """This process's generator on ``device``, seeded from OS entropy."""
        return self.encryption.generator(device)

    def encrypt(self, x: torch.Tensor) -> torch.Tensor:
        """Encrypt a normalised (B, C, H, W) batch; (B, C, H / r, W / r) with r = P / S for the mixes."""
        try:
            return self.encryption(
                x,
                self.mean if self._enable_normalize else None,
                self.std if self._enable_normalize else None,
                channels_flipped=self.to_rgb and x.shape[1] == 3)
        except ValueError as e:
            raise ValueError(f'{type(self).__name__}: {e}') from None

    def normalise(self, data: dict, training: bool = False) -> dict:
        """Everything but the encryption: (pad,) normalise, batch augments; the batch as it is then encrypted."""
        inputs = self.cast_data(data['inputs'])
        try:
            sizes = check_batch(inputs, self.mean.shape[0] if self._enable_normalize else None, self.pixel_pad_value)
            self.encryption.check(min(h for h, _ in sizes), min(w for _, w in sizes))
            if self.sub_patch_size is not None:  # padding must leave no pixel mixed with padding only
                inputs = drop_unmixed_batch(inputs, self.patch_size, self.sub_patch_size, self.pixel_pad_value or 0)
        except ValueError as e:
            raise ValueError(f'{type(self).__name__}: {e}') from None
        if self.pixel_pad_value is not None:
            inputs = pad_pixels(inputs, self.pixel_pad_size_divisor, self.pixel_pad_value)
        return super().forward(dict(data, inputs=inputs), training)

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.normalise(data, training)
        data['inputs'] = self.encrypt(data['inputs'])
        return data
