"""PEViT over mmpretrain's VisionTransformer of the same arch: time and peak memory of a step.

On CPU the forward and forward+backward steps run in float32 with fixed torch threads, and peak
memory is measured in a fresh process (:mod:`.memory_probe`). On a GPU the steps run under AMP,
memory is ``torch.cuda.max_memory_allocated``, and a full training step (AdamW) gives images/s.
"""
import gc
import json
import os
import subprocess
import sys
from typing import Callable, Dict, List, Optional, Tuple

import torch

from .rows import Row, ratio_row
from .timing import median, time_interleaved

P, S = 16, 8
TINY_ARCH = dict(embed_dims=64, num_layers=2, num_heads=2, feedforward_channels=128)
ARCHS = dict(full=['deit-tiny', 'deit-small'], quick=[TINY_ARCH])
IMG_SIZE = dict(full=224, quick=64)
MODEL_TARGET = ('<=', 1.05)
KIND_NAMES = dict(vit='ViT', pevit='PEViT', pevit_mi='PEViT-MI')


def arch_name(arch) -> str:
    return arch if isinstance(arch, str) else 'tiny({embed_dims}d, {num_layers}L)'.format(**arch)


def build_model(kind: str, arch, img_size: int) -> Tuple[torch.nn.Module, int]:
    """Build ``'vit'`` (mmpretrain), ``'pevit'`` (RS embedding, reference PE) or ``'pevit_mi'`` (MI
    embedding with kernel S on the (S/P)-sized MI image, reference PE).

    Returns:
        tuple: the model and the side of its input image.
    """
    if kind == 'vit':
        from mmpretrain.models import VisionTransformer
        return VisionTransformer(arch=arch, img_size=img_size, patch_size=P), img_size
    from mmppml.models.backbones import PEViT
    if kind == 'pevit':
        return PEViT(arch=arch, patch_size=P, img_size=img_size), img_size
    if kind == 'pevit_mi':
        mi_size = img_size * S // P
        return PEViT(arch=arch, patch_size=S, patch_cfg=dict(type='mmppml.MIPatchEmbed'), img_size=mi_size), mi_size
    raise ValueError(f'unknown model kind {kind!r}')


def synchronize(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def amp_dtype(device: torch.device) -> Optional[torch.dtype]:
    if device.type != 'cuda':
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def make_step(model: torch.nn.Module, x: torch.Tensor, mode: str) -> Callable[[], None]:
    """A step of ``mode`` ``'forward'`` (eval, no grad), ``'forward+backward'`` or ``'train'``
    (forward, backward and an AdamW update); under AMP on a GPU. Sets the model's mode."""
    dtype = amp_dtype(x.device)

    def autocast():
        return torch.autocast(x.device.type, dtype=dtype, enabled=dtype is not None)

    if mode == 'forward':
        model.eval()

        def step():
            with torch.no_grad(), autocast():
                model(x)
            synchronize(x.device)

        step.model = model
        return step

    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4) if mode == 'train' else None
    scaler = torch.amp.GradScaler(x.device.type, enabled=dtype == torch.float16)

    def step():
        model.zero_grad(set_to_none=True)
        with autocast():
            loss = model(x)[0].float().square().mean()
        scaler.scale(loss).backward()
        if optimizer is not None:
            scaler.step(optimizer)
            scaler.update()
        synchronize(x.device)

    step.model = model
    return step


def build_steps(kinds, arch, img_size: int, batch: int, mode: str, device: torch.device) -> Dict[str, Callable]:
    steps = {}
    for kind in kinds:
        model, size = build_model(kind, arch, img_size)
        x = torch.randn(batch, 3, size, size, device=device)
        steps[kind] = make_step(model.to(device), x, mode)
    return steps


def run(cfg) -> List[Row]:
    device = torch.device(cfg.device)
    archs = ARCHS['quick' if cfg.quick else 'full']
    img_size = IMG_SIZE['quick' if cfg.quick else 'full']
    modes = ['forward', 'forward+backward'] + (['train'] if device.type == 'cuda' else [])
    rows = []
    for arch in archs:
        for mode in modes:
            # PEViT-MI is timed for the forward only on CPU, to keep the run within minutes.
            kinds = ['vit', 'pevit'] + (['pevit_mi'] if mode == 'forward' or device.type == 'cuda' else [])
            steps = build_steps(kinds, arch, img_size, cfg.batch, mode, device)
            timings = time_interleaved(steps, cfg.model_repeats, min_round_s=0.2 if device.type == 'cuda' else 0.)
            rows += mode_rows(cfg, arch, img_size, mode, kinds, timings, device)
            if device.type == 'cuda':
                peaks = {kind: cuda_peak_mib(step) for kind, step in steps.items()}
                rows += memory_rows(arch, mode, peaks, cfg.batch, device)
            del steps
            gc.collect()
        if device.type == 'cpu' and not cfg.quick:  # a fresh interpreter costs seconds: not in quick mode
            peaks_by_mode = cpu_peaks_in_fresh_process(cfg, arch, img_size)
            for mode, peaks in peaks_by_mode.items():
                rows += memory_rows(arch, mode, peaks, cfg.batch, device)
    return rows


