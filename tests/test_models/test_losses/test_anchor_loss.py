"""Predefined anchors and the Euclidean / cosine anchor losses."""
import pytest
import torch
import torch.nn.functional as F

from mmppml.models.losses import CosineAnchorLoss, EuclideanAnchorLoss, make_anchors

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
