"""Predefined anchors, the Euclidean / cosine anchor losses and the nearest-anchor head."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import init_default_scope
from mmpretrain.models.losses import CrossEntropyLoss
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
from mmpretrain.structures import DataSample

from mmppml.models.heads import AnchorClsHead
from mmppml.models.losses import CosineAnchorLoss, EuclideanAnchorLoss, make_anchors
from mmppml.registry import MODELS

LOSSES = [EuclideanAnchorLoss, CosineAnchorLoss]


def _off_diagonal(matrix):
    return matrix[~torch.eye(matrix.size(0), dtype=torch.bool)]


@pytest.mark.parametrize('num_classes,embed_dims', [(2, 1), (5, 4), (7, 16)])
def test_simplex_anchors_are_unit_and_equiangular(num_classes, embed_dims):
    anchors = make_anchors(num_classes, embed_dims, 'simplex')
    assert anchors.shape == (num_classes, embed_dims)
    torch.testing.assert_close(anchors.norm(dim=1), torch.ones(num_classes))
    cosines = _off_diagonal(anchors @ anchors.T)
    torch.testing.assert_close(cosines, torch.full_like(cosines, -1 / (num_classes - 1)))
    # The most separated configuration: the anchors are centred at the origin.
    torch.testing.assert_close(anchors.sum(dim=0), torch.zeros(embed_dims), atol=1e-5, rtol=0)


@pytest.mark.parametrize('num_classes,embed_dims', [(2, 2), (5, 5), (4, 12)])
def test_orthonormal_anchors_are_orthonormal(num_classes, embed_dims):
    anchors = make_anchors(num_classes, embed_dims, 'orthonormal')
    torch.testing.assert_close(anchors @ anchors.T, torch.eye(num_classes), atol=1e-6, rtol=0)


def test_anchors_depend_on_the_seed_only():
    assert torch.equal(make_anchors(6, 8, seed=3), make_anchors(6, 8, seed=3))
    assert not torch.allclose(make_anchors(6, 8, seed=3), make_anchors(6, 8, seed=4))


@pytest.mark.parametrize('args,message', [
    ((10, 8, 'simplex'), 'embed_dims >= 9'),
    ((10, 9, 'orthonormal'), 'embed_dims >= 10'),
    ((1, 4, 'simplex'), 'num_classes >= 2'),
    ((3, 0, 'simplex'), 'embed_dims must be a positive int'),
    ((3, 4, 'spherical'), 'Unknown anchor principle'),
])
def test_impossible_anchor_geometry_is_refused(args, message):
    with pytest.raises(ValueError, match=message):
        make_anchors(*args)


@pytest.mark.parametrize('loss_cls', LOSSES)
def test_anchors_are_a_fixed_buffer(loss_cls):
    loss = loss_cls(num_classes=4, embed_dims=6)
    assert 'anchors' in loss.state_dict()
    assert not any(p is loss.anchors for p in loss.parameters())
    assert not loss.anchors.requires_grad
    # A checkpoint restores the anchors it was trained with.
    other = loss_cls(num_classes=4, embed_dims=6, seed=1)
    other.load_state_dict(loss.state_dict())
    assert torch.equal(other.anchors, loss.anchors)


@pytest.mark.parametrize('loss_cls', LOSSES)
@pytest.mark.parametrize('principle', ['simplex', 'orthonormal'])
def test_gradient_steps_pull_features_to_their_anchors(loss_cls, principle):
    torch.manual_seed(0)
    loss_fn = loss_cls(num_classes=5, embed_dims=8, principle=principle)
    labels = torch.tensor([0, 1, 2, 3, 4, 0, 2])
    feats = torch.randn(7, 8, requires_grad=True)
    optimizer = torch.optim.SGD([feats], lr=0.4)

    def own_distances():
        return loss_fn.distances(feats.detach()).gather(1, labels[:, None]).squeeze(1)

    def step():
        optimizer.zero_grad()
        loss_fn(feats, labels, reduction_override='sum').backward()
        optimizer.step()

    before = own_distances()
    step()
    assert (own_distances() < before).all()  # each sample moves towards its own anchor
    for _ in range(60):
        step()
    assert own_distances().max() < 0.2 * before.mean()
    # Pulled towards the right anchor, the features end up classified by it.
    assert torch.equal(loss_fn.distances(feats.detach()).argmin(dim=1), labels)


def test_loss_values_at_and_away_from_the_anchors():
    euclidean = EuclideanAnchorLoss(num_classes=2, embed_dims=3, radius=2.0)
    cosine = CosineAnchorLoss(num_classes=2, embed_dims=3)
    labels = torch.tensor([0, 1])
    anchors = euclidean.anchors  # the same seed gives the same anchors to both losses
    torch.testing.assert_close(euclidean(2 * anchors, labels), torch.tensor(0.))
    # A K=2 simplex is a pair of opposite vectors: the wrong anchor is at distance 2 * radius.
    torch.testing.assert_close(euclidean(2 * anchors, labels.flip(0)), torch.tensor(16.))
    torch.testing.assert_close(cosine(5 * anchors, labels), torch.tensor(0.))
    torch.testing.assert_close(cosine(5 * anchors, labels.flip(0)), torch.tensor(2.))
    # Normalised features: only the direction counts.
    normalised = EuclideanAnchorLoss(num_classes=2, embed_dims=3, radius=2.0, normalize=True)
    torch.testing.assert_close(normalised(7 * anchors, labels), torch.tensor(0.))


@pytest.mark.parametrize('loss_cls', LOSSES)
def test_reduction_weights_avg_factor_and_soft_labels(loss_cls):
    torch.manual_seed(0)
    loss_fn = loss_cls(num_classes=3, embed_dims=4, loss_weight=0.5)
    feats, labels = torch.randn(4, 4), torch.tensor([0, 2, 1, 2])
    per_sample = loss_fn(feats, labels, reduction_override='none')
    assert per_sample.shape == (4, )
    torch.testing.assert_close(loss_fn(feats, labels), per_sample.mean())
    torch.testing.assert_close(loss_fn(feats, labels, reduction_override='sum'), per_sample.sum())
    torch.testing.assert_close(loss_fn(feats, labels, avg_factor=2), per_sample.sum() / 2)
    weight = torch.tensor([1., 0., 2., 0.])
    torch.testing.assert_close(loss_fn(feats, labels, weight=weight), (per_sample * weight).mean())
    torch.testing.assert_close(loss_fn(feats, labels), 0.5 * loss_cls(3, 4)(feats, labels))
    # One-hot labels give the same loss; soft labels weight the distances to the anchors.
    torch.testing.assert_close(loss_fn(feats, F.one_hot(labels, 3).float()), loss_fn(feats, labels))
    soft = torch.tensor([[0.7, 0.3, 0.], [0., 0.5, 0.5], [0., 1., 0.], [0.2, 0.2, 0.6]])
    expected = 0.5 * (loss_fn.distances(feats) * soft).sum(dim=1).mean()
    torch.testing.assert_close(loss_fn(feats, soft), expected)


@pytest.mark.parametrize('feats,labels,error,message', [
    (torch.zeros(2, 5), torch.tensor([0, 1]), ValueError, r'shape \(N, 4\)'),
    (torch.zeros(2, 4), torch.tensor([0, 3]), ValueError, r'Labels must lie in \[0, 3\)'),
    (torch.zeros(2, 4), torch.tensor([0, 1, 2]), ValueError, '3 labels for 2 features'),
    (torch.zeros(2, 4), torch.tensor([0., 1.]), TypeError, 'integer tensor'),
    (torch.zeros(2, 4), torch.zeros(2, 4), ValueError, r'shape \(2, 3\)'),
])
def test_bad_loss_inputs_are_refused(feats, labels, error, message):
    with pytest.raises(error, match=message):
        CosineAnchorLoss(num_classes=3, embed_dims=4)(feats, labels)


def test_bad_loss_arguments_are_refused():
    with pytest.raises(ValueError, match='reduction must be one of'):
        CosineAnchorLoss(3, 4, reduction='avg')
    with pytest.raises(ValueError, match='radius must be positive'):
        EuclideanAnchorLoss(3, 4, radius=0)
    with pytest.raises(ValueError, match='embed_dims >= 3'):
        EuclideanAnchorLoss(3, 2, principle='orthonormal')


def _identity_head(loss_type, num_classes=4, dims=6):
    head = AnchorClsHead(
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
    head = AnchorClsHead(num_classes=3, in_channels=8, hidden_dims=16, ce_weight=1.0, init_cfg=None)
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
        AnchorClsHead(num_classes=10, in_channels=16, embed_dims=8)
    with pytest.raises(ValueError, match='Unknown anchor principle'):
        AnchorClsHead(num_classes=3, in_channels=16, loss=dict(type='mmppml.CosineAnchorLoss', principle='random'))
    with pytest.raises(TypeError, match='needs an anchor loss'):
        AnchorClsHead(num_classes=3, in_channels=16, loss=CrossEntropyLoss())
    with pytest.raises(ValueError, match='its loss has num_classes=4'):
        AnchorClsHead(num_classes=3, in_channels=16, loss=CosineAnchorLoss(4, 3))
    head = AnchorClsHead(num_classes=3, in_channels=16)
    with pytest.raises(ValueError, match='pool feature maps first'):
        head((torch.zeros(2, 16, 4, 4), ))


def test_losses_and_head_are_registered():
    assert MODELS.get('EuclideanAnchorLoss') is EuclideanAnchorLoss
    assert MODELS.get('CosineAnchorLoss') is CosineAnchorLoss
    assert MMPRETRAIN_MODELS.get('mmppml.AnchorClsHead') is AnchorClsHead


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
                type='mmppml.AnchorClsHead',
                num_classes=3,
                in_channels=32,
                embed_dims=8,
                hidden_dims=16,
                loss=dict(type=loss_type),
                ce_weight=0.5)))
    assert isinstance(model.head, AnchorClsHead)
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
