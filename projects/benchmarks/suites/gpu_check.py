"""The GPU check of ``tools/analysis_tools/gpu_check.py``: AMP training steps of the ImageNet and COCO configs
with their on-device encryption, peak memory, finiteness, and a short ``tools/train.py --amp`` run.

Every model is built from its config (weights from scratch), fed a batch of random uint8 images already on
the device (the loader is not measured), and trained with the config's optimiser wrapped in MMEngine's
``AmpOptimWrapper`` (float16, dynamic loss scale) on CUDA; on a CPU the same steps run in float32 at a tiny
size (``tiny``), which is how the tests run it.
"""
import json
import math
import os
import os.path as osp
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from typing import Callable, Dict, List, Optional

import numpy as np
import torch

from .device import (IMAGENET, ROOT, TINY_ARCH, build_trainer, classification_batch, fashion_like, load_config,
                     synchronize)

RETINANET = 'configs/mmdet/retinanet_pevit-small-mi-p16s8_simplefpn_1x_coco.py'
TRAIN_CONFIG = 'configs/demo/pevit-tiny-rs-p8_1xb128-3e_fashion-mnist.py'
THROUGHPUT_TARGET = 0.97  # PEViT-S / DeiT-S training images/s under AMP
SHARE_TARGET = 0.01  # on-device encryption / training step


@dataclass(frozen=True)
class Settings:
    """Sizes of one check: classifier batch and side, detector batch and photo size (H, W), timed steps."""
    batch: int
    side: int
    det_batch: int
    det_size: tuple
    warmup: int
    steps: int
    train_iters: int
    tiny: bool


FULL = Settings(batch=128, side=224, det_batch=2, det_size=(800, 1344), warmup=5, steps=20, train_iters=20, tiny=False)
TINY = Settings(batch=4, side=64, det_batch=1, det_size=(96, 128), warmup=1, steps=2, train_iters=2, tiny=True)


def peak_mib(device: torch.device) -> Optional[float]:
    return torch.cuda.max_memory_allocated(device) / 2**20 if device.type == 'cuda' else None


def reset_peak(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)


def loss_value(log_vars: dict) -> float:
    """The total loss of a ``train_step``'s log (a float or a tensor)."""
    loss = log_vars['loss']
    return float(loss.detach()) if torch.is_tensor(loss) else float(loss)


def all_finite(model: torch.nn.Module) -> bool:
    return all(bool(torch.isfinite(p).all()) for p in model.parameters())


def timed_steps(step: Callable[[], float], settings: Settings, device: torch.device) -> Dict:
    """Warm up, then time ``settings.steps`` steps one by one; each returns its loss."""
    losses = [step() for _ in range(settings.warmup)]
    reset_peak(device)
    seconds = []
    for _ in range(settings.steps):
        start = time.perf_counter()
        losses.append(step())
        synchronize(device)
        seconds.append(time.perf_counter() - start)
    return dict(step_s=statistics.median(seconds), step_s_range=[min(seconds), max(seconds)], losses=losses)


def median_seconds(fn: Callable[[], None], repeats: int, device: torch.device) -> float:
    fn()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        synchronize(device)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def classifier_check(label: str, path: str, settings: Settings, device: torch.device, amp: bool) -> Dict:
    cfg = load_config(path, tiny=settings.tiny, img_size=settings.side)
    model, optim_wrapper = build_trainer(cfg, device, amp=amp)
    data = classification_batch(settings.batch, 3, settings.side, cfg.model.head.num_classes, device)

    def step() -> float:
        return loss_value(model.train_step(data, optim_wrapper))

    result = dict(
        label=label + (' (tiny arch)' if settings.tiny else ''), config=path, batch=settings.batch, side=settings.side)
    result.update(timed_steps(step, settings, device))
    result.update(peak_mib=peak_mib(device), images_per_s=settings.batch / result['step_s'])
    if hasattr(model.data_preprocessor, 'normalise'):  # an encrypting preprocessor
        add_encryption_share(result, model, data, settings, device)
    result['finite'] = all(math.isfinite(v) for v in result['losses']) and all_finite(model)
    return result


def add_encryption_share(result: Dict, model, data: dict, settings: Settings, device: torch.device) -> None:
    """Add ``encrypt_s`` (the data preprocessor's encryption of this batch alone) and ``encrypt_share`` (of the
    training step ``result['step_s']``) to ``result``."""
    pre = model.data_preprocessor
    with torch.no_grad():
        normalised = pre.normalise(data, True)['inputs']
        result['encrypt_s'] = median_seconds(lambda: pre.encrypt(normalised), settings.steps, device)
    result['encrypt_share'] = result['encrypt_s'] / result['step_s']


