"""Where the padding puts the image: the audit of a demo setting with Fashion-MNIST padded as the published
suite padded it (2 px on every side) instead of as the demo configs' data preprocessor pads it (4 px at the
bottom and right), everything else as ``audit_demo_configs.py`` runs it::

    python projects/fashion_mnist_privacy/scripts/audit_padding_check.py mi 8 4 --out work_dirs/audit_centred_mi

``--inverter-steps`` caps the MI inverter at the steps the published suite's inverter took (its budget cut it:
1,463 steps at S = 4, 2,580 at S = 2), so that both train the same models, and ``--suite-targets`` attacks the
suite's targets (the first 1,000 test images, with the pool of all 10,000 in its order) instead of 1,000 drawn
at random::

    python projects/fashion_mnist_privacy/scripts/audit_padding_check.py rs-on-mi 8 2 --inverter-steps 2580 \
        --suite-targets --budget-min 30 --out work_dirs/audit_suite_targets/rsmi-p8s2
"""
import argparse
import os.path as osp
import sys

import numpy as np

from mmppml.privacy.audit import AuditOptions, AuditSetting, ImageSet, PrivacyAudit, write_audit

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))))  # this checkout
from projects.fashion_mnist_privacy.experiments.fashion_mnist import FASHION_MNIST_DIR  # noqa: E402
from projects.fashion_mnist_privacy.experiments.in_domain import load_padded  # noqa: E402
from projects.fashion_mnist_privacy.scripts.audit_demo_configs import SUITE_SIZES  # noqa: E402


def centred(root: str, split: str) -> ImageSet:
    """A Fashion-MNIST split as the suite loads it (padded to 32 px with 2 px on every side), labelled."""
    images, labels = load_padded(split, None, root)
    return ImageSet([f'{split}[{i}]' for i in range(len(images))], labels.astype(np.int64), f'{split}, centred', images)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('mode')
    parser.add_argument('patch_size', type=int)
    parser.add_argument('sub_patch_size', type=int, nargs='?')
    parser.add_argument('--data', default=FASHION_MNIST_DIR, help='the gzipped IDX files')
    parser.add_argument('--out', required=True)
    parser.add_argument('--budget-min', type=float, default=20.)
    parser.add_argument(
        '--inverter-steps', type=int, default=AuditOptions.inverter_steps, help="the MI inverter's steps at most")
    parser.add_argument(
        '--suite-targets', action='store_true', help="attack the suite's targets: the first 1,000 test images")
    args = parser.parse_args()
    setting = AuditSetting(args.mode, args.patch_size, args.sub_patch_size, size=32, where='centred padding')
    options = AuditOptions(
        budget_min=args.budget_min,
        inverter_steps=args.inverter_steps,
        ordered_private=args.suite_targets,
        **SUITE_SIZES)
    audit = PrivacyAudit(setting, centred(args.data, 'test'), centred(args.data, 'train'), options)
    print('wrote ' + ', '.join(write_audit(args.out, audit.run(), 'Fashion-MNIST padded 2 px on every side')))


if __name__ == '__main__':
    main()
