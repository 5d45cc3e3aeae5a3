"""Online encryption after the batch augments: mix plain images (Mixup, CutMix), then encrypt the mix.

With the encryption as the last pipeline transform, mmpretrain's batch augments (which run in the data
preprocessor) would blend images shuffled with different permutations and paste rectangles across
patches: not the encryption of an augmented image. The official training mixes the plain images and
encrypts the result; :class:`EncryptingClsDataPreprocessor` does the same on the training device.
"""
import os
from typing import Optional

import torch
from mmpretrain.models.utils.data_preprocessor import ClsDataPreprocessor

from mmppml.crypto import MODE_TABLE, check_shuffle_grid, get_mode
from mmppml.crypto.keys import PerProcess
from mmppml.registry import MODELS


def shuffle_batch(x: torch.Tensor, block: int, generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """RS of a batch: shuffle each image's ``block x block`` blocks with its own random permutation.

    Args:
        x (torch.Tensor): (B, C, H, W), H and W multiples of ``block``.

    Returns:
        torch.Tensor: same shape; every image holds the same blocks as before, in a new order.
    """
    b, c, h, w = x.shape
    gh, gw = h // block, w // block
    blocks = x.reshape(b, c, gh, block, gw, block).permute(0, 2, 4, 1, 3, 5).reshape(b, gh * gw, -1)
    device = x.device if generator is None else generator.device
    perm = torch.argsort(torch.rand(b, gh * gw, generator=generator, device=device), dim=1).to(x.device)
    blocks = torch.gather(blocks, 1, perm[..., None].expand_as(blocks))
    return blocks.reshape(b, gh, gw, c, block, block).permute(0, 3, 1, 4, 2, 5).reshape(b, c, h, w)


def mix_batch(x: torch.Tensor, patch_size: int, sub_patch_size: int) -> torch.Tensor:
    """MI of a batch: each P x P patch becomes the mean of its S x S sub-patches, (B, C, H * S / P, W * S / P)."""
    b, c, h, w = x.shape
    r, s = patch_size // sub_patch_size, sub_patch_size
    return x.reshape(b, c, h // patch_size, r, s, w // patch_size, r, s).mean(dim=(3, 6)).reshape(b, c, h // r, w // r)


@MODELS.register_module()
class EncryptingClsDataPreprocessor(ClsDataPreprocessor):
    """mmpretrain's ``ClsDataPreprocessor`` that encrypts the batch after normalising and mixing it.

    In training: normalise, batch augments (e.g. DeiT's Mixup / CutMix), then RS, MI or RS-on-MI per
    image; in testing: normalise, then encrypt. Normalisation commutes with the encryption (a per-channel
    affine map), so this equals encrypting the pixels first. Permutations come from a generator seeded
    from OS entropy in each process, never from the global seed MMEngine sets.

    For online training: the plain batch reaches the training process, as it does with the pipeline
    transforms. Data handed over encrypted offline is read with ``EncryptedImageFolder`` instead.

    Args:
        mode (str): ``'rs'``, ``'mi'`` or ``'rs-on-mi'``.
        patch_size (int): the patch size P.
        sub_patch_size (int, optional): S, a proper divisor of P (mi, rs-on-mi).
        **kwargs: the arguments of ``ClsDataPreprocessor`` (``mean``, ``std``, ``to_rgb``,
            ``batch_augments``, ...). Image sizes must be multiples of P (use ``pad_size_divisor``).
    """

    def __init__(self, mode: str = 'rs', patch_size: int = 16, sub_patch_size: Optional[int] = None, **kwargs):
        super().__init__(**kwargs)
        self.mode = get_mode(mode, offline=True).name
        self.patch_size, self.sub_patch_size = MODE_TABLE[mode].check_sizes(patch_size, sub_patch_size)
        self._generator = PerProcess()

    def generator(self, device: torch.device) -> torch.Generator:
        """This process's generator on ``device``, seeded from OS entropy."""
        return self._generator.get(
            lambda: torch.Generator(device=device).manual_seed(int.from_bytes(os.urandom(8), 'little')),
            key=str(device))

    def encrypt(self, x: torch.Tensor) -> torch.Tensor:
        """Encrypt a normalised (B, C, H, W) batch."""
        h, w = x.shape[-2:]
        p = self.patch_size
        if h % p or w % p:
            raise ValueError(f'{type(self).__name__}: batch of {h}x{w} (HxW) images is not a multiple of '
                             f'patch_size={p}; resize, crop or pad (pad_size_divisor) to a multiple first')
        if self.mode != 'mi':
            check_shuffle_grid((h // p, w // p), p)
        if self.mode == 'rs':
            return shuffle_batch(x, p, self.generator(x.device))
        x = mix_batch(x, p, self.sub_patch_size)
        return x if self.mode == 'mi' else shuffle_batch(x, self.sub_patch_size, self.generator(x.device))

    def forward(self, data: dict, training: bool = False) -> dict:
        data = super().forward(data, training)
        data['inputs'] = self.encrypt(data['inputs'])
        return data
