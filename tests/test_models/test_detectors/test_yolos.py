"""YOLOSBackbone and the YOLOS detector: detection tokens through PEViT, then set prediction."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmppml.crypto import shuffle_patches
from mmppml.models.backbones import YOLOSBackbone
from mmppml.models.detectors import YOLOS

TINY = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
YOLOS_BASE = osp.join(
    osp.dirname(osp.abspath(__file__)), '..', '..', '..', 'configs', 'mmdet', '_base_', 'models',
    'yolos_pevit-mi-p16s8.py')

pytestmark = pytest.mark.usefixtures('mmdet_scope')


def tiny_backbone(**kwargs):
    cfg = dict(arch=TINY, patch_size=8, embed_mode='mi', num_det_tokens=5, init_cfg=None)
    cfg.update(kwargs)
    backbone = YOLOSBackbone(**cfg)
    backbone.init_weights()
    return backbone.eval()


def shuffled_image(img: torch.Tensor, patch: int, seed: int = 0) -> torch.Tensor:
    """(1, C, H, W) image with its patch x patch blocks permuted."""
    hwc = img[0].permute(1, 2, 0).numpy()
    num = (hwc.shape[0] // patch) * (hwc.shape[1] // patch)
    perm = torch.randperm(num, generator=torch.Generator().manual_seed(seed)).numpy()
    return torch.from_numpy(shuffle_patches(hwc, patch, perm)).permute(2, 0, 1)[None]


def test_backbone_returns_det_tokens_of_each_out_index():
    torch.manual_seed(0)
    outs = tiny_backbone(out_indices=(0, 1))(torch.randn(2, 3, 32, 48))
    assert [tuple(o.shape) for o in outs] == [(2, 5, 32), (2, 5, 32)]
    assert not torch.allclose(outs[0], outs[1])


def test_without_position_embedding_det_tokens_ignore_where_patches_are():
    """Why YOLOS on MI needs pos_embed: a position-free ViT cannot say where anything is."""
    torch.manual_seed(0)
    img = torch.randn(1, 3, 32, 32)
    shuffled = shuffled_image(img, patch=8)
    free = tiny_backbone()
    torch.testing.assert_close(free(shuffled)[0], free(img)[0], atol=1e-5, rtol=1e-4)
    torch.manual_seed(0)
    placed = tiny_backbone(pos_embed='sincos')
    assert (placed(shuffled)[0] - placed(img)[0]).abs().max() > 1e-3


def test_det_tokens_are_learned_and_in_the_stem_for_layer_decay():
    backbone = tiny_backbone()
    assert backbone.det_tokens.requires_grad and backbone.det_tokens.std() > 0
    assert backbone.get_layer_depth('backbone.det_tokens', 'backbone.') == (0, 4)
    assert backbone.get_layer_depth('backbone.layers.1.ffn.layers.1.weight', 'backbone.') == (2, 4)


@pytest.mark.parametrize('kwargs, error', [
    (dict(out_type='featmap'), 'out_type'),
    (dict(num_det_tokens=0), 'num_det_tokens'),
])
def test_backbone_rejects_bad_arguments(kwargs, error):
    with pytest.raises(ValueError, match=error):
        tiny_backbone(**kwargs)


def yolos_cfg(embed_dims=32, **backbone):
    return dict(
        backbone=dict(
            type='mmppml.YOLOSBackbone',
            arch=TINY,
            patch_size=8,
            embed_mode='mi',
            num_det_tokens=6,
            pos_embed='sincos',
            init_cfg=None,
            **backbone),
        # loss_cls spelled out: DETRHead edits its default loss_cls dict in place when built.
        bbox_head=dict(
            type='DETRHead',
            num_classes=2,
            embed_dims=embed_dims,
            loss_cls=dict(type='CrossEntropyLoss', bg_cls_weight=0.1, class_weight=1.0)),
        train_cfg=Config.fromfile(YOLOS_BASE).yolos_pevit_mi.train_cfg,  # the configs' Hungarian matching
        test_cfg=dict(max_per_img=6),
        data_preprocessor=dict(type='DetDataPreprocessor', pad_size_divisor=8))


def test_detector_losses_include_auxiliary_layers_and_predict_rescales():
    from mmdet.testing import demo_mm_inputs
    torch.manual_seed(0)
    model = YOLOS(**yolos_cfg(out_indices=(0, 1)))
    model.init_weights()
    data = model.data_preprocessor(demo_mm_inputs(2, [[3, 64, 64], [3, 48, 64]], num_classes=2), True)
    losses = model(**data, mode='loss')
    assert {'loss_cls', 'loss_bbox', 'loss_iou', 'd0.loss_cls', 'd0.loss_bbox', 'd0.loss_iou'} <= set(losses)
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())

    model.eval()
    inputs = demo_mm_inputs(1, [[3, 64, 48]], num_classes=2)
    inputs['data_samples'][0].set_metainfo(dict(scale_factor=(0.5, 0.25)))
    with torch.no_grad():
        data = model.data_preprocessor(inputs, False)
        scaled = model(**data, mode='predict')[0].pred_instances
        raw = model.predict(data['inputs'], data['data_samples'], rescale=False)[0].pred_instances
    assert len(scaled) == 6 and set(scaled.labels.tolist()) <= {0, 1}
    torch.testing.assert_close(scaled.bboxes, raw.bboxes / torch.tensor([0.5, 0.25, 0.5, 0.25]))


def test_detector_rejects_head_width_unlike_the_backbone():
    with pytest.raises(ValueError, match='embed_dims'):
        YOLOS(**yolos_cfg(embed_dims=64))


def test_det_tokens_attend_to_the_patch_tokens():
    """Changing one patch of the image changes every detection token, and so the predictions."""
    from mmdet.testing import demo_mm_inputs
    torch.manual_seed(0)
    backbone = tiny_backbone(pos_embed='sincos')
    img = torch.randn(1, 3, 32, 32)
    changed = img.clone()
    changed[..., 8:16, 16:24] += 3  # one 8 x 8 patch
    with torch.no_grad():
        before, after = backbone(img)[0], backbone(changed)[0]
    assert ((after - before).abs().amax(-1) > 1e-3).all()  # each of the 5 tokens moved

    model = YOLOS(**yolos_cfg()).eval()
    model.init_weights()
    inputs = demo_mm_inputs(1, [[3, 32, 32]], num_classes=2)
    with torch.no_grad():
        data = model.data_preprocessor(inputs, False)
        first = model(**data, mode='predict')[0].pred_instances
        data['inputs'] = data['inputs'].flip(-1)
        second = model(**data, mode='predict')[0].pred_instances
    assert not torch.allclose(first.bboxes, second.bboxes)


def test_predicted_boxes_lie_in_the_original_image():
    """Boxes come back in the coordinates of the image before the pipeline's resize (ori_shape)."""
    from mmdet.testing import demo_mm_inputs
    torch.manual_seed(0)
    model = YOLOS(**yolos_cfg()).eval()
    model.init_weights()
    inputs = demo_mm_inputs(1, [[3, 32, 48]], num_classes=2)
    inputs['data_samples'][0].set_metainfo(dict(scale_factor=(0.5, 0.25), ori_shape=(128, 96)))
    with torch.no_grad():
        pred = model(**model.data_preprocessor(inputs, False), mode='predict')[0]
    boxes = pred.pred_instances.bboxes
    assert pred.ori_shape == (128, 96) and (boxes >= 0).all()
    assert (boxes[:, 0::2] <= 96 + 1e-4).all() and (boxes[:, 1::2] <= 128 + 1e-4).all()
    assert (boxes[:, 2] >= boxes[:, 0]).all() and (boxes[:, 3] >= boxes[:, 1]).all()
    assert boxes[:, 0::2].max() > 48 or boxes[:, 1::2].max() > 32  # not left in the resized image's frame


def test_the_loss_decreases_on_a_fixed_tiny_batch():
    from mmdet.testing import demo_mm_inputs
    torch.manual_seed(0)
    model = YOLOS(**yolos_cfg())
    model.init_weights()
    data = model.data_preprocessor(demo_mm_inputs(2, [[3, 32, 32], [3, 32, 32]], num_classes=2), True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    totals = []
    for _ in range(10):
        losses = model(**data, mode='loss')
        total = sum(v for k, v in losses.items() if 'loss' in k)
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        totals.append(float(total))
    assert all(torch.isfinite(torch.tensor(totals)))
    assert totals[-1] < 0.85 * totals[0] and totals[-1] == min(totals), totals
