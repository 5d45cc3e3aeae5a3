"""On-device encryption: its share of a training step, and the data loader with and without it.

- step share: the encryption of one batch by the config's encrypting data preprocessor (on the batch
  as the preprocessor meets it: padded and normalised) over one whole training step of the config's
  model (``model.train_step``: preprocessing with the encryption, forward, backward, optimiser), for
  the demo models (batch 128, 32 px) and PEViT-S at 224 px (the ImageNet configs, Mixup / CutMix
  included);
- loader: images/s of the data loader of a config that encrypts on the device over that of its plain
  counterpart (the demo's in-memory loader; the ImageNet training pipeline over four JPEG photos, two
  workers), and, for reference, of the demo's in-memory loader over its pipeline path.
"""
import os
import os.path as osp
import tempfile
from typing import Callable, Dict, List

import numpy as np
import torch

from .rows import Row, ratio_row
from .timing import time_interleaved

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # this checkout
SHARE_TARGET = ('<=', 0.01)
LOADER_TARGET = ('>=', 0.99)
DEMO = {
    'plain': 'configs/demo/vit-tiny-plain-p8_1xb128-3e_fashion-mnist.py',
    'RS': 'configs/demo/pevit-tiny-rs-p8_1xb128-3e_fashion-mnist.py',
    'MI': 'configs/demo/pevit-tiny-mi-p8s4_1xb128-3e_fashion-mnist.py',
    'RS-on-MI': 'configs/demo/pevit-tiny-rsmi-p8s4_1xb128-3e_fashion-mnist.py',
}
IMAGENET = {
    'plain': 'configs/mmpretrain/deit-small-plain-p16_4xb256_in1k.py',
    'RS': 'configs/mmpretrain/pevit-small-rs-p16_4xb256_in1k.py',
    'MI': 'configs/mmpretrain/pevit-small-mi-p16s8_4xb256_in1k.py',
    'RS-on-MI': 'configs/mmpretrain/pevit-small-rsmi-p16s8_4xb256_in1k.py',
}
TINY_ARCH = dict(embed_dims=64, num_layers=2, num_heads=2, feedforward_channels=128)
# demo images per loader epoch, ImageNet loader images, PEViT-S batch and side (quick: a tiny arch)
SETTINGS = dict(full=(6000, 256, 224), quick=(512, 16, 64))


def load_config(path: str, tiny: bool = False, img_size: int = 224):
    """A config of ``path`` (relative to the repository) with mmppml imported; ``tiny`` shrinks a PEViT /
    ViT backbone to :data:`TINY_ARCH` at ``img_size`` (the MI models at ``img_size * S / P``)."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmppml.utils import setup_default_scope_and_imports
    cfg = setup_default_scope_and_imports(Config.fromfile(osp.join(ROOT, path)))
    init_default_scope(cfg.default_scope)
    backbone = cfg.model.backbone
    backbone.pop('init_cfg', None)
    if tiny:
        shrink = 2 if backbone.get('patch_cfg', {}).get('type') == 'mmppml.MIPatchEmbed' else 1
        backbone.update(arch=TINY_ARCH, img_size=img_size // shrink)
        cfg.model.head.in_channels = TINY_ARCH['embed_dims']
    return cfg


def build_trainer(cfg, device: torch.device, amp: bool = False):
    """The config's classifier (its data preprocessor in it) and optimiser wrapper, on ``device``."""
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import MODELS
    model_cfg = cfg.model.copy()
    if 'data_preprocessor' not in model_cfg and cfg.get('data_preprocessor') is not None:
        model_cfg.data_preprocessor = cfg.data_preprocessor
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.init_weights()
    model.to(device)
    optim = cfg.optim_wrapper.copy()
    if amp:
        optim.update(type='AmpOptimWrapper', loss_scale='dynamic')
    return model, build_optim_wrapper(model, optim)


def classification_batch(batch: int, channels: int, side: int, num_classes: int, device: torch.device) -> dict:
    """Random uint8 images (B, C, side, side) on ``device`` with a label each, as a loader would give them."""
    from mmpretrain.structures import DataSample
    gen = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (batch, channels, side, side), generator=gen, dtype=torch.uint8).to(device)
    return dict(inputs=images, data_samples=[DataSample().set_gt_label(i % num_classes) for i in range(batch)])


