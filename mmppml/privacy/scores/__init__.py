"""Scores of what an attacker learns about the *instance*, beyond the class the trainer already holds.

- :mod:`.linkage`: the attacker holds the original among K same-class candidates (worst case);
- :mod:`.reid`: re-identification of another view of the instance among K same-class views, from a
  reconstruction (attacker (a)) or by a learned ciphertext matcher (attacker (b), :mod:`.matcher`);
- :mod:`.fidelity`: SSIM of each reconstruction to its original and the within-class margin;
- :mod:`.ranking`: galleries, top-1 / mean reciprocal rank with 95 % intervals, chance.

NumPy/SciPy at import; :mod:`.views` and :mod:`.matcher` need torch and are imported on use.
"""
from .fidelity import fidelity_summary, instance_fidelity, ssim_pairs, ssim_to_gallery
from .linkage import folded_bags, linkage, linkage_attacker, linkage_distances, set_distance
from .ranking import chance_mrr, random_galleries, ranking_scores, same_class_galleries, truth_scores, wilson_interval
from .reid import correlation_distances, embedding_distances, image_matcher_distances, ssim_distances

__all__ = [
    'fidelity_summary', 'instance_fidelity', 'ssim_pairs', 'ssim_to_gallery', 'folded_bags', 'linkage',
    'linkage_attacker', 'linkage_distances', 'set_distance', 'chance_mrr', 'random_galleries', 'ranking_scores',
    'same_class_galleries', 'truth_scores', 'wilson_interval', 'correlation_distances', 'embedding_distances',
    'image_matcher_distances', 'ssim_distances'
]
