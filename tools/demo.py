"""Fashion-MNIST demo: the same tiny ViT trained on plain, RS, MI and RS-on-MI images.

Every model gets the same architecture and budget (configs/demo/). The demo un-gzips the IDX files
once (never touching the source), trains each model as a subprocess of tools/train.py, then prints
a table of top-1 accuracy on the 10,000 test images and wall time, and writes ``results.json`` and
``samples.png`` (what each model sees) to the work dir.

Examples::

    bash tools/demo.sh                                   # default data, budget and models
    python tools/demo.py --configs plain rs --epochs 5
    python tools/demo.py --quick                         # a few iterations, for a smoke test
"""
import argparse
import gzip
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import time
from collections import OrderedDict
from typing import Dict, List, Optional

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEFAULT_DATA = '/usr/share/datasets/fashion-mnist'  # Debian package dataset-fashion-mnist
IDX_FILES = ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte',
             't10k-labels-idx1-ubyte')
MODELS = OrderedDict([  # name -> (row label, config)
    ('plain', ('plain ViT', 'configs/demo/vit-p8_tiny_fashion-mnist.py')),
    ('rs', ('RS-PEViT', 'configs/demo/pevit-rs-p8_tiny_fashion-mnist.py')),
    ('mi', ('MI-PEViT', 'configs/demo/pevit-mi-p8s4_tiny_fashion-mnist.py')),
    ('rs-on-mi', ('RS-on-MI-PEViT', 'configs/demo/pevit-rsmi-p8s4_tiny_fashion-mnist.py')),
])
QUICK_SAMPLES = dict(train=256, test=128)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--data', default=DEFAULT_DATA,
                        help='folder with the four Fashion-MNIST IDX files, gzipped or not '
                        f'(default: {DEFAULT_DATA})')
    parser.add_argument('--data-cache', default=osp.join(ROOT, 'data', 'fashion-mnist'),
                        help='where gzipped files are un-gzipped to (default: data/fashion-mnist)')
    parser.add_argument('--work-dir', default=osp.join('work_dirs', 'demo'))
    parser.add_argument('--configs', nargs='+', choices=list(MODELS), default=list(MODELS),
                        help='models to train (default: all)')
    parser.add_argument('--epochs', type=int, default=None,
                        help='epochs for every model (default: the configs\' budget, 3)')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch threads per run (default: one less than the CPUs this process '
                        'may use, since a data loader worker takes one)')
    parser.add_argument('--quick', action='store_true',
                        help=f'smoke test: 1 epoch on {QUICK_SAMPLES["train"]} training and '
                        f'{QUICK_SAMPLES["test"]} test images')
    args = parser.parse_args()
    if args.epochs is not None and args.epochs < 1:
        parser.error('--epochs must be at least 1')
    return args


def log(msg: str) -> None:
    print(f'[demo] {msg}', flush=True)


def idx_shape(path: str, magic: int) -> tuple:
    """The shape an IDX file declares; raises if it is not an IDX file of ``magic``."""
    with open(path, 'rb') as f:
        header = f.read(4)
        if len(header) < 4 or int.from_bytes(header, 'big') != magic:
            raise ValueError(f'{path} is not an IDX file of unsigned bytes with {magic & 0xff} dims')
        return tuple(int.from_bytes(f.read(4), 'big') for _ in range(magic & 0xff))


def check_data(folder: str) -> None:
    """Check the four files hold 28 x 28 images with one label each."""
    for split in ('train', 't10k'):
        images = idx_shape(osp.join(folder, f'{split}-images-idx3-ubyte'), 0x803)
        labels = idx_shape(osp.join(folder, f'{split}-labels-idx1-ubyte'), 0x801)
        if images[1:] != (28, 28) or labels[0] != images[0]:
            raise ValueError(f'{folder}: {split} has images of shape {images} and labels {labels}; '
                             'expected N x 28 x 28 images and N labels')


