"""Attack every encryption mode and write what an attacker recovers (markdown, JSON and a PNG).

Examples:
    python tools/analysis_tools/attack.py                                  # default budget, report in work_dirs/attack
    python tools/analysis_tools/attack.py --budget-minutes 45 --out work_dirs/attack_long
    python tools/analysis_tools/attack.py --no-learned --budget-minutes 8  # the hand-made attacks only
    python tools/analysis_tools/attack.py --quick --out /tmp/attack_quick  # seconds; for tests

Offline: scikit-image's bundled photos and, when installed, Debian's dataset-fashion-mnist. One CPU thread
by default. The scored photos and the attacked Fashion-MNIST test images are never used to train or to
estimate keys; the learned attackers train on the 60,000 public Fashion-MNIST training images.
"""
import argparse
import os
import sys


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Privacy suite: attack RS, MI, RS-on-MI and the keyed modes',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--out', default='work_dirs/attack', help='report directory')
    parser.add_argument(
        '--budget-minutes',
        type=float,
        default=30.0,
        help='wall-clock budget; with --learned, the hand-made attacks on photos take at most '
        '8 minutes (30%%) and the learned in-domain attacks the rest')
    parser.add_argument(
        '--learned',
        action=argparse.BooleanOptionalAction,
        default=True,
        help='run the learned attacks: block-position attackers and MI inverters trained on the 60,000 '
        'Fashion-MNIST training images (scored by the human proxy), and block attackers on '
        '224 px photos trained on the unscored bundled photos')
    parser.add_argument('--quick', action='store_true', help='tiny settings that run in seconds (tests)')
    parser.add_argument('--no-fashion-mnist', action='store_true', help='skip every attack on Fashion-MNIST')
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

    from mmppml.privacy.in_domain import InDomainAttacks, InDomainConfig
    from mmppml.privacy.photo_attacks import PhotoAttackConfig, PhotoAttacks
    from mmppml.privacy.report import stage_section, write_report
    from mmppml.privacy.suite import Clock, SuiteConfig, run_suite

    torch.set_num_threads(args.threads)
    log = lambda line: print(line, flush=True)  # noqa: E731
    budget = 60 * args.budget_minutes
    classic_budget = min(8 * 60, 0.3 * budget) if args.learned else budget
    config = SuiteConfig.quick() if args.quick else SuiteConfig()
    config.seed = args.seed
    if args.no_fashion_mnist or args.learned:  # the in-domain stage supersedes the small Fashion-MNIST inverter
        config.fashion_mnist = False
    clock = Clock(budget)
    suite = run_suite(config, budget_s=classic_budget, log=log)
    in_domain = photos = None
    if args.learned:
        # Fashion-MNIST first (the headline, scored by the human proxy), then the 224 px photos.
        in_config = InDomainConfig.quick() if args.quick else InDomainConfig()
        in_config.seed = args.seed
        try:
            if not args.no_fashion_mnist:
                in_domain = InDomainAttacks(in_config, 0.75 * clock.left(), log=log).run()
        except FileNotFoundError as err:
            suite.tables['skipped'].append(dict(what='learned in-domain attacks on Fashion-MNIST', why=str(err)))
            log(f'skipped the learned in-domain attacks on Fashion-MNIST: {err}')
        photo_config = PhotoAttackConfig.quick() if args.quick else PhotoAttackConfig()
        photo_config.seed = args.seed
        photos = PhotoAttacks(photo_config, budget_s=clock.left(), inverters=suite.inverters, log=log).run()
    tables = dict(
        suite=suite.tables, in_domain=in_domain and stage_section(in_domain), photos=photos and stage_section(photos))
    figures = dict(figure=suite.figure, figure_in_domain=in_domain.figure if in_domain else {})
    meta = dict(
        budget_minutes=args.budget_minutes,
        quick=args.quick,
        threads=args.threads,
        seed=args.seed,
        learned=args.learned,
        wall_seconds=clock.elapsed())
    paths = write_report(args.out, tables, figures, meta)
    print('report: ' + ', '.join(paths), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
