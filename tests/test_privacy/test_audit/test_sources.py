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
