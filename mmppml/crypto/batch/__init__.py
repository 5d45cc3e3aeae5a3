"""The encryptions of :mod:`mmppml.crypto` on a (B, C, H, W) torch batch, on the batch's device.

Imported only where torch is at hand (the data preprocessors, through :attr:`mmppml.crypto.Mode.batch_function`):
``import mmppml.crypto`` never imports this package, so a data owner's install needs no torch.
"""
from .convex_mix import convex_mix_batch
from .keyed_scramble import scramble_batch
from .modes import bag_batch, convex_mi_batch, mi_batch, noisy_rs_on_mi_batch, rs_batch, rs_on_mi_batch
from .patch_shuffle import shuffle_batch
from .pixel_bags import pixel_bags_batch
from .subpatch_mix import mix_batch

__all__ = [
    'shuffle_batch', 'mix_batch', 'convex_mix_batch', 'pixel_bags_batch', 'scramble_batch', 'rs_batch', 'mi_batch',
    'rs_on_mi_batch', 'convex_mi_batch', 'noisy_rs_on_mi_batch', 'bag_batch'
]
