"""The privacy-utility frontier: accuracy and instance leakage after the strongest attack, per mode and setting.

For every cell of ``--modes`` x ``--settings`` (P for plain, RS and pixel bags; P/S for the mixes), train
the demo's tiny model with the shared recipe (configs/demo/), then attack its held-out images with the
strongest attacks (learned reassembly and inversion built for the mode, trained on the public training
images; and the label attack: the task model's prediction painted as a class prototype), scored by the
human proxy (class recognisability: what the trainer already holds with the labels) and on the instance:
linkage, re-identification of another view among 100 same-class held-out images (the reconstructions,
and a ciphertext matcher trained on public pairs) and the SSIM margin. The frontier is drawn on
re-identification. Writes results.json, frontier.md and frontier.png to --work-dir after every cell; a
rerun skips finished cells.

Examples::

    python tools/analysis_tools/privacy_utility.py --budget-minutes 118           # the published frontier
    python tools/analysis_tools/privacy_utility.py --modes rs mi --settings 8 8/4 --work-dir work_dirs/f2
    python tools/analysis_tools/privacy_utility.py --val-split 5000 ...            # explore on held-out training images
    python tools/analysis_tools/privacy_utility.py --quick --work-dir /tmp/f       # a smoke test
"""
import argparse
import os
import os.path as osp
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))  # this checkout
sys.path.insert(0, ROOT)  # the study lives in projects/fashion_mnist_privacy/
DEFAULT_CELLS = [
    'plain:8', 'rs:8', 'mi:8/4', 'rs-on-mi:8/4', 'rs-on-mi:8/2', 'convex-mi:8/4', 'noisy-rs-on-mi:8/4', 'bag:8'
]


def parse_args(argv=None) -> argparse.Namespace:
    from mmppml.crypto import MODE_TABLE
    from projects.fashion_mnist_privacy.experiments.fashion_mnist import FASHION_MNIST_DIR
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument(
        '--data',
        default=FASHION_MNIST_DIR,
        help='folder with the four IDX files of a 28x28 set (Fashion-MNIST layout), gzipped or not')
    parser.add_argument('--data-cache', default='data/fashion-mnist', help='where gzipped files are un-gzipped to')
    parser.add_argument('--work-dir', default='work_dirs/frontier')
    parser.add_argument(
        '--modes',
        nargs='+',
        choices=list(MODE_TABLE),
        default=None,
        help='modes of the grid (with --settings); default: the published cells')
    parser.add_argument('--settings', nargs='+', default=['8', '8/4'], help='P or P/S settings of the grid')
    parser.add_argument(
        '--cells',
        nargs='+',
        default=None,
        metavar='MODE:SETTING',
        help=f'explicit cells instead of a grid (default: {" ".join(DEFAULT_CELLS)})')
    parser.add_argument('--budget-minutes', type=float, default=90., help='no cell starts that would not fit')
    parser.add_argument('--attacker-epochs', type=float, default=None, help='epochs of each block attacker')
    parser.add_argument('--inverter-seconds', type=float, default=None, help='training time of each inverter')
    parser.add_argument('--test-images', type=int, default=None, help='held-out images attacked per cell')
    parser.add_argument(
        '--instance',
        action=argparse.BooleanOptionalAction,
        default=True,
        help='linkage, re-identification and the SSIM margin per cell')
    parser.add_argument('--matcher-epochs', type=float, default=None, help='epochs of each ciphertext matcher')
    parser.add_argument(
        '--val-split',
        type=int,
        default=None,
        metavar='N',
        help='hold out the last N training images: accuracy and attacks on them, never the test set')
    parser.add_argument('--threads', type=int, default=1, help='torch threads (training and attacks)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the models (not of any encryption)')
    parser.add_argument('--quick', action='store_true', help='a few images and iterations, for tests')
    args = parser.parse_args(argv)
    if args.budget_minutes <= 0:
        parser.error('--budget-minutes must be positive')
    if args.threads < 1:
        parser.error('--threads must be >= 1')
    return args


def chosen_cells(args):
    """The grid of --modes x --settings, or the --cells list (default: the published cells)."""
    from projects.fashion_mnist_privacy.experiments.frontier import grid_cells
    if args.modes is not None:
        return grid_cells(args.modes, args.settings)
    cells = []
    for text in args.cells or DEFAULT_CELLS:
        mode, _, setting = text.partition(':')
        cells += grid_cells([mode], [setting])
    return cells


def main(argv=None) -> int:
    args = parse_args(argv)
    for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ[var] = str(args.threads)  # before NumPy and torch load their thread pools
    from mmppml.privacy.attacks.cell_attacks import FrontierAttackConfig
    from projects.fashion_mnist_privacy.experiments.fashion_runs import prepare_data
    from projects.fashion_mnist_privacy.experiments.frontier import Frontier, FrontierOptions

    start = time.time()
    try:
        cells = chosen_cells(args)
    except ValueError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    log = lambda line: print(line, flush=True)  # noqa: E731
    try:
        data_root = prepare_data(args.data, args.data_cache, log)
    except FileNotFoundError as err:
        print(f'error: {err} (bash tools/get_fashion_mnist.sh installs it)', file=sys.stderr)
        return 2
    attack_cfg = FrontierAttackConfig.quick() if args.quick else FrontierAttackConfig()
    for name in ('attacker_epochs', 'inverter_seconds', 'test_images', 'matcher_epochs'):
        if getattr(args, name) is not None:
            setattr(attack_cfg, name, getattr(args, name))
    attack_cfg.instance = args.instance
    options = FrontierOptions(
        data_root=data_root,
        work_dir=osp.abspath(args.work_dir),
        budget_s=60 * args.budget_minutes,
        configs_dir=osp.join(ROOT, 'configs'),
        train_script=osp.join(ROOT, 'tools', 'train.py'),
        threads=args.threads,
        seed=args.seed,
        quick=args.quick,
        val_split=args.val_split,
        prior_cell_s=20. if args.quick else 420.)
    log(f'[frontier] {len(cells)} cell(s): {", ".join(c.label for c in cells)}; budget {args.budget_minutes:g} min')
    results = Frontier(cells, options, attack_cfg, log=log).run()
    done = [c for c in cells if c.key in results['cells']]
    log(f'[frontier] {len(done)}/{len(cells)} cell(s) finished in {(time.time() - start) / 60:.1f} min; '
        f'{osp.join(options.work_dir, "frontier.md")}, frontier.png, results.json')
    return 0 if len(done) == len(cells) else 3


if __name__ == '__main__':
    sys.exit(main())
