"""The mmdet configs of configs/mmdet: they build, train, predict, and MI boxes come back in photo pixels."""
import glob
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', 'mmdet', '*.py')))
TINY = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)

pytestmark = pytest.mark.usefixtures('mmdet_scope')


def tiny_model_cfg(path: str) -> Config:
    """The config's model with the tiny arch, the real neck and head otherwise."""
    cfg = Config.fromfile(path).model
    if not cfg.backbone.type.startswith('mmppml.'):  # mmdet's ResNet: small enough as it is; no download
        cfg.backbone.init_cfg = None
        return cfg
    cfg.backbone.update(arch=TINY, init_cfg=None)
    if cfg.get('neck') is not None:
        cfg.neck.in_channels = TINY['embed_dims']
    if cfg.type == 'mmppml.YOLOS':
        cfg.backbone.update(num_det_tokens=8, out_indices=(0, 1))
        cfg.bbox_head.embed_dims = TINY['embed_dims']
        cfg.test_cfg.max_per_img = 8
        if cfg.get('aux_head') is not None:
            cfg.aux_head.in_channels = TINY['embed_dims']
    return cfg


def build(cfg):
    from mmdet.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def num_classes(model) -> int:
    head = model.roi_head.bbox_head if hasattr(model, 'roi_head') else model.bbox_head
    return head.num_classes


def demo_batch(model, shapes=((3, 64, 64), (3, 48, 64))):
    from mmdet.testing import demo_mm_inputs
    data = demo_mm_inputs(len(shapes), [list(s) for s in shapes], num_classes=2, num_items=[3] * len(shapes))
    for sample in data['data_samples']:  # demo labels start at 1; spread them over our classes
        sample.gt_instances.labels = sample.gt_instances.labels % num_classes(model)
    return data


@pytest.mark.parametrize('path', CONFIGS, ids=[osp.basename(p)[:-3] for p in CONFIGS])
def test_config_builds_trains_and_predicts(path):
    cfg = Config.fromfile(path)
    assert 'mmppml' in cfg.custom_imports['imports']
    pipeline = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    test_pipeline = [t['type'] for t in cfg.test_dataloader.dataset.pipeline]
    if '-mi-' in osp.basename(path):
        # MI on the training device, or as the last pipeline step before packing, in training and testing
        on_device = cfg.model.data_preprocessor.type == 'mmppml.EncryptingDetDataPreprocessor'
        assert on_device or pipeline[-2:] == test_pipeline[-2:] == ['mmppml.MixSubPatches', 'PackDetInputs']
        # gt boxes are loaded before any geometric step, so they follow the image into the MI frame
        assert test_pipeline.index('LoadAnnotations') < test_pipeline.index('Resize')

    model = build(tiny_model_cfg(path))
    data = model.data_preprocessor(demo_batch(model), True)
    losses = model(**data, mode='loss')
    total = sum(v if torch.is_tensor(v) else sum(v) for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total) and total > 0
    total.backward()
    backbone = model.backbone
    if hasattr(backbone, 'patch_embed'):
        assert backbone.patch_embed.projection.weight.grad.abs().sum() > 0
    else:  # mmdet's ResNet: a frozen stem, and residual branches that start at zero (zero_init_residual)
        assert backbone.layer2[0].downsample[0].weight.grad.abs().sum() > 0

    model.eval()
    with torch.no_grad():
        results = model(**model.data_preprocessor(demo_batch(model), False), mode='predict')
    for sample in results:
        pred = sample.pred_instances
        height, width = sample.ori_shape
        assert pred.bboxes.shape[1] == 4
        assert ((pred.scores >= 0) & (pred.scores <= 1)).all()
        assert (pred.labels < num_classes(model)).all()
        assert (pred.bboxes[:, 0::2] <= width).all() and (pred.bboxes[:, 1::2] <= height).all()


