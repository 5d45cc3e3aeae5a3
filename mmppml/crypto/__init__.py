"""The encryptions in plain NumPy, usable without torch or OpenMMLab (e.g. by a data owner)."""
from .alignment import (SIZE_MISMATCH_MODES, align_image, aligned_size, center_square, check_size_mismatch,
                        drop_unmixed, unmixed_pixels)
from .convex_mix import check_concentration, convex_mix_subpatches, random_convex_mix
from .keyed_scramble import (ScrambleKey, absorb_scramble, apply_scramble, invert_scramble, load_key, new_scramble_key,
                             save_key)
from .keys import new_rng
from .modes import (MODE_TABLE, MODES, Mode, ModeParam, check_mode, encrypt, get_mode, offline_modes, setting_label,
                    split_keyed)
from .noisy_mix import add_gaussian_noise, check_sigma, noisy_shuffled_mix
from .patch_shuffle import random_patch_shuffle, shuffle_patches, unshuffle_patches
from .patches import MIN_SHUFFLED_BLOCKS, SHUFFLE_DRAWS, check_shuffle_grid, from_blocks, keeps_image, to_blocks
from .pixel_bags import permute_block_pixels, random_pixel_bags, sorted_block_values
from .rounding import round_to_uint8
from .subpatch_mix import check_mix_sizes, mix_subpatches, shuffle_mixed_blocks, subpatch_sums, sums_to_means

__all__ = [
    'new_rng', 'MIN_SHUFFLED_BLOCKS', 'SHUFFLE_DRAWS', 'keeps_image', 'check_shuffle_grid', 'to_blocks', 'from_blocks',
    'shuffle_patches', 'unshuffle_patches', 'random_patch_shuffle', 'check_mix_sizes', 'mix_subpatches',
    'subpatch_sums', 'sums_to_means', 'shuffle_mixed_blocks', 'ScrambleKey', 'new_scramble_key', 'apply_scramble',
    'invert_scramble', 'absorb_scramble', 'save_key', 'load_key', 'round_to_uint8', 'SIZE_MISMATCH_MODES',
    'check_size_mismatch', 'aligned_size', 'align_image', 'drop_unmixed', 'unmixed_pixels', 'center_square', 'MODES',
    'MODE_TABLE', 'Mode', 'get_mode', 'check_mode', 'encrypt', 'setting_label', 'permute_block_pixels',
    'random_pixel_bags', 'sorted_block_values', 'convex_mix_subpatches', 'random_convex_mix', 'add_gaussian_noise',
    'noisy_shuffled_mix', 'ModeParam', 'offline_modes', 'check_concentration', 'check_sigma', 'split_keyed'
]
