"""The encryption modes in one table: every path (pipeline transforms, data preprocessors, the offline
engine, linkage, the learned matcher, the frontier) asks a mode's record what to do, never its name."""
import importlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Optional, Tuple, Union

import numpy as np

from .convex_mix import check_concentration, random_convex_mix
from .keys import SeedLike
from .noisy_mix import check_sigma, noisy_shuffled_mix
from .patch_shuffle import random_patch_shuffle
from .patches import check_block_size
from .pixel_bags import random_pixel_bags
from .subpatch_mix import check_mix_sizes, mix_subpatches, shuffle_mixed_blocks


@dataclass(frozen=True)
class ModeParam:
    """A mode's own parameter (e.g. the noise of noisy RS-on-MI).

    Args:
        name (str): its keyword, e.g. ``'sigma'``.
        default (float): its value when none is given.
        check (callable): ``value -> value``, raising ValueError for a value the mode refuses.
    """
    name: str
    default: float
    check: Callable[[float], float]

    def value(self, given: Optional[float] = None) -> float:
        """``given`` as a checked float, or the default."""
        return self.check(self.default if given is None else float(given))


# What :attr:`Mode.attack` may name (None: nothing to attack).
ATTACKS = (None, 'reassembly', 'inversion', 'reassembly+inversion', 'bag-reassembly')


