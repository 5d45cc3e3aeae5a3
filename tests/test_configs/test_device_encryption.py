"""Online configs encrypt on the training device, once; their model input equals the pipeline-transform path.

For every demo, ImageNet, COCO and tree config the same images go through the config's own path (plain
loader, encrypting data preprocessor) and through the pipeline path (the encryption transform right before
packing, mmpretrain's or mmdet's plain data preprocessor); the two inputs must agree exactly where the
encryption is a permutation and within the float rounding of normalising before mixing where it mixes.
"""
import glob
import math
import os.path as osp
import re

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config, ConfigDict
from mmengine.dataset import Compose, default_collate, pseudo_collate
from mmengine.registry import DATASETS, MODELS, init_default_scope

from mmppml.crypto import MODE_TABLE, to_blocks
from mmppml.utils import setup_default_scope_and_imports
from projects.fashion_mnist_privacy.experiments.fashion_runs import pipeline_variant

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    osp.relpath(path, ROOT) for path in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in osp.relpath(path, ROOT).split(osp.sep))
DEMO = [c for c in CONFIGS if c.startswith('configs/demo/')]
IMAGENET = [c for c in CONFIGS if c.startswith('configs/mmpretrain/')]
DETECTION = [
    c for c in CONFIGS if c.startswith('configs/mmdet/') and c.endswith(('_coco.py', '_trees.py', '_trees-plainft.py',
                                                                         '_fmnist-det.py', '_fmnist-det-plainft.py'))
]
ENCRYPTING = ('mmppml.EncryptingClsDataPreprocessor', 'mmppml.EncryptingDetDataPreprocessor')
TRANSFORMS = {'mmppml.' + m.transform for m in MODE_TABLE.values() if m.transform} | {'mmppml.KeyedScramble'}


def load(path: str) -> Config:
    cfg = setup_default_scope_and_imports(Config.fromfile(osp.join(ROOT, path)))
    init_default_scope(cfg.default_scope)
    return cfg


def preprocessor_cfg(cfg: Config) -> ConfigDict:
    return cfg.model.get('data_preprocessor') or cfg.get('data_preprocessor') or ConfigDict()


def device_mode(cfg: Config):
    """The mode the config's data preprocessor encrypts with (None if it does not)."""
    pre = preprocessor_cfg(cfg)
    mode = pre.get('mode', 'rs') if pre.get('type') in ENCRYPTING else None
    return None if mode == 'plain' else mode


def pipeline_encryptions(cfg: Config) -> list:
    steps = []
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        steps += [t['type'] for t in cfg[name].dataset.get('pipeline', []) if t['type'] in TRANSFORMS]
    return steps


@pytest.mark.parametrize('path', CONFIGS)
def test_config_encrypts_once(path):
    """An encryption transform in the pipeline and an encrypting preprocessor would encrypt twice."""
    cfg = load(path)
    assert not (device_mode(cfg) and pipeline_encryptions(cfg)), (
        f'{path} encrypts in the pipeline ({pipeline_encryptions(cfg)}) and on the device ({device_mode(cfg)})')


@pytest.mark.parametrize('path', DEMO + IMAGENET + DETECTION)
def test_online_configs_encrypt_on_the_device(path):
    cfg = load(path)
    assert not pipeline_encryptions(cfg), path
    plain = cfg.model.backbone.type == 'VisionTransformer' or re.search(r'-plain[-_]', osp.basename(path))
    assert (device_mode(cfg) is None) == bool(plain), path


# ---------------------------------------------------------------- comparing the two paths


def rounding_tolerance(x: torch.Tensor, ratio: int) -> float:
    """Each path rounds the normalisation twice and the sum of the r^2 mixed values r^2 - 1 times, each
    within half an ulp of the largest magnitude: (r^2 + 4) float32 epsilons of it bound their distance."""
    return (ratio * ratio + 4) * torch.finfo(torch.float32).eps * float(x.abs().max())


