"""Image sets: folders (labelled by sub-folder), COCO files, overlaps refused, preparation."""
import os.path as osp
import shutil

import numpy as np
import pytest

from mmppml.privacy.audit import check_disjoint, dataset_cfg, from_dataset, from_folder, from_path, prepare_image


def test_a_folder_of_class_folders_is_labelled_and_a_coco_file_is_not(tmp_path, write_images):
    folder = from_folder(write_images(tmp_path / 'f', 6, classes=3))
    assert len(folder) == 6 and sorted(np.bincount(folder.labels)) == [2, 2, 2]
    assert all(osp.basename(osp.dirname(p)) == f'c{lb}' for p, lb in zip(folder.paths, folder.labels))
    assert from_folder(write_images(tmp_path / 'flat', 3)).labels is None
    coco = from_path(write_images(tmp_path / 'coco', 4, coco=True))
    assert len(coco) == 4 and coco.labels is None and all(osp.exists(p) for p in coco.paths)
    assert len(folder.subset(4, np.random.default_rng(0))) == 4


def test_a_detection_configs_coco_datasets_are_its_image_sets(tmp_path, write_images):
    """An mmdet config's own CocoDataset (train and val) gives the images its ann file lists, unlabelled."""
    train_ann = write_images(tmp_path / 'train', 5, coco=True)
    val_ann = write_images(tmp_path / 'val', 3, seed=50, coco=True)

    def loader(ann):
        return dict(
            dataset=dict(
                type='CocoDataset',
                data_root=osp.dirname(ann) + '/',
                ann_file='ann.json',
                data_prefix=dict(img=''),
                test_mode=True,
                pipeline=[dict(type='LoadImageFromFile')]))

    cfg = dict(default_scope='mmdet', train_dataloader=loader(train_ann), val_dataloader=loader(val_ann))
    public, private = from_dataset(*dataset_cfg(cfg, 'train')), from_dataset(*dataset_cfg(cfg, 'val'))
    assert sorted(map(osp.basename, public.paths)) == [f'{i}.png' for i in range(5)]
    assert sorted(map(osp.basename, private.paths)) == [f'{i}.png' for i in range(50, 53)]
    assert public.labels is None and private.labels is None and all(osp.exists(p) for p in private.paths)
    check_disjoint(public, private)


def test_overlapping_public_and_private_sets_are_refused(tmp_path, write_images):
    private = from_folder(write_images(tmp_path / 'private', 4))
    with pytest.raises(ValueError, match='overlap in 4 image'):
        check_disjoint(from_folder(str(tmp_path / 'private')), private)
    public_dir = write_images(tmp_path / 'public', 4, seed=100)
    check_disjoint(from_folder(public_dir), private)  # disjoint: no error
    shutil.copy(private.paths[0], osp.join(public_dir, 'renamed.png'))  # the same bytes under another name
    with pytest.raises(ValueError, match='overlap in 1 image'):
        check_disjoint(from_folder(public_dir), private)


def test_prepared_images_are_the_centre_at_the_training_scale():
    img = np.zeros((60, 100, 3), np.uint8)
    img[20:40, 40:60] = 255  # a white 20 px square in the centre
    out = prepare_image(img, scale=60, side=20)  # at the training scale, the centre 20 px: all white
    assert out.shape == (20, 20) and (out == 255).all()
    out = prepare_image(img, scale=30, side=20)  # at half scale the square is 10 px in a 20 px crop
    assert out.shape == (20, 20) and abs(int((out > 127).sum()) - 100) <= 20


def test_padding_is_what_the_data_preprocessor_adds_before_it_encrypts():
    img = np.random.default_rng(0).integers(1, 256, (28, 28), dtype=np.uint8)
    out = prepare_image(img, scale=28, side=32, pad_size_divisor=32, pad_value=7)
    assert out.shape == (32, 32) and (out[:28, :28] == img).all()  # the image at the top left, unchanged
    assert (out[28:] == 7).all() and (out[:, 28:] == 7).all()  # padded at the bottom and right
    assert (prepare_image(img, scale=28, side=24) == img[2:26, 2:26]).all()  # no padding: the centre


def test_a_dataset_serving_arrays_gives_its_images_and_labels(tmp_path):
    """mmppml.InMemoryFashionMNIST holds its images in memory: the set is those arrays, labelled; a public
    set with one of the private images is refused by its pixels."""
    from mmppml.idx import write_idx
    rng = np.random.default_rng(0)
    images = {split: rng.integers(0, 256, (n, 28, 28)).astype(np.uint8) for split, n in (('train', 12), ('t10k', 6))}
    for split, x in images.items():
        write_idx(str(tmp_path / f'{split}-images-idx3-ubyte'), x)
        write_idx(str(tmp_path / f'{split}-labels-idx1-ubyte'), np.arange(len(x)) % 3)

    def loader(split):
        return dict(dataset=dict(type='mmppml.InMemoryFashionMNIST', data_root=str(tmp_path), split=split))

    cfg = dict(default_scope='mmpretrain', train_dataloader=loader('train'), val_dataloader=loader('test'))
    public, private = from_dataset(*dataset_cfg(cfg, 'train')), from_dataset(*dataset_cfg(cfg, 'val'))
    assert (private.arrays == images['t10k']).all() and (private.labels == np.arange(6) % 3).all()
    assert len(public) == 12 and len(set(private.paths)) == 6
    check_disjoint(public, private)
    subset = private.subset(3, np.random.default_rng(1))
    assert all((subset.image(i) == images['t10k'][private.paths.index(p)]).all() for i, p in enumerate(subset.paths))
    first = private.subset(4, np.random.default_rng(1), ordered=True)  # the first images, in their order
    assert first.paths == private.paths[:4] and (first.arrays == images['t10k'][:4]).all()
    assert (first.labels == np.arange(4) % 3).all()
    public.arrays[4] = private.arrays[2]
    with pytest.raises(ValueError, match='overlap in 1 image'):
        check_disjoint(public, private)