@dataclass(frozen=True)
class Mode:
    """One encryption mode: what it is called where, what it needs and what it keeps.

    Args:
        name (str): the name tools and the offline engine take (``--mode``), e.g. ``'rs-on-mi'``.
        label (str): how results and figures name it, e.g. ``'RS-on-MI'``.
        token (str): its part of a config name, e.g. ``'rsmi'`` in ``pevit-tiny-rsmi-p8s4_...``.
        transform (str, optional): the pipeline transform that applies it (``mmppml.<transform>``).
        needs_sub_patch (bool): whether it takes S (a proper divisor of P) besides P.
        keeps_layout (bool): whether a point of the image keeps its place (boxes keep their meaning).
        shuffles (bool): whether it moves blocks with a fresh permutation per image (so it needs
            at least :data:`~mmppml.crypto.MIN_SHUFFLED_BLOCKS` blocks wholly of image content).
        offline (bool): whether the offline tool writes it (the encrypting data preprocessors take every mode).
        numpy (callable, optional): the NumPy encryption, ``(img, patch_size, sub_patch_size, param, seed) ->
            np.ndarray``: img (H, W[, C]) with H and W multiples of P, the sizes checked, ``param`` the
            checked value of :attr:`param` (None without one), ``seed`` as :func:`mmppml.crypto.new_rng`
            takes it. None for a mode that encrypts nothing.
        batch (str | callable, optional): the torch batch function (see :mod:`mmppml.crypto.batch.modes`
            for its arguments), or ``'module:function'``, imported on first use (:attr:`batch_function`)
            so that this table needs no torch.
        param (ModeParam, optional): the mode's own parameter, if it has one.
        content (callable, optional): ``(img, patch_size, sub_patch_size) -> np.ndarray``, the part of
            the encryption without randomness, when the rest is a fresh shuffle of its blocks (if it
            :attr:`shuffles`) and noise: what the offline tool rounds to 8 bits before shuffling, and
            what a linkage attacker computes on a candidate. None when the random part is more than that.
        linkage (str, optional): what linkage compares, per block of the ciphertext: ``'blocks'`` (its
            pixels), ``'bags'`` (its sorted values) or ``'affine-hull'`` (the distance of each mixed block
            to the affine hull of the candidate's sub-patches, whatever the weights); in place when the mode
            keeps the layout, else as a set. The learned matcher reads the same rows. None: no linkage.
        patch_embed (str, optional): the registered type of the PEViT stem that reads it, PEViT's
            ``patch_cfg=dict(type=...)``: ``'mmppml.ConvPatchEmbed'``, ``'mmppml.MIPatchEmbed'`` or
            ``'mmppml.BagPatchEmbed'``.
        attack (str, optional): the strongest reconstruction the privacy frontier runs on it
            (:class:`~mmppml.privacy.attacks.cell_attacks.CellAttacks`): ``'reassembly'`` (a learned
            block-position attacker places its shuffled blocks), ``'inversion'`` (a learned inverter of its
            mixing), ``'reassembly+inversion'`` (both, in turn), ``'bag-reassembly'`` (the attacker places
            the sorted values of its bags); None when it encrypts nothing.
    """
    name: str
    label: str
    token: str
    transform: Optional[str]
    needs_sub_patch: bool
    keeps_layout: bool
    shuffles: bool
    offline: bool = False
    numpy: Optional[Callable[..., np.ndarray]] = None
    batch: Union[str, Callable, None] = None
    param: Optional[ModeParam] = None
    content: Optional[Callable[..., np.ndarray]] = None
    linkage: Optional[str] = None
    patch_embed: Optional[str] = None
    attack: Optional[str] = None

    def __post_init__(self):
        if self.offline and self.content is None:
            raise ValueError(f'mode {self.name!r}: the offline tool writes a content (and its shuffle); give content')
        if self.linkage not in (None, 'blocks', 'bags', 'affine-hull'):
            raise ValueError(f"linkage must be None, 'blocks', 'bags' or 'affine-hull', got {self.linkage!r}")
        if self.attack not in ATTACKS:
            raise ValueError(f'attack must be one of {ATTACKS}, got {self.attack!r}')

    @property
    def encrypts(self) -> bool:
        """Whether it changes the image at all (False for ``'plain'``)."""
        return self.numpy is not None

    def block_size(self, patch_size: int, sub_patch_size: Optional[int] = None) -> int:
        """The side of the blocks of its ciphertext (those it shuffles, a key scrambles, linkage and the
        matcher read): S for the modes that mix, P otherwise."""
        return sub_patch_size if self.needs_sub_patch else patch_size

    def shrink(self, patch_size: int, sub_patch_size: Optional[int] = None) -> int:
        """r: the ciphertext is r times smaller than the image, P / S for the modes that mix, else 1."""
        return patch_size // sub_patch_size if self.needs_sub_patch else 1

    def param_value(self, **given: Optional[float]) -> Optional[float]:
        """The checked value of its own parameter from ``given`` (keyword -> value or None), or its default;
        None without one. Raises ValueError for a value given to a parameter of another mode."""
        for name, value in given.items():
            if value is not None and (self.param is None or self.param.name != name):
                owners = [m.name for m in MODE_TABLE.values() if m.param is not None and m.param.name == name]
                raise ValueError(f'{name} applies to mode {owners[0] if owners else None!r}, not {self.name!r}')
        return None if self.param is None else self.param.value(given.get(self.param.name))

    def encrypt(self,
                img: np.ndarray,
                patch_size: int,
                sub_patch_size: Optional[int] = None,
                seed: SeedLike = None,
                **param: Optional[float]) -> np.ndarray:
        """Its NumPy encryption of ``img`` (H, W[, C]); ``param`` its own parameter by keyword (default if none)."""
        return self.numpy(img, patch_size, sub_patch_size, self.param_value(**param), seed)

    @property
    def batch_function(self) -> Callable:
        """Its torch batch function, imported now (torch needed); raises ValueError for a mode without one."""
        if self.batch is None:
            raise ValueError(f'mode {self.name!r} has no batch encryption')
        if callable(self.batch):
            return self.batch
        module, name = self.batch.split(':')
        return getattr(importlib.import_module(module), name)

    @property
    def refuses(self) -> str:
        """What it refuses, in words."""
        parts = ['S == P (nothing to mix)'] if self.needs_sub_patch else []
        if self.shuffles:
            parts += ['fewer than 4 blocks wholly of image content', 'boxes, masks and keypoints']
        elif self.transform is not None:
            parts += ['masks and keypoints (boxes are rescaled)']
        return '; '.join(parts) or 'nothing'

    def check_sizes(self, patch_size: int, sub_patch_size: Optional[int] = None) -> Tuple[int, Optional[int]]:
        """Return (P, S) as ints, or raise ValueError: the one check of a mode's sizes."""
        p = check_block_size('patch_size', patch_size)
        if not self.needs_sub_patch:
            if sub_patch_size is not None:
                raise ValueError(f'mode {self.name!r} takes no sub_patch_size (S applies to '
                                 f'{", ".join(repr(m.name) for m in MODE_TABLE.values() if m.needs_sub_patch)})')
            return p, None
        if sub_patch_size is None:
            raise ValueError(f'mode {self.name!r} needs sub_patch_size (S, a proper divisor of patch_size)')
        check_mix_sizes(p, sub_patch_size)
        return p, int(sub_patch_size)

    def setting_label(self, patch_size: int, sub_patch_size: Optional[int] = None) -> str:
        """The label of one setting: ``'RS-8'``, ``'RS-on-MI-8/4'``."""
        return f'{self.label}-{patch_size}' + ('' if sub_patch_size is None else f'/{sub_patch_size}')


