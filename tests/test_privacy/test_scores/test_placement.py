import numpy as np
import pytest

from mmppml.privacy.scores.placement import (chance_neighbour_score, direct_comparison, jigsaw_scores,
                                             neighbour_comparison, placed_origins, shifted_direct_comparison)


def test_identity_scores_one():
    placed = np.arange(20).reshape(4, 5)
    assert jigsaw_scores(placed) == dict(direct=1.0, direct_shifted=1.0, neighbour=1.0)


def test_swap_of_two_non_adjacent_blocks():
    placed = np.arange(16).reshape(4, 4)
    placed[1, 1], placed[2, 2] = 10, 5  # diagonal cells: no pair between them
    assert direct_comparison(placed) == pytest.approx(14 / 16)
    # each swapped interior block loses its 4 pairs; the grid has 4*3 + 3*4 = 24 pairs
    assert neighbour_comparison(placed) == pytest.approx(16 / 24)


def test_swap_of_two_adjacent_blocks():
    placed = np.arange(9).reshape(3, 3)
    placed[0, 0], placed[0, 1] = 1, 0
    # lost: (0,1) itself (now reversed), (1,2), (0,3), (1,4); kept: 12 - 4 = 8
    assert neighbour_comparison(placed) == pytest.approx(8 / 12)
    assert direct_comparison(placed) == pytest.approx(7 / 9)


def test_translation_is_forgiven_by_shift_and_neighbour_scores():
    truth = np.arange(16).reshape(4, 4)
    placed = np.roll(truth, 1, axis=1)  # right picture, one column off (last column wrapped to the left)
    assert direct_comparison(placed) == 0.0
    assert shifted_direct_comparison(placed) == pytest.approx(12 / 16)
    # horizontal pairs inside the three intact columns (2 per row) and all vertical pairs survive
    assert neighbour_comparison(placed) == pytest.approx((4 * 2 + 12) / 24)


def test_pairs_across_a_row_end_do_not_count():
    # 3 ends row 0 of the 2x4 truth: 3 next to 4 is not a true pair although they are consecutive
    placed = np.array([[2, 3, 4, 5], [6, 7, 0, 1]])
    # kept: (2,3) (4,5) (6,7) (0,1) horizontally, 2 over 6 and 3 over 7 vertically; 10 pairs in all
    assert neighbour_comparison(placed) == pytest.approx(6 / 10)


def test_chance_score_matches_random_layouts():
    rng = np.random.default_rng(0)
    grid = (4, 5)
    scores = [neighbour_comparison(rng.permutation(20).reshape(grid)) for _ in range(4000)]
    assert np.mean(scores) == pytest.approx(chance_neighbour_score(grid), rel=0.1)


def test_placed_origins_maps_layout_through_permutation():
    perm = np.array([2, 0, 3, 1])  # shuffled block i came from original position perm[i]
    layout = np.argsort(perm).reshape(2, 2)  # the correct reassembly
    np.testing.assert_array_equal(placed_origins(layout, perm), np.arange(4).reshape(2, 2))
    assert placed_origins(np.array([[0, -1]]), perm).tolist() == [[2, -1]]


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match='2-D int'):
        neighbour_comparison(np.arange(4.0).reshape(2, 2))
    with pytest.raises(ValueError, match='outside'):
        direct_comparison(np.array([[0, 7]]))