def write_synthetic_coco(root, num_images=4, size=64, seed=0):
    """Bright squares on a dark noisy background, one to two per image, as a COCO file."""
    rng = np.random.default_rng(seed)
    images, annotations = [], []
    for image_id in range(1, num_images + 1):
        img = rng.integers(0, 40, (size, size, 3), dtype=np.uint8)
        for _ in range(rng.integers(1, 3)):
            w, h = rng.integers(14, 28, 2)
            x, y = rng.integers(0, size - w), rng.integers(0, size - h)
            img[y:y + h, x:x + w] = 220
            annotations.append(
                dict(
                    id=len(annotations) + 1,
                    image_id=image_id,
                    category_id=1,
                    bbox=[int(x), int(y), int(w), int(h)],
                    area=int(w * h),
                    iscrowd=0))
        cv2.imwrite(osp.join(root, f'{image_id}.png'), img)
        images.append(dict(id=image_id, file_name=f'{image_id}.png', height=size, width=size))
    ann_file = osp.join(root, 'ann.json')
    with open(ann_file, 'w') as f:
        json.dump(dict(images=images, annotations=annotations, categories=[dict(id=1, name='Tree')]), f)
    return ann_file


def test_mi_detector_lowers_its_loss_on_a_tiny_set(tmp_path):
    """A few steps of the config's optimizer on MI images (its own train pipeline) lower the loss."""
    from mmdet.registry import DATASETS
    from mmengine.optim import build_optim_wrapper
    path = osp.join(ROOT, 'configs', 'mmdet', 'retinanet_pevit-tiny-mi-p16s8_simplefpn_100e_trees.py')
    cfg = Config.fromfile(path)
    ann_file = write_synthetic_coco(str(tmp_path))
    pipeline = [t for t in cfg.train_dataloader.dataset.pipeline if t['type'] != 'RandomFlip']
    dataset = DATASETS.build(
        dict(
            type='CocoDataset',
            ann_file=ann_file,
            data_prefix=dict(img=str(tmp_path)),
            metainfo=dict(classes=('Tree', )),
            pipeline=pipeline))
    batch = pseudo_collate([dataset[i] for i in range(len(dataset))])
    model = build(tiny_model_cfg(path))
    assert model.data_preprocessor(batch, True)['inputs'].shape[-2:] == (32, 32)  # MI halved the 64-px images
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    history = []
    for _ in range(12):
        losses = model(**model.data_preprocessor(batch, True), mode='loss')
        loss = sum(sum(v) for v in losses.values())
        optim_wrapper.update_params(loss)
        history.append(loss.item())
    assert np.mean(history[-3:]) < 0.7 * np.mean(history[:3]), history


@pytest.mark.parametrize('name',
                         ['retinanet_pevit-tiny-mi-p16s8_simplefpn_100e_trees', 'yolos_pevit-tiny-mi-p16s8_100e_trees'])
