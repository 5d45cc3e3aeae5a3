"""Training the tiny Fashion-MNIST models of configs/demo/: data, the config of one run, the run itself.

Shared by ``tools/demo/demo.py`` and the privacy-utility frontier, so both train with one recipe: each
run is a fresh process of a checkout's ``tools/train.py`` (the caller gives its path) on an un-gzipped
copy of the IDX files. The demo configs pad and encrypt on the training device; :func:`pipeline_variant`
gives any of them the pipeline path.
"""
import copy
import gzip
import json
import math
import os
import os.path as osp
import shutil
import subprocess
import sys
import time
from typing import Callable, Dict, Optional

from mmppml.idx import read_idx_header

IDX_FILES = ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte')
QUICK_SAMPLES = dict(train=256, test=128)
# The side of a Fashion-MNIST image.
FASHION_SIDE = 28


def check_data(folder: str) -> Dict[str, int]:
    """Check the four files hold 28 x 28 images with one label each; return the image counts."""
    counts = {}
    for split in ('train', 't10k'):
        images = read_idx_header(osp.join(folder, f'{split}-images-idx3-ubyte'), 0x803)
        labels = read_idx_header(osp.join(folder, f'{split}-labels-idx1-ubyte'), 0x801)
        if images[1:] != (28, 28) or labels[0] != images[0]:
            raise ValueError(f'{folder}: {split} has images of shape {images} and labels {labels}; '
                             'expected N x 28 x 28 images and N labels')
        counts[split] = images[0]
    return counts


