"""The demo's runs: which images each split reads."""
import pytest

from projects.fashion_mnist_privacy.experiments.fashion_runs import split_indices


def test_validation_split_is_held_out_of_training():
    split = split_indices(60000, None, 5000, quick=False)
    assert split['train'] == 55000 and split['evaluation'] == list(range(55000, 60000))
    small = split_indices(60000, 4000, 5000, quick=False)
    assert small['train'] == 4000 and min(small['evaluation']) >= 55000
    assert split_indices(60000, None, None, quick=False) == dict(train=None, evaluation=None)
    with pytest.raises(ValueError, match='leaves no training images'):
        split_indices(100, None, 100, quick=False)