def blocks(img: torch.Tensor, block: int) -> np.ndarray:
    """(N, block * block, C) blocks of a (C, H, W) image, raster order."""
    hwc = np.ascontiguousarray(img.permute(1, 2, 0).numpy())
    return to_blocks(hwc, block).reshape(-1, block * block, img.shape[0])


def assert_same_blocks(ours: torch.Tensor, theirs: torch.Tensor, block: int, atol: float, bags: bool = False):
    """The two (C, H, W) images hold the same blocks (within ``atol``) in some order; with ``bags`` each block's
    pixels are compared as a set."""
    from scipy.optimize import linear_sum_assignment
    a, b = blocks(ours, block), blocks(theirs, block)
    if bags:
        a, b = (np.stack([x[np.lexsort(x.T[::-1])] for x in y]) for y in (a, b))
    if atol == 0:
        assert sorted(x.tobytes() for x in a) == sorted(x.tobytes() for x in b)
        return
    cost = torch.cdist(torch.from_numpy(a.reshape(len(a), -1)), torch.from_numpy(b.reshape(len(b), -1)), p=math.inf)
    rows, cols = linear_sum_assignment(cost.numpy())
    assert float(cost[rows, cols].max()) <= atol


def assert_same_input(mode: str, ours: torch.Tensor, theirs: torch.Tensor, p: int, s) -> None:
    """``ours`` (pipeline path) and ``theirs`` (device path), (B, C, H, W), agree as ``mode`` allows."""
    assert ours.shape == theirs.shape
    ratio = 1 if s is None else p // s
    tol = rounding_tolerance(ours, ratio) if s is not None else 0.
    if mode in ('plain', 'mi', 'convex-mi'):  # nothing moves: value by value
        torch.testing.assert_close(theirs, ours, rtol=0, atol=tol)
        return
    for a, b in zip(ours, theirs):
        assert_same_blocks(a, b, s or p, tol, bags=mode == 'bag')


def same_draws(monkeypatch, mode: str) -> None:
    """Give the convex MI transform and the device the same Dirichlet draws (one stream each, same seed)."""
    if mode != 'convex-mi':
        return
    from mmppml.datasets import RandomConvexMix
    from mmppml.models.data_preprocessors import BatchEncryption
    streams = [np.random.default_rng(7), np.random.default_rng(7)]
    monkeypatch.setattr(RandomConvexMix, 'rng', property(lambda self: streams[0]))
    monkeypatch.setattr(BatchEncryption, 'numpy_rng', property(lambda self: streams[1]))


def write_idx(path, array: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + b''.join(int(n).to_bytes(4, 'big') for n in array.shape)
    with open(path, 'wb') as f:
        f.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture(scope='module')
def fashion_root(tmp_path_factory):
    """Un-gzipped Fashion-MNIST-format files: 8 test images with a few dark borders (28 x 28)."""
    root = tmp_path_factory.mktemp('fmnist')
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (8, 28, 28))
    images[:, :3] = 0
    for split in ('train', 't10k'):
        write_idx(root / f'{split}-images-idx3-ubyte', images)
        write_idx(root / f'{split}-labels-idx1-ubyte', np.arange(8) % 10)
    return str(root)


@pytest.mark.parametrize('path', DEMO)
def test_demo_input_equals_the_pipeline_path(path, fashion_root, monkeypatch):
    cfg = load(path)
    cfg.test_dataloader.dataset.data_root = fashion_root
    mode = device_mode(cfg) or 'plain'
    if mode == 'noisy-rs-on-mi':  # noise is drawn by different generators: compare without it
        cfg.data_preprocessor.sigma = cfg.encrypt.sigma = 0.
    same_draws(monkeypatch, mode)
    pipe = pipeline_variant(cfg)
    ours_set, theirs_set = DATASETS.build(pipe.test_dataloader.dataset), DATASETS.build(cfg.test_dataloader.dataset)
    ours = MODELS.build(pipe.data_preprocessor)(pseudo_collate([ours_set[i] for i in range(8)]))['inputs']
    theirs = MODELS.build(cfg.data_preprocessor)(default_collate(theirs_set.__getitems__(list(range(8)))))['inputs']
    pre = cfg.data_preprocessor
    assert_same_input(mode, ours, theirs, pre.get('patch_size'), pre.get('sub_patch_size'))
    assert tuple(theirs.shape[-2:]) == (cfg.model.backbone.img_size, ) * 2