def prepare_data(src: str, cache: str) -> str:
    """Return a folder holding the four un-gzipped IDX files, un-gzipping ``src`` into ``cache``.

    ``src`` is never written to. The cache remembers which gzip files it came from (path, size and
    time), so another source or an updated package is un-gzipped again.
    """
    if all(osp.isfile(osp.join(src, name)) for name in IDX_FILES):
        check_data(src)
        return src
    marker = osp.join(cache, 'SOURCE.json')
    sources = {}
    for name in IDX_FILES:
        gz = osp.abspath(osp.join(src, name + '.gz'))
        if not osp.isfile(gz):
            raise FileNotFoundError(
                f'Fashion-MNIST not found: {gz} (nor the un-gzipped file) is missing. Install the '
                'Debian package dataset-fashion-mnist or pass --data DIR with the IDX files.')
        stat = os.stat(gz)
        sources[name] = [gz, stat.st_size, stat.st_mtime]
    cached = {}
    if osp.isfile(marker):
        with open(marker) as f:
            cached = json.load(f)
    if cached != sources or not all(osp.isfile(osp.join(cache, name)) for name in IDX_FILES):
        os.makedirs(cache, exist_ok=True)
        for name, (gz, _, _) in sources.items():
            tmp = osp.join(cache, f'.{name}.part')
            with gzip.open(gz, 'rb') as fin, open(tmp, 'wb') as fout:
                shutil.copyfileobj(fin, fout)
            os.replace(tmp, osp.join(cache, name))
        with open(marker, 'w') as f:
            json.dump(sources, f)
        log(f'un-gzipped Fashion-MNIST from {src} to {cache}')
    check_data(cache)
    return cache


def demo_config(name: str, data_root: str, work_dir: str, epochs: Optional[int], quick: bool):
    """Load a demo config and set its data, budget and work dir."""
    from mmengine.config import Config

    cfg = Config.fromfile(osp.join(ROOT, MODELS[name][1]))
    cfg.work_dir = work_dir
    loaders = [cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader]
    for loader in loaders:
        loader.dataset.data_root = data_root
    if quick:
        epochs = 1
        cfg.train_dataloader.dataset.indices = QUICK_SAMPLES['train']
        for loader in loaders[1:]:
            loader.dataset.indices = QUICK_SAMPLES['test']
        cfg.default_hooks.logger.interval = 1
    if epochs is not None:
        old = cfg.train_cfg.max_epochs
        cfg.train_cfg.max_epochs = epochs
        for scheduler in cfg.param_scheduler:  # stretch epoch-based schedules to the new budget
            if scheduler.get('by_epoch', True) and scheduler.get('end') == old:
                scheduler.end = epochs
    return cfg


def last_top1(work_dir: str) -> Optional[float]:
    """The last ``accuracy/top1`` logged in ``work_dir``'s newest run (percent)."""
    runs = sorted(d for d in os.listdir(work_dir)
                  if osp.isfile(osp.join(work_dir, d, 'vis_data', 'scalars.json')))
    if not runs:
        return None
    top1 = None
    with open(osp.join(work_dir, runs[-1], 'vis_data', 'scalars.json')) as f:
        for line in f:
            top1 = json.loads(line).get('accuracy/top1', top1)
    return top1


def train_model(name: str, cfg, threads: int) -> Dict:
    """Train one model in a fresh process of tools/train.py; return its accuracy and wall time."""
    os.makedirs(cfg.work_dir, exist_ok=True)
    cfg_path = osp.join(cfg.work_dir, f'{name}_config.py')
    cfg.dump(cfg_path)
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    cmd = [sys.executable, osp.join(ROOT, 'tools', 'train.py'), cfg_path, '--work-dir', cfg.work_dir]
    start = time.time()
    returncode = subprocess.run(cmd, env=env, cwd=ROOT).returncode
    wall = time.time() - start
    top1 = last_top1(cfg.work_dir) if returncode == 0 else None
    return dict(config=MODELS[name][1], epochs=cfg.train_cfg.max_epochs,
                top1=None if top1 is None else round(top1, 2), wall_s=round(wall, 1),
                returncode=returncode)


