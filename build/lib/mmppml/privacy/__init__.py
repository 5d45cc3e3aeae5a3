"""Attacks on the encryptions and their scores: what an attacker recovers from each mode.

NumPy/SciPy only at import; the learned MI inverter (:mod:`mmppml.privacy.inversion`) needs torch and
the suite (:mod:`mmppml.privacy.suite`) needs scikit-image, both imported on use.
"""
from .compatibility import mgc_dissimilarities
from .jigsaw import GreedyJigsawSolver, solve_jigsaw
from .key_recovery import align_to_truth, blocks_of, key_recovery_scores, recover_scramble_key
from .metrics import (chance_neighbour_score, direct_comparison, jigsaw_scores, neighbour_comparison, placed_origins,
                      shifted_direct_comparison)
from .mi_baselines import image_scores, prior_unmix, thumbnail_reference, tile_mixed, upsample_mixed

__all__ = [
    'mgc_dissimilarities', 'GreedyJigsawSolver', 'solve_jigsaw', 'recover_scramble_key', 'key_recovery_scores',
    'align_to_truth', 'blocks_of', 'placed_origins', 'direct_comparison', 'shifted_direct_comparison',
    'neighbour_comparison', 'jigsaw_scores', 'chance_neighbour_score', 'image_scores', 'prior_unmix',
    'thumbnail_reference', 'tile_mixed', 'upsample_mixed'
]