def _rs(img, patch_size, sub_patch_size, param, seed):
    return random_patch_shuffle(img, patch_size, seed)


def _mi(img, patch_size, sub_patch_size, param, seed):
    return mix_subpatches(img, patch_size, sub_patch_size)


def _rs_on_mi(img, patch_size, sub_patch_size, param, seed):
    return shuffle_mixed_blocks(img, patch_size, sub_patch_size, seed)


def _convex_mi(img, patch_size, sub_patch_size, param, seed):
    return random_convex_mix(img, patch_size, sub_patch_size, param, seed)


def _noisy_rs_on_mi(img, patch_size, sub_patch_size, param, seed):
    return noisy_shuffled_mix(img, patch_size, sub_patch_size, param, seed)


def _bag(img, patch_size, sub_patch_size, param, seed):
    return random_pixel_bags(img, patch_size, seed)


def _same(img, patch_size, sub_patch_size):
    return img


def _mixed(img, patch_size, sub_patch_size):
    return mix_subpatches(img, patch_size, sub_patch_size)


BATCH = 'mmppml.crypto.batch.modes:'
MODE_TABLE = OrderedDict((m.name, m) for m in [
    Mode('plain', 'plain', 'plain', None, needs_sub_patch=False, keeps_layout=True, shuffles=False),
    Mode(
        'rs',
        'RS',
        'rs',
        'RandomPatchShuffle',
        needs_sub_patch=False,
        keeps_layout=False,
        shuffles=True,
        offline=True,
        numpy=_rs,
        batch=BATCH + 'rs_batch',
        content=_same,
        linkage='blocks',
        attack='reassembly',
        patch_embed='mmppml.ConvPatchEmbed'),
    Mode(
        'mi',
        'MI',
        'mi',
        'MixSubPatches',
        needs_sub_patch=True,
        keeps_layout=True,
        shuffles=False,
        offline=True,
        numpy=_mi,
        batch=BATCH + 'mi_batch',
        content=_mixed,
        linkage='blocks',
        attack='inversion',
        patch_embed='mmppml.MIPatchEmbed'),
    Mode(
        'rs-on-mi',
        'RS-on-MI',
        'rsmi',
        'ShuffledMixSubPatches',
        needs_sub_patch=True,
        keeps_layout=False,
        shuffles=True,
        offline=True,
        numpy=_rs_on_mi,
        batch=BATCH + 'rs_on_mi_batch',
        content=_mixed,
        linkage='blocks',
        attack='reassembly+inversion',
        patch_embed='mmppml.MIPatchEmbed'),
    Mode(
        'convex-mi',
        'convex MI',
        'cmi',
        'RandomConvexMix',
        needs_sub_patch=True,
        keeps_layout=True,
        shuffles=False,
        numpy=_convex_mi,
        batch=BATCH + 'convex_mi_batch',
        param=ModeParam('concentration', 1., check_concentration),
        linkage='affine-hull',
        attack='inversion',
        patch_embed='mmppml.MIPatchEmbed'),
    Mode(
        'noisy-rs-on-mi',
        'noisy RS-on-MI',
        'nrsmi',
        'NoisyShuffledMix',
        needs_sub_patch=True,
        keeps_layout=False,
        shuffles=True,
        numpy=_noisy_rs_on_mi,
        batch=BATCH + 'noisy_rs_on_mi_batch',
        param=ModeParam('sigma', 16., check_sigma),
        content=_mixed,
        linkage='blocks',
        attack='reassembly+inversion',
        patch_embed='mmppml.MIPatchEmbed'),
    Mode(
        'bag',
        'pixel bags',
        'bag',
        'RandomPixelBags',
        needs_sub_patch=False,
        keeps_layout=False,
        shuffles=True,
        numpy=_bag,
        batch=BATCH + 'bag_batch',
        linkage='bags',
        attack='bag-reassembly',
        patch_embed='mmppml.BagPatchEmbed'),
])
# The modes the offline tool writes.
MODES = tuple(name for name, mode in MODE_TABLE.items() if mode.offline)


