"""Linkage of the frontier's randomised modes on 1,000 Fashion-MNIST test targets, galleries of 100::

    python projects/fashion_mnist_privacy/scripts/linkage_frontier_modes.py \
        resources/attack_instance/linkage_frontier_modes.json
"""
import json
import os.path as osp
import sys

import numpy as np

from mmppml.crypto import new_rng, noisy_shuffled_mix, random_convex_mix, random_pixel_bags
from mmppml.privacy.scores import linkage, same_class_galleries

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))))  # this checkout
from projects.fashion_mnist_privacy.experiments.in_domain import load_padded  # noqa: E402

pool, labels = load_padded('test', None)
g = same_class_galleries(labels, np.arange(1000), 100, np.random.default_rng(7919))
rng = new_rng()
cells = {
    'noisy RS-on-MI-8/4 (sigma 32)': (lambda x: noisy_shuffled_mix(x, 8, 4, 32., rng), 'noisy-rs-on-mi', 8, 4),
    'convex MI-8/4 (concentration 1)': (lambda x: random_convex_mix(x, 8, 4, 1., rng), 'convex-mi', 8, 4),
    'pixel bags-8': (lambda x: random_pixel_bags(x, 8, rng), 'bag', 8, None),
}
out = {}
for name, (enc, mode, p, s) in cells.items():
    c = np.stack([enc(x) for x in pool[:1000]])
    out[name] = linkage(c, pool, g, mode, p, s)
    print(name, {k: round(v, 4) for k, v in out[name].items()}, flush=True)
json.dump(out, open(sys.argv[1], 'w'), indent=1)
