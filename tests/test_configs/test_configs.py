"""Every config under configs/ loads and builds offline; encryption sits right before packing."""
import glob
import os.path as osp
import socket

import cv2
import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmengine.config import Config, ConfigDict
from mmengine.registry import MODELS, init_default_scope

from mmppml.utils import setup_default_scope_and_imports

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    osp.relpath(path, ROOT) for path in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in osp.relpath(path, ROOT).split(osp.sep))
CLS_CONFIGS = [c for c in CONFIGS if c.startswith(('configs/demo', 'configs/mmpretrain', 'configs/encrypted'))]
DEMO_CONFIGS = [c for c in CONFIGS if c.startswith('configs/demo')]
# The demo's comparison: one tiny ViT and budget on plain, RS, MI and RS-on-MI images.
DEMO_COMPARISON = [
    'configs/demo/vit-tiny-plain-p8_1xb128-3e_fashion-mnist.py',
    'configs/demo/pevit-tiny-rs-p8_1xb128-3e_fashion-mnist.py',
    'configs/demo/pevit-tiny-mi-p8s4_1xb128-3e_fashion-mnist.py',
    'configs/demo/pevit-tiny-rsmi-p8s4_1xb128-3e_fashion-mnist.py',
    # the privacy-utility frontier's candidate modes
    'configs/demo/pevit-tiny-bag-p8_1xb128-3e_fashion-mnist.py',
    'configs/demo/pevit-tiny-cmi-p8s4_1xb128-3e_fashion-mnist.py',
    'configs/demo/pevit-tiny-nrsmi-p8s4_1xb128-3e_fashion-mnist.py',
]
OFFLINE_DIR = 'configs/encrypted'  # data encrypted beforehand by tools/encrypt_dataset.py
ENCRYPTIONS = ('mmppml.RandomPatchShuffle', 'mmppml.MixSubPatches', 'mmppml.ShuffledMixSubPatches',
               'mmppml.RandomPixelBags', 'mmppml.RandomConvexMix', 'mmppml.NoisyShuffledMix')