def setting_label(mode: str, patch_size: int, sub_patch_size: Optional[int] = None) -> str:
    """How results name ``mode`` at one setting: ``setting_label('rs-on-mi', 8, 4) == 'RS-on-MI-8/4'``."""
    return MODE_TABLE[mode].setting_label(patch_size, sub_patch_size)


def offline_modes() -> Tuple[str, ...]:
    """The names of the modes the offline tool writes, as the table holds them now (:data:`MODES` at import)."""
    return tuple(name for name, mode in MODE_TABLE.items() if mode.offline)


# A name ``'keyed-<mode>'`` (linkage, the privacy studies) is ``<mode>`` under a keyed scramble.
KEYED_PREFIX = 'keyed-'


def split_keyed(name: str) -> Tuple[Optional[Mode], bool]:
    """The record behind ``name`` (None if there is none) and whether it is keyed: ``'keyed-rs'`` -> (RS, True)."""
    keyed = name.startswith(KEYED_PREFIX)
    return MODE_TABLE.get(name[len(KEYED_PREFIX):] if keyed else name), keyed


def get_mode(name: str, offline: bool = False) -> Mode:
    """The :class:`Mode` called ``name`` (one the offline tool writes with ``offline``), or raise ValueError."""
    names = offline_modes() if offline else tuple(MODE_TABLE)
    if name not in names:
        raise ValueError(f'mode must be one of {names}, got {name!r}')
    return MODE_TABLE[name]


def check_mode(mode: str) -> str:
    """Return ``mode`` or raise if it is not one of :data:`MODES`."""
    return get_mode(mode, offline=True).name


def encrypt(img: np.ndarray,
            mode: str,
            patch_size: int,
            sub_patch_size: Optional[int] = None,
            seed: SeedLike = None) -> np.ndarray:
    """Encrypt ``img`` with the NumPy function of an offline mode (``'rs'``: :func:`random_patch_shuffle`,
    ``'mi'``: :func:`mix_subpatches`, ``'rs-on-mi'``: :func:`shuffle_mixed_blocks`).

    Args:
        img (np.ndarray): (H, W) or (H, W, C), H and W multiples of ``patch_size``.
        mode (str): one of :data:`MODES`.
        patch_size (int): the patch size P.
        sub_patch_size (int, optional): S, required by the modes that mix (ignored by the others).
        seed (None | int | np.random.Generator): see :func:`mmppml.crypto.new_rng` (unused by MI).

    Returns:
        np.ndarray: as the chosen function returns (float32 means for MI of integer images).
    """
    record = get_mode(mode, offline=True)
    if record.needs_sub_patch:  # RS takes P only and ignores S
        record.check_sizes(patch_size, sub_patch_size)
    return record.encrypt(img, patch_size, sub_patch_size, seed)
