"""A mode of :data:`mmppml.crypto.MODE_TABLE` on a batch, in torch, on the batch's device, as the data
preprocessors use it, and the checks of their batches.

:class:`BatchEncryption` runs the mode's torch batch function (:attr:`mmppml.crypto.Mode.batch_function`,
the twins of the NumPy encryptions in :mod:`mmppml.crypto.batch`), which draws a fresh permutation, weight
or noise per image. Normalisation is a per-channel affine map, so it commutes with every one of them (the
noise scale and the inversion of the keyed scramble are carried over to the normalised scale); only the
float rounding differs from encrypting the pixels first.
"""
import os
from typing import List, Optional, Tuple

import numpy as np
import torch

from mmppml.crypto import MODE_TABLE, check_shuffle_grid, load_key, unmixed_pixels
from mmppml.crypto.alignment import check_mixable, check_pad_value
from mmppml.crypto.batch import convex_mix_batch, mix_batch, pixel_bags_batch, scramble_batch, shuffle_batch
from mmppml.crypto.keys import PerProcess, check_seed

# The torch twins of the encryptions moved to mmppml.crypto.batch; their names stay importable from here.
__all__ = [
    'BatchEncryption', 'MODE_PARAMS', 'check_batch', 'check_pad_size_divisor', 'check_pixel_pad_value',
    'drop_unmixed_batch', 'shuffle_batch', 'mix_batch', 'convex_mix_batch', 'pixel_bags_batch', 'scramble_batch'
]


