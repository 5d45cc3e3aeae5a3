"""Attack every encryption mode and write what an attacker recovers (markdown, JSON and a PNG).

Examples:
    python tools/attack.py                                  # default budget, report in work_dirs/attack
    python tools/attack.py --budget-minutes 20 --out work_dirs/attack_long
    python tools/attack.py --quick --out /tmp/attack_quick  # seconds; for tests

Offline: scikit-image's bundled photos and, when installed, Debian's dataset-fashion-mnist. One CPU thread
by default. The scored photos are never used to train or to estimate keys.
"""
import argparse
import os
import sys


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Privacy suite: attack RS, MI, RS-on-MI and the keyed modes',
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--out', default='work_dirs/attack', help='report directory')
    parser.add_argument('--budget-minutes', type=float, default=8.0,
                        help='wall-clock budget; the learned inverters train for what the other attacks leave')
    parser.add_argument('--quick', action='store_true', help='tiny settings that run in seconds (tests)')
    parser.add_argument('--no-fashion-mnist', action='store_true', help='skip the Fashion-MNIST inversion')
    parser.add_argument('--threads', type=int, default=1, help='CPU threads for NumPy and torch')
    parser.add_argument('--seed', type=int, default=0, help='seed of the attack experiments (not of any real key)')
    args = parser.parse_args(argv)
    if args.budget_minutes <= 0:
        parser.error('--budget-minutes must be positive')
    if args.threads < 1:
        parser.error('--threads must be >= 1')
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ[var] = str(args.threads)  # before NumPy and torch load their thread pools
    import torch

    from mmppml.privacy.report import write_report
    from mmppml.privacy.suite import PrivacySuite, SuiteConfig

    torch.set_num_threads(args.threads)
    config = SuiteConfig.quick() if args.quick else SuiteConfig()
    config.seed = args.seed
    if args.no_fashion_mnist:
        config.fashion_mnist = False
    suite = PrivacySuite(config, budget_s=60 * args.budget_minutes, log=lambda line: print(line, flush=True))
    suite.run()
    paths = write_report(suite, args.out, meta=dict(budget_minutes=args.budget_minutes, quick=args.quick,
                                                    threads=args.threads, seed=args.seed))
    print('report: ' + ', '.join(paths), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