def sample_grid(names: List[str], data_root: str, out_file: str, num_images: int = 6) -> None:
    """Save the first test images as each model receives them (its test pipeline), one row a model."""
    from mmcv.transforms import Compose
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.datasets.mnist import read_image_file

    import mmppml  # noqa: F401
    from mmppml.visualization import make_image_grid, save_png

    images = read_image_file(osp.join(data_root, 't10k-images-idx3-ubyte'))[:num_images].numpy()
    rows, labels = [], []
    for name in names:
        cfg = Config.fromfile(osp.join(ROOT, MODELS[name][1]))
        init_default_scope(cfg.default_scope)
        pipeline = Compose(cfg.test_dataloader.dataset.pipeline)
        rows.append([pipeline(dict(img=img.copy()))['inputs'][0].numpy() for img in images])
        labels.append(f'{MODELS[name][0]} ({rows[-1][0].shape[0]} px)')
    save_png(out_file, make_image_grid(rows, row_labels=labels, cell_size=96))


def format_table(results: Dict[str, Dict]) -> str:
    lines = [f'{"model":<16}{"top-1 (%)":>10}{"wall time":>12}  config', '-' * 78]
    for name, res in results.items():
        top1 = f'{res["top1"]:.2f}' if res['top1'] is not None else 'failed'
        minutes, seconds = divmod(int(round(res['wall_s'])), 60)
        lines.append(f'{MODELS[name][0]:<16}{top1:>10}{f"{minutes}m{seconds:02d}s":>12}  {res["config"]}')
    return '\n'.join(lines)


def main() -> int:
    args = parse_args()
    # One data loader worker plus the torch threads fill the CPUs; more threads oversubscribe.
    threads = args.threads or max(1, len(os.sched_getaffinity(0)) - 1)
    work_dir = osp.abspath(args.work_dir)
    os.makedirs(work_dir, exist_ok=True)
    data_root = prepare_data(args.data, args.data_cache)

    grid_file = osp.join(work_dir, 'samples.png')
    sample_grid(list(MODELS), data_root, grid_file)
    log(f'sample images as each model sees them: {grid_file}')

    results = OrderedDict()
    total = time.time()
    for i, name in enumerate(args.configs, 1):
        cfg = demo_config(name, data_root, osp.join(work_dir, name), args.epochs, args.quick)
        log(f'({i}/{len(args.configs)}) {MODELS[name][0]}: training {MODELS[name][1]} for '
            f'{cfg.train_cfg.max_epochs} epoch(s), {threads} thread(s), work dir {cfg.work_dir}')
        results[name] = res = train_model(name, cfg, threads)
        if res['returncode'] == 0:
            log(f'({i}/{len(args.configs)}) {MODELS[name][0]}: top-1 {res["top1"]:.2f} % '
                f'in {res["wall_s"]:.0f} s')
        else:
            log(f'({i}/{len(args.configs)}) {MODELS[name][0]}: FAILED (exit code {res["returncode"]}), '
                'see the log above')

    summary = dict(dataset='Fashion-MNIST', data=data_root, quick=args.quick, threads=threads,
                   total_wall_s=round(time.time() - total, 1), models=results)
    with open(osp.join(work_dir, 'results.json'), 'w') as f:
        json.dump(summary, f, indent=2)
    test_set = f'first {QUICK_SAMPLES["test"]} test images [--quick: not a result]' if args.quick \
        else 'test set, 10,000 images'
    print(f'\nFashion-MNIST top-1 accuracy ({test_set}); the same tiny ViT and budget for every model\n'
          + format_table(results))
    log(f'results: {osp.join(work_dir, "results.json")}, samples: {grid_file}')
    return int(any(res['returncode'] != 0 for res in results.values()))


if __name__ == '__main__':
    sys.exit(main())
