import numpy as np
import pytest

from mmppml.crypto import to_blocks
from mmppml.privacy import GreedyJigsawSolver, jigsaw_scores, mgc_dissimilarities, placed_origins
from mmppml.privacy.attacks.compatibility import as_pieces


def solve_shuffled(img, patch, seed=0):
    gh, gw = img.shape[0] // patch, img.shape[1] // patch
    perm = np.random.default_rng(seed).permutation(gh * gw)
    layout = GreedyJigsawSolver().solve(to_blocks(img, patch)[perm], (gh, gw))
    assert sorted(layout.ravel()) == list(range(gh * gw))  # every piece used once
    return jigsaw_scores(placed_origins(layout, perm))


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_solves_smooth_images(make_smooth, seed):
    scores = solve_shuffled(make_smooth((96, 96, 3), sigma=4, seed=seed), 16, seed)
    assert scores == dict(direct=1.0, direct_shifted=1.0, neighbour=1.0)


def test_solves_non_square_grid_and_gray(make_smooth):
    assert solve_shuffled(make_smooth((64, 96), sigma=3, seed=5), 8)['neighbour'] == 1.0


@pytest.mark.parametrize('shape', [(16, 64, 3), (32, 16)])
def test_solves_strips(make_smooth, shape):
    assert solve_shuffled(make_smooth(shape, sigma=3, seed=1), 16, seed=1)['direct'] == 1.0


def test_solves_a_downscaled_photo():
    pytest.importorskip('skimage')
    from mmppml.privacy.images import load_photo, square_resize
    scores = solve_shuffled(square_resize(load_photo('coffee'), 96), 16)
    assert scores['neighbour'] == 1.0 and scores['direct'] == 1.0


def test_fails_on_noise():
    img = np.random.default_rng(0).integers(0, 256, (128, 128, 3)).astype(np.uint8)
    scores = solve_shuffled(img, 16)
    assert scores['neighbour'] < 0.15 and scores['direct'] < 0.15  # chance is about 1/63


def test_mgc_matches_a_direct_computation(make_smooth):
    blocks = to_blocks(make_smooth((32, 32, 3), sigma=2, seed=3), 8)
    pieces = as_pieces(blocks)
    ridge_ratio = 0.01
    right, down = mgc_dissimilarities(blocks, ridge_ratio)
    grads = np.concatenate([
        pieces[:, :, -1] - pieces[:, :, -2], pieces[:, :, 0] - pieces[:, :, 1], pieces[:, -1] - pieces[:, -2],
        pieces[:, 0] - pieces[:, 1]
    ],
                           axis=1)
    ridge = ridge_ratio * grads.var(axis=(0, 1)).mean() + 1e-12

    def one_side(g_inside, boundary):
        mu = g_inside.mean(0)
        cov = np.cov(g_inside, rowvar=False) + ridge * np.eye(3)
        d = boundary - mu
        return np.einsum('pc,cd,pd->', d, np.linalg.inv(cov), d)

    for i, j in [(0, 1), (5, 2), (3, 15)]:
        a, b = pieces[i], pieces[j]
        expect_lr = (
            one_side(a[:, -1] - a[:, -2], b[:, 0] - a[:, -1]) + one_side(b[:, 0] - b[:, 1], a[:, -1] - b[:, 0]))
        assert right[i, j] == pytest.approx(expect_lr, rel=1e-6)
        expect_tb = (one_side(a[-1] - a[-2], b[0] - a[-1]) + one_side(b[0] - b[1], a[-1] - b[0]))
        assert down[i, j] == pytest.approx(expect_tb, rel=1e-6)
    assert np.isinf(np.diag(right)).all()


def test_wrong_grid_is_refused(make_smooth):
    with pytest.raises(ValueError, match='do not fill'):
        GreedyJigsawSolver().solve(to_blocks(make_smooth((32, 32, 3)), 8), (3, 3))