def synchronize(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def step_and_encryption(model, optim_wrapper, data: dict, device: torch.device) -> Dict[str, Callable[[], None]]:
    """``step``: one ``train_step``; ``encrypt``: the preprocessor's encryption of the same batch, padded and
    normalised as the preprocessor encrypts it."""
    pre = model.data_preprocessor
    with torch.no_grad():
        normalised = pre.normalise(data, False)['inputs']

    def step():
        model.train_step(data, optim_wrapper)
        synchronize(device)

    def encrypt():
        with torch.no_grad():
            pre.encrypt(normalised)
        synchronize(device)

    return dict(step=step, encrypt=encrypt)


def share_rows(cfg, device: torch.device) -> List[Row]:
    side = SETTINGS['quick' if cfg.quick else 'full'][2]
    demo_batch = 128 if not cfg.quick else 16
    arch = 'PEViT-S' if not cfg.quick else 'tiny PEViT'
    cases = [(label, path, load_config(path), (demo_batch, 1, 28, 10), cfg.repeats,
              f'demo model ({demo_batch} x 28px -> 32px') for label, path in DEMO.items() if label != 'plain']
    for label, path in IMAGENET.items():
        if label != 'plain':
            config = load_config(path, tiny=cfg.quick, img_size=side)
            cases.append((label, path, config, (cfg.batch, 3, side, config.model.head.num_classes), cfg.model_repeats,
                          f'{arch} (B={cfg.batch}, {side}px, Mixup/CutMix, AdamW'))
    rows = []
    for label, path, config, batch_shape, repeats, model_name in cases:
        model, optim_wrapper = build_trainer(config, device)
        data = classification_batch(*batch_shape, device)
        timings = time_interleaved(step_and_encryption(model, optim_wrapper, data, device), repeats)
        name = f'{label} on the device / training step, {model_name}, {device_label(device)})'
        rows.append(ratio_row('device', name, timings, 'encrypt', 'step', SHARE_TARGET, config=path))
    return rows


def device_label(device: torch.device) -> str:
    if device.type == 'cuda':
        return torch.cuda.get_device_name(device)
    return f'CPU, {torch.get_num_threads()} thread(s)'


def write_idx(path: str, array: np.ndarray) -> None:
    """An un-gzipped IDX file of unsigned bytes."""
    header = bytes([0, 0, 0x08, array.ndim]) + b''.join(int(n).to_bytes(4, 'big') for n in array.shape)
    with open(path, 'wb') as f:
        f.write(header + array.astype(np.uint8).tobytes())


def fashion_like(folder: str, count: int) -> None:
    """Fashion-MNIST-format files of ``count`` random 28 x 28 images in both splits."""
    rng = np.random.default_rng(0)
    for split in ('train', 't10k'):
        write_idx(osp.join(folder, f'{split}-images-idx3-ubyte'), rng.integers(0, 256, (count, 28, 28)))
        write_idx(osp.join(folder, f'{split}-labels-idx1-ubyte'), rng.integers(0, 10, count))


def build_loader(cfg):
    """The training data loader of a config, built as MMEngine's runner builds it."""
    from mmengine.runner import Runner
    return Runner.build_dataloader(cfg.train_dataloader, seed=0)


def epoch(loader) -> Callable[[], None]:

    def run():
        for _ in loader:
            pass

    return run


def loader_rows(cfg, folder: str) -> List[Row]:
    from projects.fashion_mnist_privacy.experiments.fashion_runs import pipeline_variant
    demo_images, imagenet_images, _ = SETTINGS['quick' if cfg.quick else 'full']
    fashion_like(folder, demo_images)
    configs = {label: load_config(path) for label, path in DEMO.items()}
    for config in configs.values():
        config.train_dataloader.dataset.data_root = folder
    loaders = {label: build_loader(config) for label, config in configs.items()}
    loaders['pipeline path'] = build_loader(pipeline_variant(configs['RS']))
    repeats = cfg.pipeline_repeats
    timings = time_interleaved({label: epoch(loader) for label, loader in loaders.items()}, repeats)
    rows = []
    for label in ('RS', 'MI', 'RS-on-MI'):
        rows.append(
            ratio_row(
                'device', f'demo loader images/s, {label} config (on the device) / plain config ({demo_images} '
                'images in memory, batch 128)',
                timings,
                label,
                'plain',
                LOADER_TARGET,
                throughput=True))
    rows.append(
        ratio_row(
            'device', f'demo loader images/s, RS in memory (on the device) / RS as a pipeline transform (1 worker, '
            f'{demo_images} images)',
            timings,
            'RS',
            'pipeline path',
            throughput=True))
    rows += imagenet_loader_rows(cfg, folder, imagenet_images)
    for row in rows:
        row.cpu_ratio = float('nan')  # the work is partly in the workers: this process's CPU time says little
    return rows


def imagenet_loader_rows(cfg, folder: str, count: int) -> List[Row]:
    """The ImageNet training pipelines (DeiT's, RandAugment and random erasing included) of the RS config and
    of the plain DeiT-S config over the same four JPEG photos, 2 workers."""
    from .loader import write_photos
    paths = write_photos(folder, (600, 400) if not cfg.quick else (150, 100))
    images = osp.join(folder, 'photos')
    os.makedirs(osp.join(images, 'a'), exist_ok=True)
    for i, path in enumerate(paths):
        os.replace(path, osp.join(images, 'a', f'{i}.jpg'))
    loaders = {}
    for label in ('plain', 'RS'):
        config = load_config(IMAGENET[label])
        loader = config.train_dataloader
        loader.update(batch_size=32 if not cfg.quick else 8, num_workers=2, persistent_workers=True)
        files = [f'a/{i}.jpg' for i in range(len(paths))] * (count // len(paths))
        ann = osp.join(folder, 'ann.txt')
        with open(ann, 'w') as f:
            f.writelines(f'{name} 0\n' for name in files)
        loader.dataset = dict(
            type='CustomDataset', data_root=images, ann_file=ann, with_label=True, pipeline=loader.dataset.pipeline)
        loaders[label] = build_loader(config)
    timings = time_interleaved({label: epoch(loader) for label, loader in loaders.items()}, cfg.repeats)
    return [
        ratio_row(
            'device', f'ImageNet loader images/s, RS config (on the device) / DeiT-S config (2 workers, {count} '
            'JPEGs, DeiT train pipeline)',
            timings,
            'RS',
            'plain',
            LOADER_TARGET,
            throughput=True)
    ]


def run(cfg) -> List[Row]:
    device = torch.device(cfg.device)
    rows = share_rows(cfg, device)
    with tempfile.TemporaryDirectory(prefix='mmppml_device_') as folder:
        rows += loader_rows(cfg, folder)
    return rows
