"""Fashion-MNIST decoded once into one tensor: samples are views, a batch is one gather, no pipeline.

For configs that pad and encrypt on the training device (:class:`mmppml.models.EncryptingClsDataPreprocessor`):
the loader then does no per-image work beyond making each sample's label.
"""
import os.path as osp
from typing import Optional, Sequence, Union

import numpy as np
import torch
from torch.utils.data import Dataset

from mmppml.idx import read_idx
from mmppml.registry import DATASETS

CLASSES = ('T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot')
FILES = dict(train='train', test='t10k')


@DATASETS.register_module()
class InMemoryFashionMNIST(Dataset):
    """Fashion-MNIST (or MNIST) from its IDX files, plain or gzipped, held as one uint8 tensor.

    Each sample is ``dict(inputs=(1, 28, 28) uint8 tensor, data_samples=DataSample with gt_label)``,
    the plain image as mmpretrain's ``PackInputs`` would give it; ``__getitems__`` serves a whole
    batch with one gather (torch's ``DataLoader`` calls it). Collate with ``default_collate``.

    Args:
        data_root (str): folder with ``{train,t10k}-{images-idx3,labels-idx1}-ubyte`` (``.gz`` or not).
        split (str): ``'train'`` or ``'test'``.
        test_mode (bool): accepted for configs written for mmpretrain's ``FashionMNIST``; unused.
        indices (int | Sequence[int], optional): keep the first N samples, or these samples.
        metainfo (dict, optional): ``classes`` (default: the ten Fashion-MNIST classes).
        pipeline (list, optional): what turns one new image into a sample, for the tools that read a
            dataset's pipeline (mmpretrain's ``ImageClassificationInferencer``): ``[PackInputs]``, the
            only pipeline allowed, as the samples here are packed already.
        lazy_init (bool): accepted as MMEngine datasets take it; the files are read at once.
    """

    METAINFO = dict(classes=CLASSES)

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 test_mode: bool = False,
                 indices: Optional[Union[int, Sequence[int]]] = None,
                 metainfo: Optional[dict] = None,
                 pipeline: Optional[Sequence[dict]] = None,
                 lazy_init: bool = False) -> None:
        if split not in FILES:
            raise ValueError(f'split must be one of {tuple(FILES)}, got {split!r}')
        if pipeline is not None and [dict(t).get('type') for t in pipeline] not in ([], ['PackInputs']):
            raise ValueError(f'{type(self).__name__} serves packed plain images: its pipeline can only be '
                             f"[dict(type='PackInputs')] (for inferencers), got {list(pipeline)}; pad and "
                             'encrypt in the data preprocessor, or use mmpretrain\'s FashionMNIST with transforms')
        self.data_root, self.split, self.test_mode = data_root, split, test_mode
        self.metainfo = dict(self.METAINFO, **(metainfo or {}))
        prefix = FILES[split]
        images = read_idx(self._file(f'{prefix}-images-idx3-ubyte'), 0x803)
        labels = read_idx(self._file(f'{prefix}-labels-idx1-ubyte'), 0x801)
        if len(images) != len(labels):
            raise ValueError(f'{data_root}: {len(images)} {split} images but {len(labels)} labels')
        keep = self._indices(indices, len(images))
        self.images = torch.from_numpy(np.ascontiguousarray(images[keep]))[:, None]  # (N, 1, H, W)
        self.labels = labels[keep].astype(np.int64).tolist()

    def _file(self, name: str) -> str:
        path = osp.join(self.data_root, name)
        if osp.isfile(path):
            return path
        if osp.isfile(path + '.gz'):
            return path + '.gz'
        raise FileNotFoundError(f'{path} (or {name}.gz) not found')

    @staticmethod
    def _indices(indices, count: int):
        if indices is None:
            return slice(None)
        if isinstance(indices, int):
            return slice(0, indices)
        return np.asarray(indices, dtype=np.int64)

    def full_init(self) -> None:
        """Nothing to do: the files were read when the dataset was made."""

    def __len__(self) -> int:
        return len(self.labels)

    def _sample(self, img: torch.Tensor, label: int) -> dict:
        from mmpretrain.structures import DataSample
        return dict(inputs=img, data_samples=DataSample().set_gt_label(label))

    def __getitem__(self, index: int) -> dict:
        return self._sample(self.images[index], self.labels[index])

    def __getitems__(self, indices: Sequence[int]) -> list:
        batch = self.images[torch.as_tensor(indices, dtype=torch.long)]
        return [self._sample(img, self.labels[i]) for img, i in zip(batch.unbind(0), indices)]
