"""The cell attacks' pieces: the bag painter and the class prototypes of the label attack."""
import numpy as np
import pytest

from mmppml.privacy.attacks.cell_attacks import class_prototypes, paint_bags, typical_rank_order


def test_bags_painted_by_typical_ranks():
    # public blocks (1 image, 2 blocks of 2 x 2) whose brightest pixel is always the top-left one
    public = np.array([[[[9, 1], [2, 3]], [[8, 4], [5, 6]]]])
    order = typical_rank_order(public)
    np.testing.assert_array_equal(order, [[1, 2, 3, 0], [1, 2, 3, 0]])
    painted = paint_bags(np.array([[10, 20, 30, 40], [1, 2, 3, 4]]), order, 2)
    np.testing.assert_array_equal(painted, [[[40, 10], [20, 30]], [[4, 1], [2, 3]]])


def test_class_prototypes_are_the_images_nearest_to_their_class_mean():
    images = np.array([[[0]], [[10]], [[4]], [[200]], [[250]], [[240]]], dtype=np.uint8)
    labels = np.array([0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(class_prototypes(images, labels, 2)[:, 0, 0], [4, 240])
    with pytest.raises(ValueError, match='class 2'):
        class_prototypes(images, labels, 3)