def pipeline_step(pre: ConfigDict) -> dict:
    """The pipeline transform of an encrypting preprocessor's mode, with its sizes."""
    step = dict(type='mmppml.' + MODE_TABLE[pre.mode].transform, patch_size=pre.patch_size)
    if pre.get('sub_patch_size') is not None:
        step['sub_patch_size'] = pre.sub_patch_size
    return step


@pytest.mark.parametrize('path', IMAGENET)
def test_imagenet_input_equals_the_pipeline_path(path, tmp_path):
    cfg = load(path)
    pre = cfg.data_preprocessor
    mode = device_mode(cfg)
    if mode is None:
        pytest.skip('the plain baseline')
    photo = str(tmp_path / 'photo.png')
    cv2.imwrite(photo, np.random.default_rng(0).integers(0, 256, (300, 260, 3), dtype=np.uint8))
    test = cfg.test_dataloader.dataset.pipeline
    ours_steps = Compose(test[:-1] + [pipeline_step(pre), test[-1]])
    plain = {k: v for k, v in pre.items() if k in ('mean', 'std', 'to_rgb', 'num_classes')}
    ours = MODELS.build(dict(type='ClsDataPreprocessor', **plain))(pseudo_collate(
        [ours_steps(dict(img_path=photo, gt_label=np.array(1))) for _ in range(2)]))['inputs']
    theirs = MODELS.build(pre)(pseudo_collate([Compose(test)(dict(img_path=photo, gt_label=np.array(1)))] * 2))
    assert_same_input(mode, ours, theirs['inputs'], pre.patch_size, pre.get('sub_patch_size'))


DET_META = ('img_shape', 'pad_shape', 'batch_input_shape', 'scale_factor')
DEVICE_ONLY = ('mode', 'patch_size', 'sub_patch_size', 'pixel_pad_value', 'concentration', 'key_file', 'seed')


