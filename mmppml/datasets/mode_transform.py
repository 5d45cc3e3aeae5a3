"""Any mode of :data:`mmppml.crypto.MODE_TABLE` as a pipeline transform, through its record."""
from typing import Optional

import numpy as np

from mmppml.crypto import get_mode
from mmppml.registry import TRANSFORMS
from .transforms import BlockEncryption, channels_first, drop_unmixed_padding


@TRANSFORMS.register_module()
class ModeEncryption(BlockEncryption):
    """The NumPy function of a mode (:attr:`mmppml.crypto.Mode.numpy`) on every image, with the checks and
    bookkeeping of :class:`BlockEncryption` as the record says: a mode that :attr:`~mmppml.crypto.Mode.shuffles`
    refuses spatial annotations; one that keeps the layout rescales boxes by 1 / r (r = its shrink).

    Args:
        mode (str): a mode of :data:`~mmppml.crypto.MODE_TABLE` that encrypts (not ``'plain'``).
        patch_size (int): the patch size P. Default: 16.
        sub_patch_size (int, optional): S, a proper divisor of P, for the modes that mix.
        size_mismatch (str): ``'error'`` | ``'pad'`` | ``'crop'``, see :class:`BlockEncryption`.
        pad_val (int | float): padding value. Default: 0.
        seed (int, optional): insecure reproducible draws; ``None`` uses OS entropy.
        **param: the mode's own parameter by keyword (e.g. ``sigma=8.``), its default when not given.
    """

    def __init__(self,
                 mode: str,
                 patch_size: int = 16,
                 sub_patch_size: Optional[int] = None,
                 size_mismatch: str = 'error',
                 pad_val: float = 0,
                 seed: Optional[int] = None,
                 **param: float) -> None:
        self.record = get_mode(mode)
        if not self.record.encrypts:
            raise ValueError(f'{type(self).__name__}: mode {mode!r} encrypts nothing; leave the transform out')
        patch_size, self.sub_patch_size = self.record.check_sizes(patch_size, sub_patch_size)
        super().__init__(patch_size, size_mismatch, pad_val, seed)
        self.param = self.record.param_value(**param)

    @property
    def shuffles(self) -> bool:
        return self.record.shuffles

    @property
    def shrink(self) -> int:
        return self.record.shrink(self.block_size, self.sub_patch_size)

    def aligned_image(self, results: dict) -> np.ndarray:
        img = super().aligned_image(results)
        if self.record.needs_sub_patch:  # as MixSubPatches: no pixel handed over mixed with padding only
            img = drop_unmixed_padding(self, results, img, self.sub_patch_size)
        return img

    def encrypt(self, img: np.ndarray) -> np.ndarray:
        return channels_first(self.record.numpy(img, self.block_size, self.sub_patch_size, self.param, self.rng))

    def __repr__(self) -> str:
        sizes = '' if self.sub_patch_size is None else f', sub_patch_size={self.sub_patch_size}'
        param = '' if self.param is None else f', {self.record.param.name}={self.param:g}'
        return (f'{type(self).__name__}(mode={self.record.name!r}, patch_size={self.block_size}{sizes}{param}, '
                f'size_mismatch={self.size_mismatch!r}, seeded={self.seed is not None})')
