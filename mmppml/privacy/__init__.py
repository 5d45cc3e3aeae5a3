"""Attacks on the encryptions and their scores: what an attacker recovers from each mode.

- :mod:`.attacks`: what an attacker runs (jigsaw solvers, key recovery, learned block attackers and MI
  inverters, hand-made MI baselines, and :mod:`.attacks.cell_attacks`, the strongest of them on one mode and
  setting);
- :mod:`.scores`: what it recovers (block placement, the human proxy's class recognisability, and the
  instance: linkage, re-identification, SSIM margin);
- :mod:`.audit`: the same attacks and scores on any image set at a training config's setting;
- :mod:`.blocks`, :mod:`.images` and :mod:`.report_format`: the block views, the scored and public images
  and the report cells they share.

The Fashion-MNIST studies that run them (the attack suite, the privacy-utility frontier) are
``projects/fashion_mnist_privacy/``.

NumPy/SciPy only at import; the learned attackers need torch and the suite scikit-image, imported on use.
"""
from .attacks.compatibility import mgc_dissimilarities
from .attacks.jigsaw import GreedyJigsawSolver, solve_jigsaw
from .attacks.key_recovery import align_to_truth, blocks_of, key_recovery_scores, recover_scramble_key
from .attacks.mi_baselines import image_scores, prior_unmix, thumbnail_reference, tile_mixed, upsample_mixed
from .scores.placement import (chance_neighbour_score, direct_comparison, jigsaw_scores, neighbour_comparison,
                               placed_origins, shifted_direct_comparison)

__all__ = [
    'mgc_dissimilarities', 'GreedyJigsawSolver', 'solve_jigsaw', 'recover_scramble_key', 'key_recovery_scores',
    'align_to_truth', 'blocks_of', 'placed_origins', 'direct_comparison', 'shifted_direct_comparison',
    'neighbour_comparison', 'jigsaw_scores', 'chance_neighbour_score', 'image_scores', 'prior_unmix',
    'thumbnail_reference', 'tile_mixed', 'upsample_mixed'
]