def check_pad_size_divisor(value, name: str = 'pad_size_divisor') -> int:
    """Return ``value`` or raise: a positive integer (2.5 is refused, not rounded)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f'{name} must be a positive integer, got {value!r}')
    return int(value)


def check_pixel_pad_value(value: Optional[float], name: str = 'pixel_pad_value') -> Optional[float]:
    """Return ``value`` or raise: None or a finite number (:func:`mmppml.crypto.alignment.check_pad_value`)."""
    return None if value is None else check_pad_value(value, name)


def check_batch(inputs, channels: Optional[int], pad_value: Optional[float] = None) -> List[Tuple[int, int]]:
    """Check a batch before preprocessing: images, their channels and a padding value that fits them.

    Args:
        inputs (torch.Tensor | list[torch.Tensor]): (B, C, H, W), or (C, H_i, W_i) images.
        channels (int, optional): the channels normalisation expects (those of ``mean`` and ``std``).
        pad_value (float, optional): a pixel padding value, refused unless the images' dtype holds it.

    Returns:
        list[tuple[int, int]]: (H_i, W_i) of every image.

    Raises:
        ValueError: an empty batch, a channel count other than ``channels``, a ``pad_value`` an
            integer dtype would change (300 or 1.5 for uint8) or a float dtype cannot hold (1e6 for float16).
    """
    images = list(inputs) if isinstance(inputs, (list, tuple)) else None
    if images is None and not (isinstance(inputs, torch.Tensor) and inputs.dim() == 4):
        raise ValueError(f'expected a (B, C, H, W) batch or a list of (C, H, W) images, got '
                         f'{type(inputs).__name__} of shape {tuple(getattr(inputs, "shape", ()))}')
    if images is None:
        images = inputs.unbind(0) if inputs.shape[0] else []
    if not images:
        raise ValueError('the batch is empty (no images)')
    for img in images:
        if not isinstance(img, torch.Tensor) or img.dim() != 3 or 0 in img.shape:
            raise ValueError(f'expected (C, H, W) images, got {type(img).__name__} of shape '
                             f'{tuple(getattr(img, "shape", ()))}')
        if channels is not None and img.shape[0] != channels:
            raise ValueError(f'the batch has {img.shape[0]}-channel images, but mean and std have {channels} '
                             'values (one per channel)')
    dtype = images[0].dtype
    if pad_value is not None and not dtype.is_floating_point and dtype != torch.bool:
        info = torch.iinfo(dtype)
        if float(pad_value) != int(pad_value) or not info.min <= int(pad_value) <= info.max:
            raise ValueError(f'pixel_pad_value={pad_value!r} does not fit {dtype} images (integers {info.min} '
                             f'to {info.max})')
    if pad_value is not None and dtype.is_floating_point and abs(float(pad_value)) > torch.finfo(dtype).max:
        raise ValueError(f'pixel_pad_value={pad_value!r} does not fit {dtype} images (at most '
                         f'{torch.finfo(dtype).max:g} in magnitude)')
    return [tuple(img.shape[-2:]) for img in images]


def drop_unmixed_batch(inputs, patch_size: int, sub_patch_size: int, value: float):
    """Set the pixels that MI would mix with padding only (:func:`mmppml.crypto.unmixed_pixels`) to ``value``,
    in copies of the images that will be padded: before padding a (B, C, H, W) batch or (C, H_i, W_i)
    images to multiples of P (bottom and right), so that no pixel is handed over as a scaled copy.

    Raises:
        ValueError: for an image that fits in one S x S sub-patch (MI would mix it with padding only).
    """

    def drop(img: torch.Tensor) -> torch.Tensor:
        h, w = img.shape[-2:]
        check_mixable(h, w, patch_size, sub_patch_size)
        rows, cols = unmixed_pixels(h, w, patch_size, sub_patch_size)
        if not len(rows) or not len(cols):
            return img
        img = img.clone()
        img[..., torch.from_numpy(rows).to(img.device)[:, None], torch.from_numpy(cols).to(img.device)] = value
        return img

    return drop(inputs) if isinstance(inputs, torch.Tensor) else [drop(img) for img in inputs]


# Modes with their own parameter: name -> (parameter, default), as the table has them (Mode.param).
MODE_PARAMS = {name: (m.param.name, m.param.default) for name, m in MODE_TABLE.items() if m.param is not None}


class BatchEncryption:
    """One mode of :data:`mmppml.crypto.MODE_TABLE` applied to (B, C, H, W) batches on their device.

    Permutations and noise come from a torch generator per process and device, Dirichlet weights
    (convex MI) from a NumPy generator per process; both are seeded from OS entropy, never from the
    global seed MMEngine sets. Nothing drawn is kept or returned.

    Args:
        mode (str): a name of :data:`~mmppml.crypto.MODE_TABLE`: ``'plain'`` (nothing), ``'rs'``,
            ``'mi'``, ``'rs-on-mi'``, ``'convex-mi'``, ``'noisy-rs-on-mi'``, ``'bag'``, or one registered
            there with a torch batch function.
        patch_size (int): P (the bag side for ``'bag'``).
        sub_patch_size (int, optional): S, a proper divisor of P, for the modes that mix.
        concentration (float, optional): of the Dirichlet weights (``'convex-mi'`` only; default 1).
        sigma (float, optional): noise standard deviation on the 0-255 pixel scale
            (``'noisy-rs-on-mi'`` only; default 16).
        key_file (str, optional): a keyed scramble (see :class:`mmppml.KeyedScramble`) applied after
            the encryption, on blocks of the key's size (P after RS, S after the mixes).
        seed (int, optional): ``None`` (default) draws from OS entropy. An int makes every draw
            reproducible by anyone who knows it: insecure, for research and tests only.
    """

    def __init__(self,
                 mode: str,
                 patch_size: Optional[int] = None,
                 sub_patch_size: Optional[int] = None,
                 concentration: Optional[float] = None,
                 sigma: Optional[float] = None,
                 key_file: Optional[str] = None,
                 seed: Optional[int] = None) -> None:
        if mode not in MODE_TABLE:
            raise ValueError(f'mode must be one of {tuple(MODE_TABLE)}, got {mode!r}')
        self.mode = mode
        self.record = MODE_TABLE[mode]
        if not self.record.encrypts:
            if patch_size is not None or sub_patch_size is not None or key_file is not None:
                raise ValueError(f'mode {mode!r} encrypts nothing: it takes no patch_size, sub_patch_size or key_file')
            self.patch_size = self.sub_patch_size = None
        else:
            self.patch_size, self.sub_patch_size = self.record.check_sizes(patch_size, sub_patch_size)
        self.param = self._check_param(mode, concentration=concentration, sigma=sigma)
        self.seed = check_seed(seed)
        self.key_file = key_file
        self.key = None if key_file is None else load_key(key_file)
        if self.key is not None and self.output_block % self.key.block_size:
            raise ValueError(f'key block_size={self.key.block_size} does not divide the {self.output_block}-px '
                             f'blocks of mode {mode!r}')
        self._torch_generators, self._numpy_rng = PerProcess(), PerProcess()

    @staticmethod
    def _check_param(mode: str, **given) -> Optional[float]:
        """The checked value of ``mode``'s own parameter (:meth:`mmppml.crypto.Mode.param_value`)."""
        return MODE_TABLE[mode].param_value(**given)

    @property
    def shrink(self) -> int:
        """r = P / S for the modes that mix (the image shrinks by it), else 1."""
        return 1 if self.sub_patch_size is None else self.patch_size // self.sub_patch_size

    @property
    def output_block(self) -> int:
        """The side of the blocks of the encrypted image: S for the mixes, P otherwise."""
        return self.sub_patch_size or self.patch_size or 1

    @property
    def keeps_layout(self) -> bool:
        return self.record.keeps_layout

    def _stream(self) -> list:
        from mmengine.dist import get_rank
        return [self.seed, get_rank()]

    def generator(self, device: torch.device) -> torch.Generator:
        """This process's torch generator on ``device``."""

        def make():
            if self.seed is None:
                seed = int.from_bytes(os.urandom(8), 'little')
            else:
                seed = int(np.random.SeedSequence(self._stream()).generate_state(1, np.uint64)[0])
            return torch.Generator(device=device).manual_seed(seed)

        return self._torch_generators.get(make, key=str(device))

    @property
    def numpy_rng(self) -> np.random.Generator:
        """This process's NumPy generator (the Dirichlet weights of convex MI)."""
        return self._numpy_rng.get(lambda: np.random.default_rng(None if self.seed is None else self._stream()))

    def check(self, height: int, width: int) -> None:
        """Refuse a batch of ``height x width`` images (before any padding) that the mode cannot encrypt."""
        if self.record.shuffles:
            p = self.patch_size
            check_shuffle_grid((height // p, width // p), p)

    def __call__(self,
                 x: torch.Tensor,
                 mean: Optional[torch.Tensor] = None,
                 std: Optional[torch.Tensor] = None,
                 channels_flipped: bool = False) -> torch.Tensor:
        """Encrypt ``x``.

        Args:
            x (torch.Tensor): (B, C, H, W) float, H and W multiples of P; normalised as ``(v - mean) / std``
                when ``mean`` and ``std`` are given, else on the pixel scale.
            mean (torch.Tensor, optional): (C, 1, 1) of the normalisation.
            std (torch.Tensor, optional): (C, 1, 1) of the normalisation.
            channels_flipped (bool): whether the channels were reversed (BGR to RGB) after loading; the
                key's channels are those of the loaded image.

        Returns:
            torch.Tensor: (B, C, H / r, W / r), r = :attr:`shrink`.
        """
        if not self.record.encrypts:
            return x
        h, w = x.shape[-2:]
        p, s = self.patch_size, self.sub_patch_size
        if h % p or w % p:
            raise ValueError(f'batch of {h}x{w} (HxW) images is not a multiple of patch_size={p}; resize, crop or '
                             'pad (pad_size_divisor) to a multiple first')
        out = self.record.batch_function(x, p, s, self.param, self, mean, std)
        return out if self.key is None else self.scramble(out, mean, std, channels_flipped)

    def scramble(self, x: torch.Tensor, mean: Optional[torch.Tensor], std: Optional[torch.Tensor],
                 channels_flipped: bool) -> torch.Tensor:
        """The keyed scramble of an encrypted batch, inverting as ``255 - v`` on the pixel scale."""
        key, c = self.key, x.shape[1]
        if key.channels != c:
            raise ValueError(f'batch has {c} channel(s) but the key was made for {key.channels}')
        k = key.block_size**2
        mask = torch.from_numpy(np.ascontiguousarray(key.sign_mask.reshape(k, c).T))
        if channels_flipped:
            mask = mask.flip(0)
        offset = torch.full((c, ), 255., dtype=x.dtype, device=x.device)
        if mean is not None:
            offset = (offset - 2 * mean.to(x).reshape(c)) / std.to(x).reshape(c)
        return scramble_batch(x, torch.from_numpy(key.pixel_perm), mask, offset)

    def __repr__(self) -> str:
        sizes = '' if self.patch_size is None else f', patch_size={self.patch_size}'
        sizes += '' if self.sub_patch_size is None else f', sub_patch_size={self.sub_patch_size}'
        param = '' if self.param is None else f', {self.record.param.name}={self.param:g}'
        return (f'{type(self).__name__}(mode={self.mode!r}{sizes}{param}, keyed={self.key is not None}, '
                f'seeded={self.seed is not None})')