@pytest.mark.parametrize('path', [c for c in DETECTION if not re.search(r'-plain[-_]', osp.basename(c))])
def test_detection_input_equals_the_pipeline_path(path, tmp_path, mmdet_scope):
    """The config's test pipeline on a photo (not a multiple of P) with boxes: images, boxes and metainfo."""
    from mmengine.registry import DefaultScope
    cfg = load(path)
    pre = cfg.model.data_preprocessor
    assert pre.type == 'mmppml.EncryptingDetDataPreprocessor'
    photo = str(tmp_path / 'photo.png')
    cv2.imwrite(photo, np.random.default_rng(0).integers(0, 256, (75, 100, 3), dtype=np.uint8))

    def results():
        instances = [dict(bbox=[10., 20., 60., 70.], bbox_label=0, ignore_flag=0)]
        return dict(img_path=photo, img_id=0, instances=instances)

    test = cfg.test_dataloader.dataset.pipeline
    mix = dict(
        type='mmppml.MixSubPatches', patch_size=pre.patch_size, sub_patch_size=pre.sub_patch_size, size_mismatch='pad')
    r = pre.patch_size // pre.sub_patch_size
    plain = {k: v for k, v in pre.items() if k not in DEVICE_ONLY}
    plain.update(
        type='DetDataPreprocessor', pad_size_divisor=math.lcm(pre.get('pad_size_divisor', 1), pre.patch_size) // r)
    with DefaultScope.overwrite_default_scope('mmdet'):
        ours = MODELS.build(plain)(pseudo_collate([Compose(test[:-1] + [mix, test[-1]])(results())]))
        theirs = MODELS.build(pre)(pseudo_collate([Compose(test)(results())]))
    assert_same_input('mi', ours['inputs'], theirs['inputs'], pre.patch_size, pre.sub_patch_size)
    a, b = ours['data_samples'][0], theirs['data_samples'][0]
    assert {k: a.metainfo[k] for k in DET_META} == {k: b.metainfo[k] for k in DET_META}
    assert torch.equal(a.gt_instances.bboxes, b.gt_instances.bboxes)


def test_tiny_mi_detector_trains_and_tests_with_the_device_path(tmp_path, mmdet_scope):
    """MMEngine's runner on the tree MI config (tiny arch): train, then test with CocoMetric on the photos'
    own annotations, the mix done by the data preprocessor throughout."""
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner
    from test_detection_configs import TINY, write_synthetic_coco
    cfg = Config.fromfile(osp.join(ROOT, 'configs/mmdet/retinanet_pevit-tiny-mi-p16s8_simplefpn_100e_trees.py'))
    assert cfg.model.data_preprocessor.type == 'mmppml.EncryptingDetDataPreprocessor'
    cfg.model.backbone.update(arch=TINY, init_cfg=None)
    cfg.model.neck.in_channels = TINY['embed_dims']
    cfg.model.test_cfg.update(score_thr=0.0, max_per_img=20)  # keep some boxes of the barely trained model
    ann_file = write_synthetic_coco(str(tmp_path))
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[name].update(batch_size=2, num_workers=0, persistent_workers=False)
        cfg[name].dataset.update(data_root='', ann_file=ann_file, data_prefix=dict(img=str(tmp_path)))
    for name in ('val_evaluator', 'test_evaluator'):
        cfg[name].ann_file = ann_file
    cfg.train_cfg.update(max_epochs=2, val_interval=2)
    cfg.default_hooks.update(
        logger=dict(type='LoggerHook', interval=1), checkpoint=dict(type='CheckpointHook', interval=2))
    cfg.work_dir = str(tmp_path / 'work')
    with DefaultScope.overwrite_default_scope('mmdet'):
        runner = Runner.from_cfg(cfg)
        runner.train()
        metrics = runner.test()
        batch = next(iter(runner.test_dataloader))
        predictions = runner.model.test_step(batch)
    assert 'coco/bbox_mAP' in metrics and metrics['coco/bbox_mAP'] >= 0
    for sample in predictions:  # photo pixels: the 64-px photos, not the 32-px MI images
        assert sample.ori_shape == (64, 64) and sample.img_shape == (32, 32) and sample.scale_factor == (0.5, 0.5)
        boxes = sample.pred_instances.bboxes
        assert len(boxes) and (boxes >= 0).all() and (boxes <= 64).all()
    assert max(float(s.pred_instances.bboxes[:, 2:].max()) for s in predictions) > 32


def test_classification_inferencer_on_a_demo_config_equals_its_pipeline_path(tmp_path):
    """mmpretrain's inferencer reads the demo's test pipeline (packing) and preprocessor (pad, MI): on a new
    28-px image it scores as the pipeline path does."""
    from mmpretrain import ImageClassificationInferencer
    path = 'configs/demo/pevit-tiny-mi-p8s4_1xb128-3e_fashion-mnist.py'
    cfg = load(path)
    torch.manual_seed(0)
    model = MODELS.build(without_init(cfg.model))
    checkpoint = str(tmp_path / 'mi.pth')
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    img = np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)
    scores = [
        ImageClassificationInferencer(c, pretrained=checkpoint, device='cpu')(img.copy())[0]['pred_scores']
        for c in (osp.join(ROOT, path), pipeline_variant(cfg))
    ]
    np.testing.assert_allclose(scores[0], scores[1], rtol=0, atol=1e-5)


def without_init(model_cfg: ConfigDict) -> ConfigDict:
    model_cfg = model_cfg.copy()
    model_cfg.backbone = dict(model_cfg.backbone, init_cfg=None)
    return model_cfg