def test_mi_predictions_are_mapped_back_to_the_photo(tmp_path, name):
    """LoadImageFromFile -> Resize -> MixSubPatches -> PackDetInputs, then predict: boxes in photo pixels; the
    config's own path (the mix on the device) predicts the same boxes."""
    photo = np.random.default_rng(0).integers(0, 255, (75, 100, 3), dtype=np.uint8)  # H x W = 75 x 100
    cv2.imwrite(str(tmp_path / 'photo.png'), photo)
    load, resize = dict(type='LoadImageFromFile'), dict(type='Resize', scale=(128, 96), keep_ratio=True)
    mix = dict(type='mmppml.MixSubPatches', patch_size=16, sub_patch_size=8)
    annotations = dict(type='LoadAnnotations', with_bbox=True)
    pack = dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
    gt = np.array([[10., 20., 60., 70.]])

    def results():
        return dict(
            img_path=str(tmp_path / 'photo.png'),
            img_id=0,
            instances=[dict(bbox=gt[0].tolist(), bbox_label=0, ignore_flag=0)])

    # Resize x 1.28 gives 96 x 128 (multiples of P), MI halves it; the gt boxes follow the image.
    packed = Compose([load, annotations, resize, mix, pack])(results())
    gt_packed = packed['data_samples'].gt_instances.bboxes.tensor.numpy()
    np.testing.assert_allclose(gt_packed, gt * 0.64, rtol=1e-5)
    meta = packed['data_samples'].metainfo
    assert tuple(packed['inputs'].shape[-2:]) == meta['img_shape'] == (48, 64)  # the MI image
    np.testing.assert_allclose(meta['scale_factor'], (1.28 * 0.5, 1.28 * 0.5))

    cfg = tiny_model_cfg(osp.join(ROOT, 'configs', 'mmdet', name + '.py'))
    if cfg.type != 'mmppml.YOLOS':
        cfg.test_cfg.update(score_thr=0.0, max_per_img=20)  # keep some boxes of the untrained model
    model = build(cfg).eval()
    from mmdet.models.data_preprocessors import DetDataPreprocessor
    device = model.data_preprocessor
    assert type(device).__name__ == 'EncryptingDetDataPreprocessor'
    plain = DetDataPreprocessor(
        mean=device.mean.flatten().tolist(),
        std=device.std.flatten().tolist(),
        bgr_to_rgb=device._channel_conversion,
        pad_size_divisor=device.pad_size_divisor // 2)
    with torch.no_grad():
        data = plain(pseudo_collate([packed]), False)  # the pipeline path: mixed by the transform
        photo_boxes = model(**data, mode='predict')[0].pred_instances.bboxes
        mi_boxes = model.predict(data['inputs'], data['data_samples'], rescale=False)[0].pred_instances.bboxes
        own = Compose([load, annotations, resize, pack])(results())
        own_boxes = model(**device(pseudo_collate([own]), False), mode='predict')[0].pred_instances.bboxes
    torch.testing.assert_close(own_boxes, photo_boxes, rtol=0, atol=1e-3)
    assert len(photo_boxes) > 0
    torch.testing.assert_close(photo_boxes, mi_boxes / 0.64)  # the scale factor MI set
    assert (photo_boxes >= 0).all()
    assert (photo_boxes[:, 0::2] <= 100 + 1e-3).all() and (photo_boxes[:, 1::2] <= 75 + 1e-3).all()
    if cfg.type == 'mmppml.YOLOS':  # set predictions span the image: they reach beyond the MI size
        assert photo_boxes[:, 2].max() > 64 or photo_boxes[:, 3].max() > 48


def plain_detector_checkpoint(tmp_path) -> str:
    """A saved tiny plain PEViT RetinaNet (the start of the `-plainft` configs), with informative weights."""
    plain = build(
        tiny_model_cfg(osp.join(ROOT, 'configs', 'mmdet', 'retinanet_pevit-tiny-plain-p16_simplefpn_50e_trees.py')))
    with torch.no_grad():
        for param in plain.parameters():
            param.add_(torch.randn_like(param) * 0.1)
    path = str(tmp_path / 'plain.pth')
    torch.save({'state_dict': plain.state_dict()}, path)
    return path


def test_yolos_plainft_starts_from_the_plain_backbone(tmp_path):
    """The Pretrained init of the YOLOS fine-tuning config converts the plain patch conv, loads the rest."""
    path = plain_detector_checkpoint(tmp_path)
    plain = torch.load(path)['state_dict']
    cfg = tiny_model_cfg(osp.join(ROOT, 'configs', 'mmdet', 'yolos_pevit-tiny-mi-p16s8_100e_trees-plainft.py'))
    cfg.backbone.init_cfg = dict(type='Pretrained', checkpoint=path, prefix='backbone.')
    backbone = build(cfg).backbone
    kernel = plain['backbone.patch_embed.projection.weight']  # (C, 3, 16, 16)
    quadrant_sum = kernel[..., :8, :8] + kernel[..., :8, 8:] + kernel[..., 8:, :8] + kernel[..., 8:, 8:]
    torch.testing.assert_close(backbone.patch_embed.projection.weight, quadrant_sum)
    assert set(backbone.checkpoint_notes.converted) == {'patch_embed.projection.weight'}
    for name, value in backbone.state_dict().items():
        if name not in ('det_tokens', 'patch_embed.projection.weight'):
            torch.testing.assert_close(value, plain['backbone.' + name], atol=0, rtol=0)


@pytest.mark.parametrize('name', [
    'retinanet_pevit-tiny-mi-p16s8_simplefpn_50e_trees-plainft', 'yolos_pevit-tiny-mi-p16s8_100e_trees-plainft',
    'faster-rcnn_pevit-tiny-mi-p16s8_simplefpn_6e_fmnist-det-plainft'
])
def test_plainft_configs_train_the_mi_embedding_ten_times_faster(name):
    from mmengine.optim import build_optim_wrapper
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'mmdet', name + '.py'))
    model = build(tiny_model_cfg(osp.join(ROOT, 'configs', 'mmdet', name + '.py')))
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    base_lr = cfg.optim_wrapper.optimizer.lr
    names = {id(p): n for n, p in model.named_parameters()}
    lrs = {names[id(p)]: group['lr'] for group in optim_wrapper.optimizer.param_groups for p in group['params']}
    assert lrs['backbone.patch_embed.projection.weight'] == pytest.approx(10 * base_lr)
    assert lrs['backbone.layers.0.attn.qkv.weight'] == pytest.approx(base_lr)


