"""InMemoryFashionMNIST: the IDX files (gzipped or not) as one tensor; samples and batches as PackInputs gives them."""

import numpy as np
import pytest
import torch
from mmengine.dataset import default_collate

from mmppml.datasets import InMemoryFashionMNIST
from mmppml.idx import write_idx


@pytest.fixture(params=[False, True], ids=['plain', 'gzipped'])
def root(tmp_path, request):
    rng = np.random.default_rng(0)
    suffix = '.gz' if request.param else ''
    for split, n in (('train', 12), ('t10k', 5)):
        write_idx(str(tmp_path / f'{split}-images-idx3-ubyte{suffix}'), rng.integers(0, 256, (n, 28, 28)))
        write_idx(str(tmp_path / f'{split}-labels-idx1-ubyte{suffix}'), np.arange(n) % 10)
    return tmp_path


def test_samples_and_batches_hold_the_files_images_and_labels(root):
    from mmppml.idx import read_idx
    suffix = '.gz' if (root / 'train-images-idx3-ubyte.gz').exists() else ''
    images = read_idx(str(root / f'train-images-idx3-ubyte{suffix}'), 0x803)
    dataset = InMemoryFashionMNIST(str(root), split='train')
    assert len(dataset) == 12 and len(InMemoryFashionMNIST(str(root), split='test')) == 5
    sample = dataset[3]
    assert sample['inputs'].dtype == torch.uint8 and tuple(sample['inputs'].shape) == (1, 28, 28)
    assert torch.equal(sample['inputs'][0], torch.from_numpy(images[3]))
    assert int(sample['data_samples'].gt_label) == 3
    batch = default_collate(dataset.__getitems__([5, 0, 11]))
    assert torch.equal(batch['inputs'][:, 0], torch.from_numpy(images[[5, 0, 11]]))
    assert [int(s.gt_label) for s in batch['data_samples']] == [5, 0, 1]
    assert dataset.metainfo['classes'][9] == 'Ankle boot'


def test_a_new_image_packed_is_a_sample(root):
    """The one pipeline allowed, for inferencers: PackInputs makes of a 28 x 28 image what the dataset serves."""
    from mmpretrain.datasets import PackInputs
    dataset = InMemoryFashionMNIST(str(root), split='test', pipeline=[dict(type='PackInputs')])
    packed = PackInputs()(dict(img=dataset.images[2, 0].numpy().copy(), gt_label=dataset.labels[2]))
    sample = dataset[2]
    assert packed['inputs'].dtype == sample['inputs'].dtype and torch.equal(packed['inputs'], sample['inputs'])
    assert int(packed['data_samples'].gt_label) == int(sample['data_samples'].gt_label)
    with pytest.raises(ValueError, match='can only be'):
        InMemoryFashionMNIST(str(root), pipeline=[dict(type='Pad', size=(32, 32)), dict(type='PackInputs')])


def test_indices_keep_a_subset(root):
    assert len(InMemoryFashionMNIST(str(root), indices=4)) == 4
    subset = InMemoryFashionMNIST(str(root), indices=[7, 2])
    assert [int(subset[i]['data_samples'].gt_label) for i in range(2)] == [7, 2]
    with pytest.raises(ValueError, match='split'):
        InMemoryFashionMNIST(str(root), split='val')
    with pytest.raises(FileNotFoundError):
        InMemoryFashionMNIST(str(root / 'missing'))
