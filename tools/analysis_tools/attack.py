"""Attack every encryption mode and write what an attacker recovers (markdown, JSON and a PNG).

Examples:
    python tools/analysis_tools/attack.py                                  # default budget, report in work_dirs/attack
    python tools/analysis_tools/attack.py --budget-minutes 45 --out work_dirs/attack_long
    python tools/analysis_tools/attack.py --no-learned --budget-minutes 8  # the hand-made attacks only
    python tools/analysis_tools/attack.py --quick --out /tmp/attack_quick  # seconds; for tests
    python tools/analysis_tools/attack.py --stages in-domain --mixes 8/4   # Fashion-MNIST only, RS and 8/4 modes

Offline: scikit-image's bundled photos and, when installed, Debian's dataset-fashion-mnist. One CPU thread
by default. The scored photos and the attacked Fashion-MNIST test images are never used to train or to
estimate keys; the learned attackers train on the 60,000 public Fashion-MNIST training images.

The in-domain stage scores the class (the human proxy's top-1), which the trainer holds anyway with the
labels. What the encryption must hide is the instance: ``tools/analysis_tools/privacy_audit.py CONFIG`` scores
linkage, re-identification and the SSIM margin for the config that trains with a mode.
"""
import argparse
import os
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))  # this checkout
sys.path.insert(0, ROOT)  # the suite lives in projects/fashion_mnist_privacy/
STAGES = ('classic', 'in-domain', 'photos')  # attack_suite.STAGES of the project, without its imports


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
        '8 minutes (30%%), the learned in-domain attacks 75%% of the rest and the photo attacker what remains')
    parser.add_argument(
        '--learned',
        action=argparse.BooleanOptionalAction,
        default=True,
        help='run the learned attacks: block-position attackers and MI inverters trained on the 60,000 '
        'Fashion-MNIST training images (scored by the human proxy), and block attackers on '
        '224 px photos trained on the unscored bundled photos')
    parser.add_argument('--quick', action='store_true', help='tiny settings that run in seconds (tests)')
    parser.add_argument('--no-fashion-mnist', action='store_true', help='skip every attack on Fashion-MNIST')
    parser.add_argument(
        '--stages',
        nargs='+',
        choices=STAGES,
        default=list(STAGES),
        help='stages to run: the hand-made attacks on photos (classic), the learned attacks on Fashion-MNIST '
        '(in-domain) and the learned block attacker on photos (photos)')
    parser.add_argument('--mixes', nargs='+', default=None, metavar='P/S', help='in-domain (P, S) of MI and RS-on-MI')
    parser.add_argument('--test-images', type=int, default=None, help='in-domain: attacked test images')
    parser.add_argument('--attacker-epochs', type=float, default=None, help='in-domain: epochs of each block attacker')
    parser.add_argument('--proxy-epochs', type=float, default=None, help='in-domain: epochs of the human proxy')
    parser.add_argument('--threads', type=int, default=1, help='CPU threads for NumPy and torch')
    parser.add_argument('--seed', type=int, default=0, help='seed of the attack experiments (not of any real key)')
    args = parser.parse_args(argv)
    if args.budget_minutes <= 0:
        parser.error('--budget-minutes must be positive')
    if args.threads < 1:
        parser.error('--threads must be >= 1')
    try:
        args.mixes = None if args.mixes is None else [tuple(int(v) for v in m.split('/')) for m in args.mixes]
    except ValueError:
        parser.error('--mixes takes P/S pairs such as 8/4')
    if args.mixes is not None and any(len(m) != 2 for m in args.mixes):
        parser.error('--mixes takes P/S pairs such as 8/4')
    return args


def options_of(args):
    """The suite's options from the command line."""
    from projects.fashion_mnist_privacy.experiments.attack_suite import AttackSuiteOptions
    names = ('budget_minutes', 'stages', 'learned', 'mixes', 'test_images', 'attacker_epochs', 'proxy_epochs', 'quick',
             'threads', 'seed')
    return AttackSuiteOptions(fashion_mnist=not args.no_fashion_mnist, **{name: getattr(args, name) for name in names})


def main(argv=None) -> int:
    args = parse_args(argv)
    for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ[var] = str(args.threads)  # before NumPy and torch load their thread pools
    import torch

    from projects.fashion_mnist_privacy.experiments.attack_suite import run_attack_suite
    torch.set_num_threads(args.threads)
    options = options_of(args)
    if options.needs_fashion_mnist():
        from projects.fashion_mnist_privacy.experiments.fashion_mnist import load_fashion_mnist
        try:
            load_fashion_mnist('test', limit=1)
        except FileNotFoundError as err:
            print(
                f'error: {err} (bash tools/get_fashion_mnist.sh installs it), or pass --no-fashion-mnist',
                file=sys.stderr)
            return 2
    paths = run_attack_suite(options, args.out, log=lambda line: print(line, flush=True))
    print('report: ' + ', '.join(paths), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
