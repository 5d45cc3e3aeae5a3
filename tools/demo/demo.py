"""Fashion-MNIST demo: the same tiny ViT trained on plain, RS, MI and RS-on-MI images.

Every model gets the same architecture, recipe and budget (configs/demo/). The demo un-gzips the IDX
files once (never touching the source), trains each model once per seed as a subprocess of
tools/train.py (the images held in memory, padded and encrypted batch by batch on the training device;
``--pipeline`` encrypts each image in a data loader worker with the transforms instead), then prints
top-1 accuracy on the 10,000 test images as mean +- std over the seeds, the gap to the plain model (per
seed, then mean +- std) and the wall time, and writes ``results.json`` (every run) and ``samples.png``
(what each model sees) to the work dir.

Examples::

    bash tools/demo/demo.sh                                   # default data, budget and models, 3 seeds
    python tools/demo/demo.py --seeds 1 --configs plain rs --epochs 5
    python tools/demo/demo.py --train-subset 4000 --epochs 10 # the small-data regime
    python tools/demo/demo.py --val-split 5000 --seeds 1 --cfg-options optim_wrapper.optimizer.lr=2e-3
                                                         # tune on held-out training images
    python tools/demo/demo.py --quick                         # a few iterations, for a smoke test
    python tools/demo/demo.py --pipeline --seeds 1            # the encryption as pipeline transforms
"""
import argparse
import json
import os
import os.path as osp
import statistics
import sys
import time
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

from mmppml.idx import read_idx

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))  # this checkout
sys.path.insert(0, ROOT)  # the demo's runs: projects/fashion_mnist_privacy/
from projects.fashion_mnist_privacy.experiments import fashion_mnist, fashion_runs  # noqa: E402

MODELS = OrderedDict([  # name -> (row label, config)
    ('plain', ('plain ViT', 'configs/demo/vit-tiny-plain-p8_1xb128-3e_fashion-mnist.py')),
    ('rs', ('RS-PEViT', 'configs/demo/pevit-tiny-rs-p8_1xb128-3e_fashion-mnist.py')),
    ('mi', ('MI-PEViT', 'configs/demo/pevit-tiny-mi-p8s4_1xb128-3e_fashion-mnist.py')),
    ('rs-on-mi', ('RS-on-MI-PEViT', 'configs/demo/pevit-tiny-rsmi-p8s4_1xb128-3e_fashion-mnist.py')),
])


def parse_args() -> argparse.Namespace:
    from mmengine.config import DictAction

    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument(
        '--data',
        default=fashion_mnist.FASHION_MNIST_DIR,
        help='folder with the four Fashion-MNIST IDX files, gzipped or not '
        f'(default: {fashion_mnist.FASHION_MNIST_DIR})')
    parser.add_argument(
        '--data-cache',
        default=osp.join(ROOT, 'data', 'fashion-mnist'),
        help='where gzipped files are un-gzipped to (default: data/fashion-mnist)')
    parser.add_argument('--work-dir', default=osp.join('work_dirs', 'demo'))
    parser.add_argument(
        '--configs', nargs='+', choices=list(MODELS), default=list(MODELS), help='models to train (default: all)')
    parser.add_argument(
        '--epochs',
        type=int,
        default=None,
        help='epochs for every model, the schedule stretched to them (default: the configs\' '
        'budget, 3)')
    parser.add_argument(
        '--seeds', type=int, default=3, help='runs per model, seeds 0..N-1 (default: 3; 1 for a quick look)')
    parser.add_argument(
        '--train-subset',
        type=int,
        default=None,
        metavar='N',
        help='train on the first N training images only (small-data regime)')
    parser.add_argument(
        '--val-split',
        type=int,
        default=None,
        metavar='N',
        help='hold out the last N training images and evaluate on them instead of '
        'the test set: tune the recipe with this, never on the test set')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        default={},
        help='override entries of every model\'s config, e.g. '
        'optim_wrapper.optimizer.lr=2e-3')
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='torch threads per run (default: the CPUs this process may use, less one per data loader '
        'worker: all of them on the device path, one less with --pipeline)')
    parser.add_argument(
        '--pipeline',
        action='store_true',
        help='encrypt each image in a data loader worker with the pipeline transforms (mmpretrain\'s '
        'FashionMNIST, Pad, the encryption, PackInputs) instead of batch by batch on the device')
    parser.add_argument(
        '--quick',
        action='store_true',
        help=f'smoke test: 1 epoch on {fashion_runs.QUICK_SAMPLES["train"]} training and '
        f'{fashion_runs.QUICK_SAMPLES["test"]} test images')
    args = parser.parse_args()
    for name in ('epochs', 'seeds', 'train_subset', 'val_split'):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f'--{name.replace("_", "-")} must be at least 1, got {value}')
    return args