def mode_rows(cfg, arch, img_size, mode, kinds, timings, device) -> List[Row]:
    where = f'B={cfg.batch}, {img_size}px, {device_label(device)}'
    info = dict(arch=arch_name(arch), batch=cfg.batch, img_size=img_size, mode=mode, device=device_label(device))
    if mode == 'train':  # training throughput from the median step time
        info['images_per_s'] = {KIND_NAMES[k]: cfg.batch / median(timings.wall[k]) for k in kinds}
        where += ', ' + ', '.join(f'{name} {rate:.0f} img/s' for name, rate in info['images_per_s'].items())
    rows = [
        ratio_row('model', f'PEViT {arch_name(arch)} {mode} / ViT ({where})', timings, 'pevit', 'vit', MODEL_TARGET,
                  **info)
    ]
    if 'pevit_mi' in kinds:
        rows.append(
            ratio_row(
                'model', f'PEViT-MI {arch_name(arch)} {mode}, {img_size * S // P}px MI input '
                f'/ ViT {img_size}px ({where})', timings, 'pevit_mi', 'vit', **info))
    return rows


def memory_rows(arch, mode, peaks: Dict[str, Optional[float]], batch: int, device) -> List[Row]:
    rows = []
    for kind in ('pevit', 'pevit_mi'):
        if kind in peaks and peaks[kind] and peaks.get('vit'):
            ratio = peaks[kind] / peaks['vit']
            rows.append(
                Row('model', f'{KIND_NAMES[kind]} {arch_name(arch)} {mode} peak memory / ViT '
                    f'(B={batch}, {device_label(device)})',
                    ratio,
                    ratio,
                    None,
                    peaks[kind],
                    peaks['vit'],
                    'MiB',
                    extra=dict(arch=arch_name(arch), mode=mode, measure=memory_measure(device))))
    return rows


def device_label(device: torch.device) -> str:
    if device.type == 'cuda':
        return f'{torch.cuda.get_device_name(device)}, AMP {str(amp_dtype(device)).split(".")[-1]}'
    return f'CPU, {torch.get_num_threads()} thread(s), fp32'


def memory_measure(device: torch.device) -> str:
    if device.type == 'cuda':
        return 'torch.cuda.max_memory_allocated during one step, minus what was allocated before'
    return 'peak resident set (VmHWM, reset via /proc/self/clear_refs) during one step, minus the resident set before'


def cuda_peak_mib(step: Callable[[], None]) -> float:
    step.model.zero_grad(set_to_none=True)  # the step frees and remakes the gradients
    gc.collect()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    step()
    return (torch.cuda.max_memory_allocated() - before) / 2**20


def cpu_peaks_in_fresh_process(cfg, arch, img_size: int) -> Dict[str, Dict[str, Optional[float]]]:
    """Run :mod:`.memory_probe` in a new interpreter; {mode: {kind: MiB}}."""
    from .device import ROOT
    path = os.pathsep.join(filter(None, [ROOT, os.environ.get('PYTHONPATH')]))  # the child imports this project
    env = dict(
        os.environ,
        OMP_NUM_THREADS=str(cfg.threads),
        MALLOC_MMAP_THRESHOLD_='65536',
        MALLOC_TRIM_THRESHOLD_='0',
        PYTHONPATH=path)
    request = dict(
        arch=arch,
        img_size=img_size,
        batch=cfg.batch,
        threads=cfg.threads,
        modes=['forward', 'forward+backward'],
        kinds=['vit', 'pevit', 'pevit_mi'])
    proc = subprocess.run([sys.executable, '-m', 'projects.benchmarks.suites.memory_probe',
                           json.dumps(request)],
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=900)
    if proc.returncode:
        raise RuntimeError(f'memory probe failed:\n{proc.stderr[-2000:]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])
