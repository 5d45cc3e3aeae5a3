"""RS and MI: the NumPy functions and the registered transforms over ``np.copy`` and two baselines.

The functions draw from one generator made beforehand, as the transforms (one per process) do:
with ``seed=None`` each call would also draw fresh OS entropy (about 14 us, 3.5 copies of a 224 px
image). The transforms include what they add for packing: their output is split into channel
planes, the (C, H, W) layout ``PackInputs`` then wraps without its own transposing copy.
"""
from typing import List

import numpy as np

from mmppml.crypto import mix_subpatches, random_patch_shuffle, round_to_uint8, shuffle_mixed_blocks, subpatch_sums
from mmppml.crypto.patches import permute_blocks
from mmppml.datasets.transforms import MixSubPatches, RandomPatchShuffle, ShuffledMixSubPatches
from .baselines import mi_python_loop, mi_torch_tokens, rs_python_loop, rs_torch_tokens
from .rows import Row, ratio_row
from .timing import time_interleaved

P, S = 16, 8
SIZES = dict(full=[(224, 224), (800, 1333)], quick=[(64, 64), (96, 133)])
# Targets over np.copy at the small and the large size.
RS_TARGETS, MI_TARGETS = (('<=', 3.), ('<=', 1.5)), (('<=', 4.), ('<=', 2.))


def size_name(h: int, w: int) -> str:
    return f'{h}x{w}'


def run(cfg) -> List[Row]:
    rows = []
    for (h, w), rs_target, mi_target in zip(SIZES['quick' if cfg.quick else 'full'], RS_TARGETS, MI_TARGETS):
        rows += compare_one_size(cfg, h, w, rs_target, mi_target)
    return rows


def compare_one_size(cfg, h: int, w: int, rs_target, mi_target) -> List[Row]:
    """Rows for one image size: the crypto functions on the image padded to a multiple of P (the
    data owner aligns images first), the transforms on the image as it comes (``'pad'`` if needed)."""
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    aligned = np.ascontiguousarray(np.pad(img, [(0, -h % P), (0, -w % P), (0, 0)]))
    mode = 'error' if aligned.shape == img.shape else 'pad'
    rs_t = RandomPatchShuffle(P, size_mismatch=mode)
    mi_t = MixSubPatches(P, S, size_mismatch=mode)
    rsmi_t = ShuffledMixSubPatches(P, S, size_mismatch=mode)
    loop_rng, gen = np.random.default_rng(), np.random.default_rng()
    n_patches = (aligned.shape[0] // P) * (aligned.shape[1] // P)
    fixed_perm = loop_rng.permutation(n_patches)
    mi_sized = np.ascontiguousarray(aligned[::P // S, ::P // S])  # uint8, the size of MI's output
    sub_rows = aligned.reshape(aligned.shape[0] // P, P // S, -1)
    candidates = {
        'copy': lambda: np.copy(aligned),
        # What no RS / MI implementation in NumPy avoids: the gather of P * C-byte patch rows and
        # drawing the permutation; for MI the widening add of the sub-patch rows (its first pass)
        # and the writing of a float32 output (as many bytes as the uint8 input).
        'gather': lambda: permute_blocks(aligned, P, fixed_perm),
        'permutation': lambda: gen.permutation(n_patches),
        'widen': lambda: np.add(sub_rows[:, 0], sub_rows[:, 1], dtype=np.uint16),
        'float_output': lambda: mi_sized.astype(np.float32),
        'rs': lambda: random_patch_shuffle(aligned, P, gen),
        'mi': lambda: mix_subpatches(aligned, P, S),
        # The output dtypes MI could have: exact uint16 sums (r^2 x the mean), uint8 rounded means.
        'mi_sums': lambda: subpatch_sums(aligned, P, S),
        'mi_uint8': lambda: round_to_uint8(mix_subpatches(aligned, P, S)),
        'rsmi': lambda: shuffle_mixed_blocks(aligned, P, S, gen),
        'rs_transform': lambda: rs_t(dict(img=img)),
        'mi_transform': lambda: mi_t(dict(img=img)),
        'rsmi_transform': lambda: rsmi_t(dict(img=img)),
        'rs_loop': lambda: rs_python_loop(aligned, P, loop_rng),
        'mi_loop': lambda: mi_python_loop(aligned, P, S),
        'rs_torch': lambda: rs_torch_tokens(aligned, P),
        'mi_torch': lambda: mi_torch_tokens(aligned, P, S),
    }
    if mode == 'pad':
        candidates['copy_input'] = lambda: np.copy(img)
    timings = time_interleaved(candidates, cfg.repeats, min_round_s=cfg.min_round_s)

    fn_size = size_name(*aligned.shape[:2])
    t_size = size_name(h, w) + (" ('pad')" if mode == 'pad' else '')
    t_copy = 'copy_input' if mode == 'pad' else 'copy'
    info = dict(image=f'{h}x{w}x3 uint8', patch_size=P, sub_patch_size=S)

    def row(name, subject, reference, target=None):
        return ratio_row('transforms', name, timings, subject, reference, target, **info)

    return [
        row(f'RS random_patch_shuffle {fn_size} / np.copy', 'rs', 'copy', rs_target),
        row(f'RS RandomPatchShuffle {t_size} / np.copy', 'rs_transform', t_copy, rs_target),
        row(f'MI mix_subpatches {fn_size} / np.copy', 'mi', 'copy', mi_target),
        row(f'MI MixSubPatches {t_size} / np.copy', 'mi_transform', t_copy, mi_target),
        row(f'RS-on-MI shuffle_mixed_blocks {fn_size} / np.copy', 'rsmi', 'copy'),
        row(f'RS-on-MI ShuffledMixSubPatches {t_size} / np.copy', 'rsmi_transform', t_copy),
        row(f'MI as exact uint16 sums (subpatch_sums) {fn_size} / np.copy', 'mi_sums', 'copy'),
        row(f'MI rounded to uint8 {fn_size} / np.copy', 'mi_uint8', 'copy'),
        row(f'(floor) gather of the {P * 3}-byte patch rows, fixed perm {fn_size} / np.copy', 'gather', 'copy'),
        row(f'(floor) drawing a permutation of the {n_patches} patches {fn_size} / np.copy', 'permutation', 'copy'),
        row(f'(floor) widening add of the sub-patch rows (MI pass 1) {fn_size} / np.copy', 'widen', 'copy'),
        row(f'(floor) uint8 to float32 of an MI-sized image {fn_size} / np.copy', 'float_output', 'copy'),
        row(f'RS random_patch_shuffle {fn_size} / per-patch Python loop', 'rs', 'rs_loop'),
        row(f'RS random_patch_shuffle {fn_size} / torch randperm tokens', 'rs', 'rs_torch'),
        row(f'MI mix_subpatches {fn_size} / per-patch Python loop', 'mi', 'mi_loop'),
        row(f'MI mix_subpatches {fn_size} / torch float tokens', 'mi', 'mi_torch'),
    ]
