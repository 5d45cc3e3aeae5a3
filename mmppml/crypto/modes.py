"""The encryption modes in one table, and the encryptions by name as the tools and the offline engine choose them."""
from collections import OrderedDict
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from .keys import SeedLike
from .patch_shuffle import random_patch_shuffle
from .patches import check_block_size
from .subpatch_mix import check_mix_sizes, mix_subpatches, shuffle_mixed_blocks


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
    """
    name: str
    label: str
    token: str
    transform: Optional[str]
    needs_sub_patch: bool
    keeps_layout: bool
    shuffles: bool
    offline: bool = False

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


MODE_TABLE = OrderedDict((m.name, m) for m in [
    Mode('plain', 'plain', 'plain', None, needs_sub_patch=False, keeps_layout=True, shuffles=False),
    Mode(
        'rs', 'RS', 'rs', 'RandomPatchShuffle', needs_sub_patch=False, keeps_layout=False, shuffles=True, offline=True),
    Mode('mi', 'MI', 'mi', 'MixSubPatches', needs_sub_patch=True, keeps_layout=True, shuffles=False, offline=True),
    Mode(
        'rs-on-mi',
        'RS-on-MI',
        'rsmi',
        'ShuffledMixSubPatches',
        needs_sub_patch=True,
        keeps_layout=False,
        shuffles=True,
        offline=True),
    Mode('convex-mi', 'convex MI', 'cmi', 'RandomConvexMix', needs_sub_patch=True, keeps_layout=True, shuffles=False),
    Mode(
        'noisy-rs-on-mi',
        'noisy RS-on-MI',
        'nrsmi',
        'NoisyShuffledMix',
        needs_sub_patch=True,
        keeps_layout=False,
        shuffles=True),
    Mode('bag', 'pixel bags', 'bag', 'RandomPixelBags', needs_sub_patch=False, keeps_layout=False, shuffles=True),
])
# The modes the offline tool writes.
MODES = tuple(name for name, mode in MODE_TABLE.items() if mode.offline)


def setting_label(mode: str, patch_size: int, sub_patch_size: Optional[int] = None) -> str:
    """How results name ``mode`` at one setting: ``setting_label('rs-on-mi', 8, 4) == 'RS-on-MI-8/4'``."""
    return MODE_TABLE[mode].setting_label(patch_size, sub_patch_size)


def get_mode(name: str, offline: bool = False) -> Mode:
    """The :class:`Mode` called ``name`` (one of :data:`MODES` with ``offline``), or raise ValueError."""
    names = MODES if offline else tuple(MODE_TABLE)
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
    """Encrypt ``img`` with ``mode``: ``'rs'`` (:func:`random_patch_shuffle`), ``'mi'``
    (:func:`mix_subpatches`) or ``'rs-on-mi'`` (:func:`shuffle_mixed_blocks`).

    Args:
        img (np.ndarray): (H, W) or (H, W, C), H and W multiples of ``patch_size``.
        mode (str): one of :data:`MODES`.
        patch_size (int): the patch size P.
        sub_patch_size (int, optional): S, required for ``'mi'`` and ``'rs-on-mi'``.
        seed (None | int | np.random.Generator): see :func:`mmppml.crypto.new_rng` (unused by MI).

    Returns:
        np.ndarray: as the chosen function returns (float32 means for MI of integer images).
    """
    if get_mode(mode, offline=True).needs_sub_patch:  # RS takes P only and ignores S
        MODE_TABLE[mode].check_sizes(patch_size, sub_patch_size)
    if mode == 'rs':
        return random_patch_shuffle(img, patch_size, seed)
    if mode == 'mi':
        return mix_subpatches(img, patch_size, sub_patch_size)
    return shuffle_mixed_blocks(img, patch_size, sub_patch_size, seed)
