"""RS and MI: the NumPy functions and the registered transforms over ``np.copy`` and two baselines."""
from typing import List

import numpy as np

from mmppml.crypto import mix_subpatches, random_patch_shuffle, shuffle_mixed_blocks
from mmppml.crypto.patches import permute_blocks
from mmppml.datasets.transforms import MixSubPatches, RandomPatchShuffle, ShuffledMixSubPatches
from .baselines import mi_python_loop, mi_torch_tokens, rs_python_loop, rs_torch_tokens
from .rows import Row, timed_row
from .timing import time_interleaved

P, S = 16, 8
SIZES = dict(full=[(224, 224), (800, 1333)], quick=[(64, 64), (96, 133)])
RS_TARGET, MI_TARGET = ('<=', 1.5), ('<=', 2.)


def size_name(h: int, w: int) -> str:
    return f'{h}x{w}'


def run(cfg) -> List[Row]:
    rows = []
    for h, w in SIZES['quick' if cfg.quick else 'full']:
        rows += compare_one_size(cfg, h, w)
    return rows


def compare_one_size(cfg, h: int, w: int) -> List[Row]:
    """Rows for one image size: the crypto functions on the image padded to a multiple of P (the
    data owner aligns images first), the transforms on the image as it comes (``'pad'`` if needed)."""
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    aligned = np.ascontiguousarray(np.pad(img, [(0, -h % P), (0, -w % P), (0, 0)]))
    mode = 'error' if aligned.shape == img.shape else 'pad'
    rs_t = RandomPatchShuffle(P, size_mismatch=mode)
    mi_t = MixSubPatches(P, S, size_mismatch=mode)
    rsmi_t = ShuffledMixSubPatches(P, S, size_mismatch=mode)
    loop_rng = np.random.default_rng()
    fixed_perm = loop_rng.permutation((aligned.shape[0] // P) * (aligned.shape[1] // P))
    mi_sized = np.ascontiguousarray(aligned[::P // S, ::P // S])  # uint8, the size of MI's output
    candidates = {
        'copy': lambda: np.copy(aligned),
        # What no RS / MI implementation in NumPy avoids: the gather of P * C-byte patch rows,
        # and for MI the writing of a float32 output (as many bytes as the uint8 input).
        'gather': lambda: permute_blocks(aligned, P, fixed_perm),
        'float_output': lambda: mi_sized.astype(np.float32),
        'rs': lambda: random_patch_shuffle(aligned, P),
        'mi': lambda: mix_subpatches(aligned, P, S),
        'rsmi': lambda: shuffle_mixed_blocks(aligned, P, S),
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
        return timed_row('transforms', name, timings, subject, reference, target, **info)

    return [
        row(f'RS random_patch_shuffle {fn_size} / np.copy', 'rs', 'copy', RS_TARGET),
        row(f'RS RandomPatchShuffle {t_size} / np.copy', 'rs_transform', t_copy, RS_TARGET),
        row(f'MI mix_subpatches {fn_size} / np.copy', 'mi', 'copy', MI_TARGET),
        row(f'MI MixSubPatches {t_size} / np.copy', 'mi_transform', t_copy, MI_TARGET),
        row(f'RS-on-MI shuffle_mixed_blocks {fn_size} / np.copy', 'rsmi', 'copy'),
        row(f'RS-on-MI ShuffledMixSubPatches {t_size} / np.copy', 'rsmi_transform', t_copy),
        row(f'(floor) gather of the {P * 3}-byte patch rows, fixed perm {fn_size} / np.copy', 'gather', 'copy'),
        row(f'(floor) uint8 to float32 of an MI-sized image {fn_size} / np.copy', 'float_output', 'copy'),
        row(f'RS random_patch_shuffle {fn_size} / per-patch Python loop', 'rs', 'rs_loop'),
        row(f'RS random_patch_shuffle {fn_size} / torch randperm tokens', 'rs', 'rs_torch'),
        row(f'MI mix_subpatches {fn_size} / per-patch Python loop', 'mi', 'mi_loop'),
        row(f'MI mix_subpatches {fn_size} / torch float tokens', 'mi', 'mi_torch'),
    ]