def log(msg: str) -> None:
    print(f'[demo] {msg}', flush=True)


def demo_config(name: str, data_root: str, work_dir: str, seed: int, args: argparse.Namespace,
                indices: Dict[str, Optional[object]], num_train: int):
    """Load a demo config and set its data, budget, overrides, seed and work dir."""
    from mmengine.config import Config

    cfg = Config.fromfile(osp.join(ROOT, MODELS[name][1]))
    if args.pipeline:
        cfg = fashion_runs.pipeline_variant(cfg)
    return fashion_runs.configure_run(
        cfg,
        data_root,
        work_dir,
        seed,
        indices,
        num_train,
        epochs=args.epochs,
        quick=args.quick,
        val_split=args.val_split is not None,
        cfg_options=args.cfg_options)


def sample_grid(names: List[str], data_root: str, out_file: str, num_images: int = 6) -> None:
    """Save the first test images as each model receives them (its data preprocessor in test mode, back on
    the pixel scale), one row a model."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import MODELS as ENGINE_MODELS
    from mmengine.registry import init_default_scope

    import mmppml  # noqa: F401
    from mmppml.visualization import make_image_grid, save_png

    images = torch.from_numpy(read_idx(osp.join(data_root, 't10k-images-idx3-ubyte'), 0x803, num_images))[:, None]
    rows, labels = [], []
    for name in names:
        cfg = Config.fromfile(osp.join(ROOT, MODELS[name][1]))
        init_default_scope(cfg.default_scope)
        preprocessor = ENGINE_MODELS.build(cfg.data_preprocessor)
        with torch.no_grad():
            seen = preprocessor(dict(inputs=images), False)['inputs'] * preprocessor.std + preprocessor.mean
        rows.append([img[0].numpy() for img in seen])
        labels.append(f'{MODELS[name][0]} ({rows[-1][0].shape[0]} px)')
    save_png(out_file, make_image_grid(rows, row_labels=labels, cell_size=96))


def mean_std(values: Sequence[float]) -> Optional[Dict[str, float]]:
    """Mean and sample standard deviation (0 for one value) of ``values``; None if empty."""
    if not values:
        return None
    std = statistics.stdev(values) if len(values) > 1 else 0.
    return dict(mean=round(statistics.fmean(values), 2), std=round(std, 2), n=len(values))


def summarize(runs: Dict[str, List[Dict]]) -> Dict[str, Dict]:
    """Per model: top-1 mean +- std over its runs and, against plain, the per-seed gap's mean +- std."""
    top1 = {
        name: {
            r['seed']: r['top1']
            for r in model_runs if r['top1'] is not None
        }
        for name, model_runs in runs.items()
    }
    plain = top1.get('plain', {})
    summary = {}
    for name, model_runs in runs.items():
        gaps = [top1[name][s] - plain[s] for s in top1[name] if s in plain] if name != 'plain' else []
        summary[name] = dict(
            label=MODELS[name][0],
            config=MODELS[name][1],
            runs=model_runs,
            top1=mean_std(list(top1[name].values())),
            gap_to_plain=mean_std(gaps),
            wall_s=round(sum(r['wall_s'] for r in model_runs), 1))
    return summary


