"""The encryptions of :mod:`mmppml.crypto` on a batch, in torch, on the batch's device.

Each function takes a (B, C, H, W) float batch (normalised or on the pixel scale) and draws a fresh
permutation, weight or noise per image. :class:`BatchEncryption` picks one by mode name, as the data
preprocessors use it. Normalisation is a per-channel affine map, so it commutes with every one of
them (the noise scale and the inversion of the keyed scramble are carried over to the normalised
scale); only the float rounding differs from encrypting the pixels first.
"""
import math
import os
from typing import List, Optional, Tuple

import numpy as np
import torch

from mmppml.crypto import MODE_TABLE, SHUFFLE_DRAWS, check_shuffle_grid, load_key, unmixed_pixels
from mmppml.crypto.alignment import check_mixable
from mmppml.crypto.keys import PerProcess


def _blocks(x: torch.Tensor, block: int) -> torch.Tensor:
    """(B, C, H, W) -> (B, N, C, block * block), blocks in raster order."""
    b, c, h, w = x.shape
    gh, gw = h // block, w // block
    return x.reshape(b, c, gh, block, gw, block).permute(0, 2, 4, 1, 3, 5).reshape(b, gh * gw, c, block * block)


def _unblocks(blocks: torch.Tensor, block: int, shape: Tuple[int, int, int, int]) -> torch.Tensor:
    """The inverse of :func:`_blocks` for a batch of ``shape`` (B, C, H, W)."""
    b, c, h, w = shape
    return blocks.reshape(b, h // block, w // block, c, block, block).permute(0, 3, 1, 4, 2, 5).reshape(b, c, h, w)


def _random_perms(b: int, n: int, like: torch.Tensor, generator: Optional[torch.Generator]) -> torch.Tensor:
    """(b, n) int64 on ``like``'s device: one uniform permutation of ``range(n)`` per row."""
    device = like.device if generator is None else generator.device
    return torch.argsort(torch.rand(b, n, generator=generator, device=device), dim=1).to(like.device)


def shuffle_batch(x: torch.Tensor, block: int, generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """RS of a batch: shuffle each image's ``block x block`` blocks with its own random permutation.

    Args:
        x (torch.Tensor): (B, C, H, W), H and W multiples of ``block``.
        block (int): the block side (P for RS, S for RS-on-MI).
        generator (torch.Generator, optional): where the permutations come from.

    Returns:
        torch.Tensor: same shape; every image holds the same blocks as before, in a new order that
        differs from the old one unless all its blocks are the same (see :func:`_shuffle_blocks`).
    """
    return _unblocks(_shuffle_blocks(_blocks(x, block), x, generator), block, x.shape)


def _shuffle_blocks(blocks: torch.Tensor, like: torch.Tensor, generator: Optional[torch.Generator]) -> torch.Tensor:
    """(B, N, ...) blocks in a fresh random order per image. The permutation of an image that it leaves as
    it was (the identity, or one that swaps identical blocks only) is drawn again, up to
    :data:`~mmppml.crypto.SHUFFLE_DRAWS` draws, as the offline tool and the pipeline transforms do."""
    b, n = blocks.shape[:2]
    out = _take_blocks(blocks, _random_perms(b, n, like, generator))
    for _ in range(SHUFFLE_DRAWS - 1):
        same = (out == blocks).reshape(b, -1).all(1).nonzero()[:, 0]
        if same.numel() == 0:
            break
        out[same] = _take_blocks(blocks[same], _random_perms(same.numel(), n, like, generator))
    return out


def _take_blocks(blocks: torch.Tensor, perm: torch.Tensor) -> torch.Tensor:
    """(B, N, ...) blocks reordered per image: output block i of image b is block ``perm[b, i]``; one
    ``index_select`` over the flattened blocks (faster on CPU than ``gather`` or advanced indexing)."""
    b, n = perm.shape
    index = (perm + torch.arange(b, device=perm.device)[:, None] * n).reshape(-1)
    return blocks.reshape(b * n, -1).index_select(0, index).reshape(blocks.shape)


def mix_batch(x: torch.Tensor, patch_size: int, sub_patch_size: int) -> torch.Tensor:
    """MI of a batch: each P x P patch becomes the mean of its S x S sub-patches.

    Args:
        x (torch.Tensor): (B, C, H, W) float, H and W multiples of P.
        patch_size (int): P.
        sub_patch_size (int): S, a proper divisor of P.

    Returns:
        torch.Tensor: (B, C, H * S / P, W * S / P).
    """
    b, c, h, w = x.shape
    p, s = patch_size, sub_patch_size
    r = p // s
    # Sums of strided views (no reduction over scattered axes): the r sub-patch rows of each row of
    # patches, then the r sub-patch columns; exact for pixel values (integers), divided once.
    rows = x.reshape(b, c, h // p, r, s, w)
    total = rows[:, :, :, 0]
    for a in range(1, r):
        total = total + rows[:, :, :, a]
    cols = total.reshape(b, c, h // p, s, w // p, r, s)
    mixed = cols[..., 0, :]
    for a in range(1, r):
        mixed = mixed + cols[..., a, :]
    return (mixed / (r * r)).reshape(b, c, h // r, w // r)


def convex_mix_batch(x: torch.Tensor, patch_size: int, sub_patch_size: int, weights: torch.Tensor) -> torch.Tensor:
    """Convex MI of a batch: each P x P patch becomes the weighted sum of its S x S sub-patches.

    Args:
        x (torch.Tensor): (B, C, H, W) float, H and W multiples of P.
        patch_size (int): P.
        sub_patch_size (int): S, a proper divisor of P; r = P / S.
        weights (torch.Tensor): (B, H / P, W / P, r * r), each patch's weights summing to 1; weight
            ``a * r + b`` goes to sub-patch (a, b), as :func:`mmppml.crypto.convex_mix_subpatches`.

    Returns:
        torch.Tensor: (B, C, H * S / P, W * S / P).
    """
    b, c, h, w = x.shape
    p, s = patch_size, sub_patch_size
    r, gh, gw = p // s, h // p, w // p
    grid = x.reshape(b, c, gh, r, s, gw, r, s)
    mixed = torch.einsum('ncyaixbj,nyxab->ncyixj', grid, weights.to(x).reshape(b, gh, gw, r, r))
    return mixed.reshape(b, c, gh * s, gw * s)


def pixel_bags_batch(x: torch.Tensor, block: int, generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Pixel bags of a batch: a fresh pixel permutation inside every block (the channels of a pixel
    move together), then a fresh shuffle of each image's blocks.

    Args:
        x (torch.Tensor): (B, C, H, W), H and W multiples of ``block``.
        block (int): the block side b.
        generator (torch.Generator, optional): where the permutations come from.

    Returns:
        torch.Tensor: same shape; every output block holds the pixels of one input block.
    """
    blocks = _blocks(x, block)
    b, n, c, k = blocks.shape
    pixel_perm = _random_perms(b * n, k, x, generator).reshape(b, n, 1, k)
    blocks = torch.gather(blocks, 3, pixel_perm.expand_as(blocks))
    return _unblocks(_shuffle_blocks(blocks, x, generator), block, x.shape)


def scramble_batch(x: torch.Tensor, pixel_perm: torch.Tensor, sign_mask: torch.Tensor,
                   offset: torch.Tensor) -> torch.Tensor:
    """The keyed scramble of a batch: the same pixel permutation and sign mask in every block.

    Args:
        x (torch.Tensor): (B, C, H, W), H and W multiples of the block side b.
        pixel_perm (torch.Tensor): (b * b,) int64: output pixel ``j`` of a block is input pixel ``pixel_perm[j]``.
        sign_mask (torch.Tensor): (C, b * b) bool: True inverts the output pixel, ``v -> offset[c] - v``.
        offset (torch.Tensor): (C,), 255 on the pixel scale, ``(255 - 2 * mean) / std`` once normalised.

    Returns:
        torch.Tensor: same shape, as :func:`mmppml.crypto.apply_scramble` with ``float_max=255`` on pixels.
    """
    b, c, h, w = x.shape
    k = pixel_perm.numel()
    side = math.isqrt(k)
    gh, gw = h // side, w // side
    blocks = x.reshape(b, c, gh, side, gw, side).permute(0, 1, 2, 4, 3, 5).reshape(b, c, gh, gw, k)
    moved = blocks.index_select(4, pixel_perm.to(x.device))
    mask = sign_mask.to(x.device)[None, :, None, None, :]
    moved = torch.where(mask, offset.to(x).reshape(1, c, 1, 1, 1) - moved, moved)
    return moved.reshape(b, c, gh, gw, side, side).permute(0, 1, 2, 4, 3, 5).reshape(b, c, h, w)


def check_pad_size_divisor(value, name: str = 'pad_size_divisor') -> int:
    """Return ``value`` or raise: a positive integer (2.5 is refused, not rounded)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f'{name} must be a positive integer, got {value!r}')
    return int(value)


def check_pixel_pad_value(value: Optional[float], name: str = 'pixel_pad_value') -> Optional[float]:
    """Return ``value`` or raise: None or a finite number."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f'{name} must be a number, got {value!r}')
    if not math.isfinite(value):
        raise ValueError(f'{name} must be a finite number, got {value!r}')
    return value


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
            integer dtype would change (300 or 1.5 for uint8).
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


# Modes with their own parameter: name -> (parameter, default).
MODE_PARAMS = {'convex-mi': ('concentration', 1.), 'noisy-rs-on-mi': ('sigma', 16.)}


class BatchEncryption:
    """One mode of :data:`mmppml.crypto.MODE_TABLE` applied to (B, C, H, W) batches on their device.

    Permutations and noise come from a torch generator per process and device, Dirichlet weights
    (convex MI) from a NumPy generator per process; both are seeded from OS entropy, never from the
    global seed MMEngine sets. Nothing drawn is kept or returned.

    Args:
        mode (str): a name of :data:`~mmppml.crypto.MODE_TABLE`: ``'plain'`` (nothing), ``'rs'``,
            ``'mi'``, ``'rs-on-mi'``, ``'convex-mi'``, ``'noisy-rs-on-mi'`` or ``'bag'``.
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
        if mode == 'plain':
            if patch_size is not None or sub_patch_size is not None or key_file is not None:
                raise ValueError("mode 'plain' encrypts nothing: it takes no patch_size, sub_patch_size or key_file")
            self.patch_size = self.sub_patch_size = None
        else:
            self.patch_size, self.sub_patch_size = MODE_TABLE[mode].check_sizes(patch_size, sub_patch_size)
        self.param = self._check_param(mode, concentration=concentration, sigma=sigma)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(f'seed must be None or an int, got {type(seed).__name__}')
        self.seed = seed
        self.key_file = key_file
        self.key = None if key_file is None else load_key(key_file)
        if self.key is not None and self.output_block % self.key.block_size:
            raise ValueError(f'key block_size={self.key.block_size} does not divide the {self.output_block}-px '
                             f'blocks of mode {mode!r}')
        self._torch_generators, self._numpy_rng = PerProcess(), PerProcess()

    @staticmethod
    def _check_param(mode: str, **given) -> Optional[float]:
        own = MODE_PARAMS.get(mode)
        for name, value in given.items():
            if value is not None and (own is None or own[0] != name):
                raise ValueError(f'{name} applies to mode {[m for m, p in MODE_PARAMS.items() if p[0] == name][0]!r}'
                                 f', not {mode!r}')
        if own is None:
            return None
        value = given[own[0]]
        value = own[1] if value is None else float(value)
        if own[0] == 'concentration' and not value > 0:
            raise ValueError(f'concentration must be positive, got {value!r}')
        if own[0] == 'sigma' and not value >= 0:
            raise ValueError(f'sigma must be >= 0, got {value!r}')
        return value

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
        return MODE_TABLE[self.mode].keeps_layout

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
        if self.mode == 'plain':
            return
        if MODE_TABLE[self.mode].shuffles:
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
        if self.mode == 'plain':
            return x
        h, w = x.shape[-2:]
        p, s = self.patch_size, self.sub_patch_size
        if h % p or w % p:
            raise ValueError(f'batch of {h}x{w} (HxW) images is not a multiple of patch_size={p}; resize, crop or '
                             'pad (pad_size_divisor) to a multiple first')
        if self.mode == 'rs':
            out = shuffle_batch(x, p, self.generator(x.device))
        elif self.mode == 'bag':
            out = pixel_bags_batch(x, p, self.generator(x.device))
        elif self.mode == 'convex-mi':
            r, b = self.shrink, x.shape[0]
            weights = self.numpy_rng.dirichlet(np.full(r * r, self.param), size=(b, h // p, w // p))
            out = convex_mix_batch(x, p, s, torch.from_numpy(weights))
        else:
            out = mix_batch(x, p, s)
            if self.mode == 'noisy-rs-on-mi' and self.param > 0:
                sigma = torch.full((x.shape[1], 1, 1), self.param, dtype=x.dtype, device=x.device)
                if std is not None:
                    sigma = sigma / std.to(x)
                noise = torch.randn(out.shape, generator=self.generator(x.device), device=x.device, dtype=x.dtype)
                out = out + noise * sigma
            if self.mode != 'mi':
                out = shuffle_batch(out, s, self.generator(x.device))
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
        param = '' if self.param is None else f', {MODE_PARAMS[self.mode][0]}={self.param:g}'
        return (f'{type(self).__name__}(mode={self.mode!r}{sizes}{param}, keyed={self.key is not None}, '
                f'seeded={self.seed is not None})')