def prepare_data(src: str, cache: str, log: Callable[[str], None] = print) -> str:
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
            raise FileNotFoundError(f'Fashion-MNIST not found: {gz} (nor the un-gzipped file) is missing. Install the '
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


def split_indices(num_train: int, train_subset: Optional[int], val_split: Optional[int],
                  quick: bool) -> Dict[str, Optional[object]]:
    """Which images each split reads: ``dataset.indices`` for train and for evaluation.

    With ``val_split`` the evaluation set is the last ``val_split`` training images, never used for
    training; otherwise it is the test set (None: all of it).
    """
    train_end = num_train
    evaluation = None
    if val_split is not None:
        if val_split >= num_train:
            raise ValueError(f'--val-split {val_split} leaves no training images (the set has {num_train})')
        train_end = num_train - val_split
        evaluation = list(range(train_end, num_train))
    train = train_end if train_subset is None else min(train_subset, train_end)
    if quick:
        train = min(train, QUICK_SAMPLES['train'])
        evaluation = QUICK_SAMPLES['test'] if evaluation is None else evaluation[:QUICK_SAMPLES['test']]
    return dict(train=None if train == num_train else train, evaluation=evaluation)


def configure_run(cfg,
                  data_root: str,
                  work_dir: str,
                  seed: int,
                  indices: Dict[str, Optional[object]],
                  num_train: int,
                  epochs: Optional[int] = None,
                  quick: bool = False,
                  val_split: bool = False,
                  cfg_options: Optional[dict] = None):
    """Set a demo config's data, budget, overrides, seed and work dir (in place; returns ``cfg``).

    Args:
        cfg (mmengine.Config): a config of configs/demo/.
        indices (dict): ``train`` and ``evaluation`` of :func:`split_indices`.
        epochs (int, optional): stretch the schedule to this many epochs (``quick``: 1).
        val_split (bool): evaluate on held-out training images (``indices['evaluation']``).
    """
    cfg.merge_from_dict(cfg_options or {})
    cfg.work_dir = work_dir
    cfg.randomness.seed = seed
    loaders = [cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader]
    for loader in loaders:
        loader.dataset.data_root = data_root
    if indices['train'] is not None:
        cfg.train_dataloader.dataset.indices = indices['train']
    if val_split:  # evaluate on held-out training images
        for loader in loaders[1:]:
            loader.dataset.update(split='train', test_mode=False)
    if indices['evaluation'] is not None:
        for loader in loaders[1:]:
            loader.dataset.indices = indices['evaluation']
    epochs = 1 if quick else epochs
    if quick:
        cfg.default_hooks.logger.interval = 1
    if epochs is not None:
        # Stretch the epoch-based schedules to the new budget, keeping their shares of it (MMEngine
        # converts fractional epochs to iterations).
        scale = epochs / cfg.train_cfg.max_epochs
        cfg.train_cfg.max_epochs = epochs
        iters = math.ceil((indices['train'] or num_train) / cfg.train_dataloader.batch_size)  # per epoch
        for scheduler in cfg.param_scheduler:
            if scheduler.get('by_epoch', True):
                scheduler.begin = scheduler.get('begin', 0) * scale
                if 'end' in scheduler:  # at least one iteration
                    scheduler.end = max(scheduler.end * scale, (int(scheduler.begin * iters) + 1) / iters)
    return cfg


def pipeline_variant(cfg):
    """A copy of a demo config that pads and encrypts each image in the data loader instead (the pipeline path).

    The datasets become mmpretrain's ``FashionMNIST`` (un-gzipped IDX files) with the pipeline
    ``[cfg.pad, cfg.encrypt, PackInputs]`` (no ``encrypt`` for plain), read by one persistent worker and
    collated by MMEngine's default (a list); the data preprocessor becomes mmpretrain's
    ``ClsDataPreprocessor`` with the same normalisation. The model, recipe and budget are unchanged.
    A mix pads the image itself instead (``size_mismatch='pad'`` with ``cfg.pad``'s value, when that
    gives ``cfg.pad``'s size), so that it drops what padding alone would mix, as the device path does:
    after a separate ``Pad`` it could not tell padding from content.

    Args:
        cfg (mmengine.Config): a config of configs/demo/ (its datasets ``mmppml.InMemoryFashionMNIST``).

    Returns:
        mmengine.Config: the pipeline-path config.
    """
    from mmengine.config import ConfigDict
    cfg = copy.deepcopy(cfg)
    encrypt = cfg.get('encrypt')
    steps = [cfg.pad] + ([encrypt] if encrypt else []) + [dict(type='PackInputs')]
    if encrypt and encrypt.get('sub_patch_size') and all(
            -(-FASHION_SIDE // encrypt.patch_size) * encrypt.patch_size == side for side in cfg.pad.size):
        steps[:2] = [dict(encrypt, size_mismatch='pad', pad_val=cfg.pad.get('pad_val', 0))]
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader, dataset = cfg[name], cfg[name].dataset
        keep = {k: dataset[k] for k in ('data_root', 'split', 'test_mode', 'indices') if k in dataset}
        loader.dataset = ConfigDict(type='FashionMNIST', download=False, pipeline=copy.deepcopy(steps), **keep)
        loader.pop('collate_fn', None)
        loader.update(num_workers=1, persistent_workers=True)
    pre = cfg.data_preprocessor
    cfg.data_preprocessor = ConfigDict(
        type='ClsDataPreprocessor', num_classes=pre.num_classes, mean=pre.mean, std=pre.std, to_rgb=pre.to_rgb)
    return cfg


def loader_workers(cfg) -> int:
    """The data loader workers of a config's training loader."""
    return int(cfg.train_dataloader.get('num_workers', 0))


def last_top1(work_dir: str) -> Optional[float]:
    """The last ``accuracy/top1`` logged in ``work_dir``'s newest run (percent)."""
    runs = sorted(d for d in os.listdir(work_dir) if osp.isfile(osp.join(work_dir, d, 'vis_data', 'scalars.json')))
    if not runs:
        return None
    top1 = None
    with open(osp.join(work_dir, runs[-1], 'vis_data', 'scalars.json')) as f:
        for line in f:
            top1 = json.loads(line).get('accuracy/top1', top1)
    return top1


def train_model(name: str, cfg, threads: int, train_script: str) -> Dict:
    """Train one model in a fresh process of ``train_script`` (a checkout's tools/train.py, which the caller
    knows); return its accuracy and wall time. The process runs in this one's working directory."""
    os.makedirs(cfg.work_dir, exist_ok=True)
    cfg_path = osp.join(cfg.work_dir, f'{name}_config.py')
    cfg.dump(cfg_path)
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    cmd = [sys.executable, train_script, cfg_path, '--work-dir', cfg.work_dir]
    start = time.time()
    returncode = subprocess.run(cmd, env=env).returncode
    wall = time.time() - start
    top1 = last_top1(cfg.work_dir) if returncode == 0 else None
    return dict(
        seed=cfg.randomness.seed,
        epochs=cfg.train_cfg.max_epochs,
        top1=None if top1 is None else round(top1, 2),
        wall_s=round(wall, 1),
        returncode=returncode,
        work_dir=cfg.work_dir)
