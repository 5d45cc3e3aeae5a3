"""YOLOSHead: DETRHead with 3-layer MLPs for classes and boxes."""
import pytest
import torch
import torch.nn as nn

from mmppml.models.heads import YOLOSHead

pytestmark = pytest.mark.usefixtures('mmdet_scope')


def head(**kwargs):
    cfg = dict(
        num_classes=2,
        embed_dims=16,
        loss_cls=dict(type='CrossEntropyLoss', bg_cls_weight=0.1, use_sigmoid=False, class_weight=1.0))
    cfg.update(kwargs)
    return YOLOSHead(**cfg)


def linear_layers(module):
    return [m for m in module.modules() if isinstance(m, nn.Linear)]


def test_class_and_box_branches_are_3_layer_mlps():
    model = head()
    assert len(linear_layers(model.cls_ffn)) + 1 == 3  # + fc_cls
    assert len(linear_layers(model.reg_ffn)) + 1 == 3  # + fc_reg
    scores, boxes = model(torch.randn(2, 3, 5, 16))
    assert scores.shape == (2, 3, 5, 3) and boxes.shape == (2, 3, 5, 4)
    assert ((boxes > 0) & (boxes < 1)).all()


def test_class_scores_depend_on_the_hidden_layers():
    model = head()
    x = torch.randn(1, 1, 4, 16)
    before, _ = model(x)
    with torch.no_grad():
        linear_layers(model.cls_ffn)[0].weight.mul_(2)
    after, _ = model(x)
    assert (after - before).abs().max() > 1e-4


def test_linear_class_layer_as_detr():
    model = head(num_cls_fcs=0)
    assert not hasattr(model, 'cls_ffn')
    x = torch.randn(1, 1, 4, 16)
    torch.testing.assert_close(model(x)[0], model.fc_cls(x))


@pytest.mark.parametrize('num_cls_fcs', [1, -1, 2.0])
def test_bad_num_cls_fcs(num_cls_fcs):
    with pytest.raises(ValueError, match='num_cls_fcs'):
        head(num_cls_fcs=num_cls_fcs)


def test_no_object_class_weighted_by_bg_cls_weight():
    model = head()
    assert model.bg_cls_weight == pytest.approx(0.1)
    assert list(model.loss_cls.class_weight) == pytest.approx([1.0, 1.0, 0.1])