def detector_check(settings: Settings, device: torch.device, amp: bool) -> Dict:
    """The MI RetinaNet (PEViT-S, SimpleFPN) on photos of ``det_size``, mixed on the device."""
    from mmdet.testing import demo_mm_inputs
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import MODELS
    cfg = load_config(RETINANET)
    if settings.tiny:
        cfg.model.backbone.update(arch=TINY_ARCH, img_size=settings.det_size[1] // 2)
        cfg.model.neck.in_channels = TINY_ARCH['embed_dims']
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.to(device)
    optim = cfg.optim_wrapper.copy()
    if amp:
        optim.update(type='AmpOptimWrapper', loss_scale='dynamic')
    optim_wrapper = build_optim_wrapper(model, optim)
    h, w = settings.det_size
    data = demo_mm_inputs(settings.det_batch, (3, h, w), num_items=[8] * settings.det_batch, num_classes=80)
    data['inputs'] = [img.to(device) for img in data['inputs']]

    def step() -> float:
        return loss_value(model.train_step(data, optim_wrapper))

    result = dict(
        label='RetinaNet PEViT-S MI' + (' (tiny arch)' if settings.tiny else ''),
        config=RETINANET,
        batch=settings.det_batch,
        size=list(settings.det_size))
    result.update(timed_steps(step, settings, device))
    result['peak_mib'] = peak_mib(device)
    add_encryption_share(result, model, data, settings, device)
    result['finite'] = all(math.isfinite(v) for v in result['losses']) and all_finite(model)
    return result


def train_check(settings: Settings, work_dir: str, amp: bool) -> Dict:
    """``tools/train.py --amp`` for ``train_iters`` iterations of the demo's RS config (Fashion-MNIST when
    installed, else random images in its format) in a fresh process."""
    from mmengine.config import Config

    from projects.fashion_mnist_privacy.experiments.fashion_mnist import FASHION_MNIST_DIR
    from projects.fashion_mnist_privacy.experiments.fashion_runs import configure_run
    data = FASHION_MNIST_DIR if osp.isdir(FASHION_MNIST_DIR) else osp.join(work_dir, 'random-fashion-mnist')
    if data != FASHION_MNIST_DIR:
        os.makedirs(data, exist_ok=True)
        fashion_like(data, 128 * settings.train_iters)
    cfg = Config.fromfile(osp.join(ROOT, TRAIN_CONFIG))
    batch = cfg.train_dataloader.batch_size
    run_dir = osp.join(work_dir, 'train')
    cfg = configure_run(
        cfg,
        data,
        run_dir,
        0,
        dict(train=batch * settings.train_iters, evaluation=256),
        batch * settings.train_iters,
        epochs=1,
        cfg_options={'default_hooks.logger.interval': 5})
    os.makedirs(run_dir, exist_ok=True)
    cfg_path = osp.join(run_dir, 'config.py')
    cfg.dump(cfg_path)
    cmd = [sys.executable, osp.join(ROOT, 'tools', 'train.py'), cfg_path, '--work-dir', run_dir, '--amp']
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - start
    log = proc.stdout + proc.stderr
    losses = train_losses(run_dir)
    return dict(
        label='tools/train.py --amp',
        config=TRAIN_CONFIG,
        data=data,
        iterations=settings.train_iters,
        returncode=proc.returncode,
        seconds=seconds,
        amp_wrapper="type='AmpOptimWrapper'" in log,  # the config tools/train.py prints
        losses=losses,
        finite=proc.returncode == 0 and bool(losses) and all(math.isfinite(v) for v in losses),
        log_tail=log[-3000:] if proc.returncode else '')


def train_losses(run_dir: str) -> List[float]:
    """The training losses logged in the newest run of ``run_dir``."""
    runs = sorted(d for d in os.listdir(run_dir) if osp.isfile(osp.join(run_dir, d, 'vis_data', 'scalars.json')))
    if not runs:
        return []
    with open(osp.join(run_dir, runs[-1], 'vis_data', 'scalars.json')) as f:
        return [record['loss'] for record in map(json.loads, f) if 'loss' in record]


def environment(device: torch.device, amp: bool) -> Dict:
    env = dict(torch=torch.__version__, device=str(device), amp='float16' if amp else None)
    if device.type == 'cuda':
        env.update(gpu=torch.cuda.get_device_name(device), cuda=torch.version.cuda)
    else:
        env.update(threads=torch.get_num_threads())
    return env


PARTS = ('all', 'classification', 'detection')


def run(settings: Settings, device: torch.device, work_dir: str, part: str = 'all') -> Dict:
    """The checks of ``part`` (``'classification'``: the classifiers and ``tools/train.py``, which need no mmcv
    op; ``'detection'``: the MI RetinaNet; ``'all'``); the record the tool writes as JSON."""
    if part not in PARTS:
        raise ValueError(f'part must be one of {PARTS}, got {part!r}')
    amp = device.type == 'cuda'
    if amp:
        torch.backends.cudnn.benchmark = True
    start = time.perf_counter()
    record = dict(settings=asdict(settings), environment=environment(device, amp), part=part, notes=[])
    if part in ('all', 'classification'):
        record['classifiers'] = []
        for label, path in IMAGENET.items():
            name = 'DeiT-S' if label == 'plain' else f'PEViT-S {label}'
            record['classifiers'].append(classifier_check(name, path, settings, device, amp))
            if device.type == 'cuda':
                torch.cuda.empty_cache()  # the model of the check is gone: its memory back for the next
        reference = record['classifiers'][0]['images_per_s']
        for result in record['classifiers'][1:]:
            result['throughput_vs_deit'] = result['images_per_s'] / reference
        record['train'] = train_check(settings, work_dir, amp)
    if part in ('all', 'detection'):
        record['detector'] = detector_check(settings, device, amp)
    if not amp:
        record['notes'].append('no CUDA device: float32 steps at the tiny size, not a GPU result')
    record['seconds'] = time.perf_counter() - start
    return record


def check_row(check: str, value: str, target: str = '-', met: Optional[bool] = None) -> Dict:
    """One row of the printed table; ``met`` is None for a row without a target."""
    return dict(check=check, value=value, target=target, met=met)


def checks(record: Dict) -> List[Dict]:
    """The rows of the printed table for what ran: what, value, target, met (None without a target)."""
    rows = []
    classifiers = record.get('classifiers', [])
    det = record.get('detector')
    for result in classifiers:
        rows.append(
            check_row(f'{result["label"]} train step (B={result["batch"]}, {result["side"]}px)',
                      f'{result["images_per_s"]:.1f} img/s'))
        if 'throughput_vs_deit' in result:
            ratio = result['throughput_vs_deit']
            rows.append(
                check_row(f'{result["label"]} / DeiT-S images/s', f'{ratio:.3f}', f'>= {THROUGHPUT_TARGET}', ratio
                          >= THROUGHPUT_TARGET))
        if 'encrypt_share' in result:
            rows.append(share_row(result))
    if det:
        rows.append(
            check_row(f'{det["label"]} train step (B={det["batch"]}, {det["size"][0]}x{det["size"][1]})',
                      f'{det["step_s"] * 1e3:.1f} ms'))
        rows.append(share_row(det))
    stepped = classifiers + ([det] if det else [])
    rows += [
        check_row(f'{result["label"]} peak memory', f'{result["peak_mib"]:.0f} MiB') for result in stepped
        if result['peak_mib'] is not None
    ]
    finite = all(r['finite'] for r in stepped)
    rows.append(check_row('losses and weights finite (every step above)', str(finite), 'True', finite))
    train = record.get('train')
    if train:
        rows.append(
            check_row(f'{train["label"]}, {train["iterations"]} iterations of {osp.basename(train["config"])}',
                      f'exit {train["returncode"]}, {train["seconds"]:.0f} s, AmpOptimWrapper: {train["amp_wrapper"]}',
                      'exit 0, finite losses', train['returncode'] == 0 and train['finite']))
    return rows


def share_row(result: Dict) -> Dict:
    share = result['encrypt_share']
    return check_row(f'{result["label"]} on-device encryption / train step', f'{share:.4f}', f'<= {SHARE_TARGET}', share
                     <= SHARE_TARGET)


def format_table(rows: List[Dict]) -> str:
    lines = ['| check | value | target | met? |', '|---|---:|:---:|:---:|']
    for row in rows:
        met = '-' if row['met'] is None else ('yes' if row['met'] else 'NO')
        lines.append(f'| {row["check"]} | {row["value"]} | {row["target"]} | {met} |')
    return '\n'.join(lines)


def as_json(record: Dict) -> str:

    def clean(value):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        if isinstance(value, np.generic):
            return value.item()
        return value

    return json.dumps(clean(record), indent=2) + '\n'
