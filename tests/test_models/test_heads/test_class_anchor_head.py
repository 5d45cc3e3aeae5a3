"""The nearest-anchor classification head (mmppml/models/heads/class_anchor_head.py)."""
import pytest
import torch
from mmengine.registry import init_default_scope
from mmpretrain.models.losses import CrossEntropyLoss
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
from mmpretrain.structures import DataSample

from mmppml.models.heads import ClassAnchorHead
from mmppml.models.losses import CosineAnchorLoss, EuclideanAnchorLoss
from mmppml.registry import MODELS


def _identity_head(loss_type, num_classes=4, dims=6):
    head = ClassAnchorHead(
        num_classes=num_classes,
        in_channels=dims,
        embed_dims=dims,
        loss=dict(type=loss_type, principle='orthonormal'),
        init_cfg=None)
    with torch.no_grad():
        head.projection.weight.copy_(torch.eye(dims))
        head.projection.bias.zero_()
    return head


@pytest.mark.parametrize('loss_type', ['mmppml.EuclideanAnchorLoss', 'mmppml.CosineAnchorLoss'])
def test_head_predicts_the_nearest_anchor(loss_type):
    torch.manual_seed(0)
    head = _identity_head(loss_type)
    labels = torch.tensor([3, 0, 1, 2, 2, 1, 0, 3])
    feats = head.anchors[labels] + 0.05 * torch.randn(8, 6)
    predictions = head.predict((feats, ))
    assert [int(p.pred_label) for p in predictions] == labels.tolist()
    for sample in predictions:
        torch.testing.assert_close(sample.pred_score.sum(), torch.tensor(1.))
    # Scores rank the anchors by closeness: the nearest has the highest score.
    scores = head((feats, ))
    assert torch.equal(scores.argmax(dim=1), head.loss_module.distances(feats).argmin(dim=1))


def test_head_keeps_anchors_fixed_and_in_its_state_dict():
    head = ClassAnchorHead(num_classes=3, in_channels=8, hidden_dims=16, ce_weight=1.0, init_cfg=None)
    assert 'loss_module.anchors' in head.state_dict()
    assert all(p is not head.anchors for p in head.parameters())
    anchors = head.anchors.clone()
    samples = [DataSample().set_gt_label(i % 3) for i in range(4)]
    optimizer = torch.optim.SGD(head.parameters(), lr=0.5)
    losses = head.loss((torch.randn(4, 8), ), samples)
    assert set(losses) == {'loss_anchor', 'loss_ce'}
    sum(losses.values()).backward()
    optimizer.step()
    assert torch.equal(head.anchors, anchors)


def test_head_takes_mixup_scores_and_logs_accuracy():
    torch.manual_seed(0)
    head = _identity_head('mmppml.EuclideanAnchorLoss', num_classes=3, dims=3)
    feats = head.anchors[[0, 1, 2]].clone()
    mixed = [DataSample().set_gt_score(torch.tensor(s)) for s in ([1., 0., 0.], [0., 0.5, 0.5], [0., 0., 1.])]
    loss = head.loss((feats, ), mixed)['loss_anchor']
    # Exactly at their anchors: only the half-mixed sample (at anchor 1, half towards 2) costs.
    torch.testing.assert_close(loss, torch.tensor(0.5 * 2.0 / 3))
    head.cal_acc = True
    hard = [DataSample().set_gt_label(i) for i in (0, 1, 2)]
    losses = head.loss((feats, ), hard)
    torch.testing.assert_close(losses['accuracy_top-1'], torch.tensor([100.]))


def test_bad_head_arguments_are_refused():
    with pytest.raises(ValueError, match='embed_dims >= 9'):
        ClassAnchorHead(num_classes=10, in_channels=16, embed_dims=8)
    with pytest.raises(ValueError, match='Unknown anchor principle'):
        ClassAnchorHead(num_classes=3, in_channels=16, loss=dict(type='mmppml.CosineAnchorLoss', principle='random'))
    with pytest.raises(TypeError, match='needs an anchor loss'):
        ClassAnchorHead(num_classes=3, in_channels=16, loss=CrossEntropyLoss())
    with pytest.raises(ValueError, match='its loss has num_classes=4'):
        ClassAnchorHead(num_classes=3, in_channels=16, loss=CosineAnchorLoss(4, 3))
    head = ClassAnchorHead(num_classes=3, in_channels=16)
    with pytest.raises(ValueError, match='pool feature maps first'):
        head((torch.zeros(2, 16, 4, 4), ))


def test_losses_and_head_are_registered():
    assert MODELS.get('EuclideanAnchorLoss') is EuclideanAnchorLoss
    assert MODELS.get('CosineAnchorLoss') is CosineAnchorLoss
    assert MMPRETRAIN_MODELS.get('mmppml.ClassAnchorHead') is ClassAnchorHead


TINY_VIT = dict(
    type='VisionTransformer',
    arch=dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64),
    img_size=32,
    patch_size=8,
    init_cfg=None)
TINY_PEVIT = dict(
    type='mmppml.PEViT',
    arch=dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64),
    img_size=32,
    patch_size=8,
    in_channels=1,
    embed_mode='rs',
    init_cfg=None)


@pytest.mark.parametrize(
    'backbone,in_channels',
    [pytest.param(TINY_VIT, 3, id='vit'), pytest.param(TINY_PEVIT, 1, id='pevit')])
@pytest.mark.parametrize('loss_type', ['mmppml.EuclideanAnchorLoss', 'mmppml.CosineAnchorLoss'])
def test_head_trains_and_predicts_inside_an_image_classifier(backbone, in_channels, loss_type):
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = MMPRETRAIN_MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=backbone,
            head=dict(
                type='mmppml.ClassAnchorHead',
                num_classes=3,
                in_channels=32,
                embed_dims=8,
                hidden_dims=16,
                loss=dict(type=loss_type),
                ce_weight=0.5)))
    assert isinstance(model.head, ClassAnchorHead)
    inputs = torch.randn(6, in_channels, 32, 32)
    samples = [DataSample().set_gt_label(i % 3) for i in range(6)]

    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    first = None
    for _ in range(8):
        losses = model(inputs, samples, mode='loss')
        assert set(losses) == {'loss_anchor', 'loss_ce'}
        total = sum(losses.values())
        first = total.item() if first is None else first
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
    assert sum(model(inputs, samples, mode='loss').values()) < first

    model.eval()
    with torch.no_grad():
        predictions = model(inputs, samples, mode='predict')
        embeds = model.extract_feat(inputs, stage='pre_logits')
    assert embeds.shape == (6, 8)
    nearest = model.head.loss_module.distances(embeds).argmin(dim=1)
    assert [int(p.pred_label) for p in predictions] == nearest.tolist()
