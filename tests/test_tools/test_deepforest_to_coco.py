"""tools/dataset_converters/deepforest_to_coco.py on a synthetic Pascal VOC folder."""
import importlib.util
import json
import os.path as osp

import cv2
import numpy as np
import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
spec = importlib.util.spec_from_file_location('deepforest_to_coco',
                                              osp.join(ROOT, 'tools', 'dataset_converters', 'deepforest_to_coco.py'))
converter = importlib.util.module_from_spec(spec)
spec.loader.exec_module(converter)


def write_voc(folder, stem, img, objects, xml_filename=None):
    cv2.imwrite(osp.join(folder, stem + '.png'), img)
    body = ''.join(f'<object><name>{name}</name><bndbox><xmin>{x1}</xmin><ymin>{y1}</ymin><xmax>{x2}</xmax>'
                   f'<ymax>{y2}</ymax></bndbox></object>' for name, (x1, y1, x2, y2) in objects)
    with open(osp.join(folder, stem + '.xml'), 'w') as f:
        f.write(f'<annotation><filename>{xml_filename or stem + ".png"}</filename>{body}</annotation>')


@pytest.fixture
def voc_dir(tmp_path):
    data = tmp_path / 'data'
    data.mkdir()
    rng = np.random.default_rng(0)
    big = rng.integers(0, 255, (200, 300, 3), dtype=np.uint8)  # H x W: 2 x 3 tiles of 100
    write_voc(
        str(data),
        'big',
        big,
        [
            ('Tree', (10, 10, 40, 40)),  # inside tile (0, 0)
            ('Tree', (90, 10, 130, 30)),  # 25% in tile x0, 75% in tile x100: kept only in the second
            ('Tree', (180, 150, 220, 190)),  # halves in tiles x100 / x200 of row y100: kept in both
        ])
    small = rng.integers(0, 255, (90, 110, 3), dtype=np.uint8)
    # The annotation names a .tif the folder lacks; the .png of the same stem is used.
    write_voc(
        str(data), 'small', small, [('Dead', (5, 5, 25, 35)), ('Alive', (50, 40, 80, 80))], xml_filename='small.tif')
    return str(data), big


def load(out, split):
    with open(osp.join(out, 'annotations', f'{split}.json')) as f:
        return json.load(f)


def test_tiles_cover_each_photo_once_and_boxes_follow_their_tile(voc_dir, tmp_path):
    data, big = voc_dir
    out = str(tmp_path / 'coco')
    converter.convert(data, out, tile_size=100, min_visible=0.5, val_ratio=0.0)
    coco = load(out, 'train')
    assert load(out, 'val')['images'] == []
    names = {img['file_name']: img for img in coco['images']}
    assert len(names) == 6 + 1  # the 90 x 110 photo is one tile
    big_tiles = [img for name, img in names.items() if name.startswith('big')]
    assert sum(img['height'] * img['width'] for img in big_tiles) == 200 * 300
    tile = cv2.imread(osp.join(out, 'images', 'big_y100_x200.png'))
    np.testing.assert_array_equal(tile, big[100:200, 200:300])

    boxes = {}
    for ann in coco['annotations']:
        image = next(img for img in coco['images'] if img['id'] == ann['image_id'])
        boxes.setdefault(image['file_name'], []).append(ann['bbox'])
    assert boxes['big_y0_x0.png'] == [[10, 10, 30, 30]]
    assert boxes['big_y0_x100.png'] == [[0, 10, 30, 20]]  # clipped at the tile edge, shifted
    assert boxes['big_y100_x100.png'] == [[80, 50, 20, 40]]  # half in each of two tiles: kept in both
    assert boxes['big_y100_x200.png'] == [[0, 50, 20, 40]]
    assert len(boxes['small_y0_x0.png']) == 2
    assert coco['categories'] == [dict(id=1, name='Tree')]  # Alive / Dead merged into one class


def test_split_is_seeded_and_disjoint(voc_dir, tmp_path):
    data, _ = voc_dir
    splits = []
    for run in ('a', 'b'):
        converter.convert(data, str(tmp_path / run), tile_size=100, val_ratio=0.3, seed=3)
        splits.append(
            {s: sorted(img['file_name'] for img in load(str(tmp_path / run), s)['images'])
             for s in ('train', 'val')})
    assert splits[0] == splits[1]
    assert len(splits[0]['val']) == 2 and not set(splits[0]['val']) & set(splits[0]['train'])


def test_keeps_the_files_class_names_when_asked(voc_dir, tmp_path):
    data, _ = voc_dir
    coco = converter.convert(data, str(tmp_path / 'c'), tile_size=100, val_ratio=0.0, class_name=None)
    assert [c['name'] for c in coco['train']['categories']] == ['Tree', 'Dead', 'Alive']


def test_grid_edges_spread_the_remainder():
    assert converter.grid_edges(2472, 400) == [0, 412, 824, 1236, 1648, 2060, 2472]
    assert converter.grid_edges(150, 400) == [0, 150]