PACKS = ('PackInputs', 'PackDetInputs')
# The encrypting preprocessor's arguments that choose the encryption.
DEVICE_ENCRYPTION = ('mode', 'patch_size', 'sub_patch_size', 'concentration', 'sigma', 'key_file')


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Configs must load and build without reaching the network."""

    def refuse(*args, **kwargs):
        raise OSError('network access in a config test')

    monkeypatch.setattr(socket.socket, 'connect', refuse)
    monkeypatch.setattr(socket, 'create_connection', refuse)


def load(path: str) -> Config:
    cfg = setup_default_scope_and_imports(Config.fromfile(osp.join(ROOT, path)))
    init_default_scope(cfg.default_scope)
    return cfg


def without(node, key: str):
    """A copy of a config node with every ``key`` removed (e.g. ``init_cfg``: no pretrained downloads)."""
    if isinstance(node, dict):
        return ConfigDict({k: without(v, key) for k, v in node.items() if k != key})
    if isinstance(node, (list, tuple)):
        return type(node)(without(v, key) for v in node)
    return node


def preprocessor_mode(cfg: Config):
    """The mode an encrypting data preprocessor encrypts with ('rs', 'mi', ...), or None (none, or 'plain')."""
    pre = cfg.get('data_preprocessor') or {}
    mode = pre.get('mode', 'rs') if pre.get('type') == 'mmppml.EncryptingClsDataPreprocessor' else None
    return None if mode == 'plain' else mode


def pipelines(cfg: Config) -> dict:
    """The train and test pipelines (empty for a dataset without one, e.g. the demo's in-memory images)."""
    return dict(
        train=cfg.train_dataloader.dataset.get('pipeline', []), test=cfg.test_dataloader.dataset.get('pipeline', []))


def test_configs_found():
    assert set(DEMO_COMPARISON) <= set(DEMO_CONFIGS)
    assert len([c for c in CLS_CONFIGS if 'pevit' in c]) >= 4


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds(path):
    cfg = load(path)
    model = MODELS.build(without(cfg.model, 'init_cfg'))
    assert sum(p.numel() for p in model.parameters()) > 0
    for name, pipeline in pipelines(cfg).items():
        types = [t['type'] for t in pipeline]
        encryptions = [i for i, t in enumerate(types) if t in ENCRYPTIONS]
        # Wherever images are encrypted online, it is the last step: only packing follows.
        assert len(encryptions) <= 1, f'{name} pipeline of {path}: {types}'
        if encryptions:
            assert types[encryptions[0] + 1:] in (['PackInputs'], ['PackDetInputs']), types
        if path.startswith(OFFLINE_DIR):
            assert not encryptions, f'{path} reads encrypted files, yet encrypts again: {types}'
        elif path in CLS_CONFIGS:
            # Classification: a PEViT config trains on encrypted images (encrypted in the pipeline or,
            # after the batch augments, in the data preprocessor), a plain one on plain ones.
            encrypted = bool(encryptions) or preprocessor_mode(cfg) is not None
            assert encrypted == ('PEViT' in cfg.model.backbone.type), f'{path}: {types}'
            assert not (encryptions and preprocessor_mode(cfg)), f'{path} encrypts twice'
        Compose(pipeline)


@pytest.mark.parametrize('path', DEMO_CONFIGS)
def test_demo_config_runs_on_fashion_mnist_images(path):
    """The data preprocessor turns a batch of 28-px grayscale images into what the backbone expects."""
    from mmpretrain.structures import DataSample
    cfg = load(path)
    model = MODELS.build(without(dict(cfg.model, data_preprocessor=cfg.data_preprocessor), 'init_cfg')).eval()
    images = torch.from_numpy(np.random.default_rng(0).integers(0, 256, (2, 1, 28, 28), dtype=np.uint8))
    data = model.data_preprocessor(dict(inputs=images, data_samples=[DataSample().set_gt_label(3) for _ in range(2)]))
    expected_side = cfg.model.backbone.img_size
    assert tuple(data['inputs'].shape) == (2, 1, expected_side, expected_side)
    with torch.no_grad():
        pred = model(**data, mode='predict')[0]
    assert pred.pred_score.shape == (10, ) and torch.isfinite(pred.pred_score).all()
    assert int(pred.gt_label) == 3


def test_demo_configs_share_one_budget():
    """A fair comparison: everything but the backbone and the encryption step is identical."""

    def comparable(cfg: Config) -> dict:
        d = cfg.to_dict()
        d['model'] = {k: v for k, v in d['model'].items() if k != 'backbone'}
        backbone = cfg.model.backbone
        d['arch'] = (backbone.arch, backbone.in_channels, backbone.get('out_type', 'cls_token'))
        d['pipelines'] = [[t for t in p if t['type'] not in ENCRYPTIONS] for p in pipelines(cfg).values()]
        d['data_preprocessor'] = {k: v for k, v in d['data_preprocessor'].items() if k not in DEVICE_ENCRYPTION}
        for key in ('train_pipeline', 'test_pipeline', 'encrypt'):
            d.pop(key, None)
        return d

    reference = comparable(load(DEMO_COMPARISON[0]))
    for path in DEMO_COMPARISON[1:]:
        assert comparable(load(path)) == reference, path


@pytest.mark.parametrize('path', [c for c in CLS_CONFIGS if '/pevit-base-' in c])
def test_base_size_configs_follow_deit_base(path, tmp_path):
    """A PEViT-B config inherits its PEViT-S one; together they give DeiT-B's recipe, backbone aside."""
    (tmp_path / 'deit.py').write_text("_base_ = 'mmpretrain::deit/deit-base_16xb64_in1k.py'\n")
    ours, deit = load(path), Config.fromfile(str(tmp_path / 'deit.py'))
    for key in ('train_dataloader', 'val_dataloader', 'param_scheduler', 'train_cfg', 'custom_hooks', 'auto_scale_lr'):
        assert without(ours[key], '_scope_') == without(deit[key], '_scope_'), key
    assert ours.model.head == deit.model.head and ours.model.train_cfg == deit.model.train_cfg
    assert (ours.model.backbone.arch, ours.model.backbone.drop_path_rate) == ('deit-base', 0.1)
    optim = ours.optim_wrapper.copy()
    optim.paramwise_cfg.custom_keys.pop('.ref_token')  # PEViT's reference token, not in a ViT
    assert optim == deit.optim_wrapper


@pytest.mark.parametrize('path', [c for c in CLS_CONFIGS if c.startswith('configs/mmpretrain')])
def test_imagenet_config_feeds_backbone(tmp_path, path):
    """A photo through the test pipeline (encryption included) has the size the backbone expects."""
    cfg = load(path)
    img_file = str(tmp_path / 'photo.png')
    cv2.imwrite(img_file, np.random.default_rng(0).integers(0, 256, (300, 260, 3), dtype=np.uint8))
    packed = Compose(cfg.test_dataloader.dataset.pipeline)(dict(img_path=img_file, gt_label=np.array(1)))
    inputs = packed['inputs']
    if preprocessor_mode(cfg):  # encrypted after the batch augments, in the data preprocessor
        preprocessor = MODELS.build(cfg.data_preprocessor)
        inputs = preprocessor(dict(inputs=[inputs], data_samples=[packed['data_samples']]))['inputs'][0]
    side = cfg.model.backbone.img_size
    assert tuple(inputs.shape) == (3, side, side)
    patch = cfg.model.backbone.patch_size
    assert side % patch == 0 and (side // patch)**2 == 196  # 14 x 14 tokens, as DeiT at 224 px


SHUFFLES = ('mmppml.RandomPatchShuffle', 'mmppml.ShuffledMixSubPatches', 'mmppml.RandomPixelBags',
            'mmppml.NoisyShuffledMix')


@pytest.mark.parametrize('path', CONFIGS)
def test_position_embedding_follows_what_the_encryption_keeps(path):
    """Shuffled images (RS, RS-on-MI) need a position-free model; MI keeps the layout and uses position.

    Every PEViT config states its choice explicitly.
    """
    cfg = load(path)
    backbone = cfg.model.backbone
    if 'PEViT' not in backbone.type and 'YOLOS' not in backbone.type:
        pytest.skip('not a PEViT backbone')
    assert 'pos_embed_cfg' in backbone, f'{path}: state pos_embed_cfg explicitly'
    types = {t['type'] for p in pipelines(cfg).values() for t in p}
    mode = preprocessor_mode(cfg)
    from mmppml.crypto import MODE_TABLE
    shuffled = mode is not None and MODE_TABLE[mode].shuffles
    if types & set(SHUFFLES) or shuffled or path.startswith(OFFLINE_DIR):  # offline: shuffled
        assert backbone.pos_embed_cfg is None, path
    elif types & {'mmppml.MixSubPatches', 'mmppml.RandomConvexMix'} or mode in ('mi', 'convex-mi'):
        assert backbone.pos_embed_cfg is not None and backbone.pos_embed_cfg.type in ('learned', 'sincos'), path
    else:
        assert mode is None, path


def test_configs_ship_with_the_package_and_are_inherited_by_path(tmp_path):
    import mmppml
    shipped = mmppml.config_path('demo/pevit-tiny-rs-p8_1xb128-3e_fashion-mnist.py')
    assert osp.samefile(shipped, osp.join(ROOT, 'configs/demo/pevit-tiny-rs-p8_1xb128-3e_fashion-mnist.py'))
    (tmp_path / 'mine.py').write_text(f'_base_ = {shipped!r}\nmodel = dict(head=dict(num_classes=3))\n')
    cfg = Config.fromfile(str(tmp_path / 'mine.py'))
    assert cfg.model.backbone.type == 'mmppml.PEViT' and cfg.model.head.num_classes == 3
    with pytest.raises(FileNotFoundError, match='no config'):
        mmppml.config_path('demo/missing.py')


def blocks(x: torch.Tensor, b: int) -> np.ndarray:
    """(C, H, W) -> (N, C * b * b): its b x b blocks in raster order, channels together."""
    c, h, w = x.shape
    return x.reshape(c, h // b, b, w // b, b).permute(1, 3, 0, 2, 4).reshape(-1, c * b * b).double().numpy()


def matched(a: np.ndarray, b: np.ndarray, atol: float = 1e-4) -> bool:
    """Whether the rows of ``a`` are the rows of ``b`` in some order (up to float rounding)."""
    dist = np.abs(a[:, None] - b[None]).max(-1)
    return a.shape == b.shape and (dist.min(1) <= atol).all() and len(set(dist.argmin(1))) == len(a)


@pytest.mark.parametrize('path', [c for c in DEMO_CONFIGS if '-plain-' not in c])
def test_demo_preprocessor_really_encrypts(path):
    """The data preprocessor's output is the encryption its mode names of the plain normalised batch."""
    from mmpretrain.structures import DataSample

    from mmppml.crypto import mix_subpatches
    cfg = load(path)
    mode = preprocessor_mode(cfg)
    assert mode is not None, f'{path}: a PEViT demo config encrypts in its data preprocessor'
    pre = MODELS.build(cfg.data_preprocessor)
    images = torch.from_numpy(np.random.default_rng(0).integers(0, 256, (2, 1, 28, 28), dtype=np.uint8))
    data = dict(inputs=images, data_samples=[DataSample().set_gt_label(3) for _ in range(2)])
    plain = pre.normalise(dict(data), False)['inputs']
    encrypted = pre(dict(data), False)['inputs']
    p, s = pre.patch_size, pre.sub_patch_size
    for x, y in zip(plain, encrypted):
        if s is None:  # rs, bag: the blocks (or their bags of values) of the plain image, moved
            assert y.shape == x.shape and not torch.allclose(x, y)
            if mode == 'rs':
                assert matched(blocks(y, p), blocks(x, p), atol=0)
            else:
                assert matched(np.sort(blocks(y, p), 1), np.sort(blocks(x, p), 1), atol=0)
                assert not matched(blocks(y, p), blocks(x, p))  # pixels moved inside the blocks too
            continue
        mixed = torch.from_numpy(np.ascontiguousarray(mix_subpatches(x.permute(1, 2, 0).numpy(), p,
                                                                     s))).permute(2, 0, 1)
        assert y.shape == mixed.shape == (x.shape[0], x.shape[1] * s // p, x.shape[2] * s // p)
        if mode == 'mi':
            torch.testing.assert_close(y, mixed.to(y.dtype), atol=1e-4, rtol=0)
        elif mode == 'rs-on-mi':
            assert matched(blocks(y, s), blocks(mixed, s)) and not torch.allclose(y, mixed.to(y.dtype), atol=1e-4)
        elif mode == 'convex-mi':  # each value a convex mix of the pixels MI averages, not their mean
            r = p // s
            grid = x.reshape(x.shape[0], x.shape[1] // p, r, s, x.shape[2] // p, r, s)
            lo, hi = grid.amin((2, 5)).reshape(y.shape), grid.amax((2, 5)).reshape(y.shape)
            assert ((y >= lo - 1e-4) & (y <= hi + 1e-4)).all() and not torch.allclose(y, mixed.to(y.dtype))
        else:  # noisy: no longer a shuffle of the mixed blocks
            assert mode == 'noisy-rs-on-mi' and not matched(blocks(y, s), blocks(mixed, s))