def flat(cfg, prefix=''):
    """{'a.b.c': value} of a nested config dict."""
    items = {}
    for key, value in cfg.items():
        if isinstance(value, dict):
            items.update(flat(value, f'{prefix}{key}.'))
        else:
            items[f'{prefix}{key}'] = value
    return items


def test_mmdet_resnet_takes_mi_by_its_data_preprocessor_alone():
    """The MI ResNet-18 RetinaNet is mmdet's own model: only the lines its config explains differ."""
    import mmdet
    mmdet_configs = osp.join(osp.dirname(mmdet.__file__), '.mim', 'configs')
    mmdet_own = flat(Config.fromfile(osp.join(mmdet_configs, 'retinanet', 'retinanet_r18_fpn_1x_coco.py')).model)
    plain = flat(Config.fromfile(osp.join(ROOT, 'configs', 'mmdet', 'retinanet_r18-plain_fpn_1e_fmnist-det.py')).model)
    mi = flat(Config.fromfile(osp.join(ROOT, 'configs', 'mmdet', 'retinanet_r18-mi-p16s8_fpn_1e_fmnist-det.py')).model)

    def changed(a, b):  # (a config inheriting by 'mmdet::' also records the scope)
        return {key for key in (set(a) | set(b)) - {'_scope_'} if a.get(key, 'absent') != b.get(key, 'absent')}

    assert changed(mmdet_own, plain) == {'bbox_head.num_classes'}
    assert changed(plain, mi) == {
        'data_preprocessor.type', 'data_preprocessor.mode', 'data_preprocessor.patch_size',
        'data_preprocessor.sub_patch_size', 'neck.start_level', 'bbox_head.anchor_generator.strides'
    }
    assert mi['data_preprocessor.mode'] == 'mi' and mi['neck.start_level'] == plain['neck.start_level'] - 1
    assert [2 * s for s in mi['bbox_head.anchor_generator.strides']] == plain['bbox_head.anchor_generator.strides']


def test_the_narrow_resnet_reference_takes_mi_by_its_data_preprocessor_and_levels():
    """The 6-epoch ResNet-18 RetinaNet on MI: the plain reference's model but the lines its config explains."""
    plain = flat(Config.fromfile(osp.join(ROOT, 'configs', 'mmdet', 'retinanet_r18-plain_fpn_6e_fmnist-det.py')).model)
    mi = flat(Config.fromfile(osp.join(ROOT, 'configs', 'mmdet', 'retinanet_r18-mi-p16s8_fpn_6e_fmnist-det.py')).model)
    changed = {key for key in set(plain) | set(mi) if plain.get(key, 'absent') != mi.get(key, 'absent')}
    assert changed == {
        'data_preprocessor.type', 'data_preprocessor.mode', 'data_preprocessor.patch_size',
        'data_preprocessor.sub_patch_size', 'data_preprocessor.pad_size_divisor', 'backbone.out_indices',
        'neck.in_channels', 'bbox_head.anchor_generator.strides'
    }
    # each level at half the plain stride on the half-size image: the same photo strides and anchors
    assert [2 * s for s in mi['bbox_head.anchor_generator.strides']] == plain['bbox_head.anchor_generator.strides']