def format_table(summary: Dict[str, Dict]) -> str:

    def pm(stat: Optional[Dict[str, float]], signed: bool = False) -> str:
        if stat is None:
            return '-'
        return f'{stat["mean"]:{"+" if signed else ""}.2f} +- {stat["std"]:.2f}'

    lines = [f'{"model":<16}{"top-1 (%)":>16}{"gap to plain":>16}{"runs":>6}{"wall time":>11}  config', '-' * 100]
    for res in summary.values():
        failed = sum(r['top1'] is None for r in res['runs'])
        runs = f'{len(res["runs"]) - failed}' + (f' ({failed} failed)' if failed else '')
        minutes, seconds = divmod(int(round(res['wall_s'])), 60)
        lines.append(f'{res["label"]:<16}{pm(res["top1"]):>16}{pm(res["gap_to_plain"], True):>16}{runs:>6}'
                     f'{f"{minutes}m{seconds:02d}s":>11}  {res["config"]}')
    return '\n'.join(lines)


def main() -> int:
    args = parse_args()
    work_dir = osp.abspath(args.work_dir)
    os.makedirs(work_dir, exist_ok=True)
    data_root = fashion_runs.prepare_data(args.data, args.data_cache, log)
    num_train = fashion_runs.check_data(data_root)['train']
    indices = fashion_runs.split_indices(num_train, args.train_subset, args.val_split, args.quick)

    grid_file = osp.join(work_dir, 'samples.png')
    sample_grid(list(MODELS), data_root, grid_file)
    log(f'sample images as each model sees them: {grid_file}')

    runs = OrderedDict((name, []) for name in args.configs)
    jobs = [(name, seed) for seed in range(args.seeds) for name in args.configs]  # seeds outermost
    total = time.time()
    threads = args.threads
    for i, (name, seed) in enumerate(jobs, 1):
        cfg = demo_config(name, data_root, osp.join(work_dir, name, f'seed{seed}'), seed, args, indices, num_train)
        # The data loader workers plus the torch threads fill the CPUs; more threads oversubscribe.
        threads = args.threads or max(1, len(os.sched_getaffinity(0)) - fashion_runs.loader_workers(cfg))
        tag = f'({i}/{len(jobs)}) {MODELS[name][0]}, seed {seed}'
        log(f'{tag}: training {MODELS[name][1]} for {cfg.train_cfg.max_epochs} epoch(s), '
            f'{threads} thread(s), work dir {cfg.work_dir}')
        runs[name].append(fashion_runs.train_model(name, cfg, threads, osp.join(ROOT, 'tools', 'train.py')))
        res = runs[name][-1]
        if res['returncode'] == 0:
            log(f'{tag}: top-1 {res["top1"]:.2f} % in {res["wall_s"]:.0f} s')
        else:
            log(f'{tag}: FAILED (exit code {res["returncode"]}), see the log above')

    summary = summarize(runs)
    if args.quick:
        evaluated_on = f'first {fashion_runs.QUICK_SAMPLES["test"]} evaluation images [--quick: not a result]'
    elif args.val_split is not None:
        evaluated_on = f'validation split: the last {args.val_split} training images, held out'
    else:
        evaluated_on = 'test set, 10,000 images'
    trained_on = 'all training images' if indices['train'] is None else f'first {indices["train"]} training images'
    results = dict(
        dataset='Fashion-MNIST',
        data=data_root,
        quick=args.quick,
        data_path='pipeline transforms in a loader worker' if args.pipeline else 'in memory, encrypted on the device',
        threads=threads,
        seeds=args.seeds,
        trained_on=trained_on,
        evaluated_on=evaluated_on,
        cfg_options=args.cfg_options,
        total_wall_s=round(time.time() - total, 1),
        models=summary)
    with open(osp.join(work_dir, 'results.json'), 'w') as f:
        json.dump(results, f, indent=2)
    print(f'\nTop-1 accuracy ({evaluated_on}; {trained_on}; {args.seeds} seed(s), mean +- std); the same tiny '
          'ViT, recipe and budget for every model\n' + format_table(summary))
    log(f'results: {osp.join(work_dir, "results.json")}, samples: {grid_file}')
    return int(any(r['returncode'] != 0 for model_runs in runs.values() for r in model_runs))


if __name__ == '__main__':
    sys.exit(main())
