"""tools/dataset_converters/fashion_mnist_to_detection.py on synthetic IDX files: bytes, boxes and splits."""
import importlib.util
import json
import os.path as osp

import cv2
import numpy as np
import pytest

from mmppml.idx import write_idx

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
spec = importlib.util.spec_from_file_location(
    'fashion_mnist_to_detection', osp.join(ROOT, 'tools', 'dataset_converters', 'fashion_mnist_to_detection.py'))
builder = importlib.util.module_from_spec(spec)
spec.loader.exec_module(builder)


@pytest.fixture
def idx_dir(tmp_path):
    """Objects: opaque rectangles (alpha 1, so every pasted pixel shows). Training labels 0-4, test 5-9."""
    rng = np.random.default_rng(0)
    for prefix, labels in (('train', range(5)), ('t10k', range(5, 10))):
        images = np.zeros((40, 28, 28), np.uint8)
        for img in images:
            y, x = rng.integers(0, 10, 2)
            img[y:y + rng.integers(8, 18), x:x + rng.integers(8, 18)] = 255
        write_idx(str(tmp_path / f'{prefix}-images-idx3-ubyte.gz'), images)
        write_idx(str(tmp_path / f'{prefix}-labels-idx1-ubyte.gz'), rng.choice(list(labels), 40))
    return tmp_path


def build(idx_dir, out, seed=0):
    args = [
        '--out-dir',
        str(out), '--fashion-mnist',
        str(idx_dir), '--num-train', '6', '--num-val', '4', '--seed',
        str(seed)
    ]
    assert builder.main(args) == 0
    return {split: json.loads((out / 'annotations' / f'{split}.json').read_text()) for split in ('train', 'val')}


def files(root):
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob('*')) if p.is_file()}


def test_same_seed_same_bytes_other_seed_other_images(idx_dir, tmp_path):
    build(idx_dir, tmp_path / 'a')
    build(idx_dir, tmp_path / 'b')
    build(idx_dir, tmp_path / 'c', seed=1)
    assert files(tmp_path / 'a') == files(tmp_path / 'b')
    assert files(tmp_path / 'a') != files(tmp_path / 'c')


def test_boxes_cover_the_pasted_pixels_only_and_splits_keep_their_objects(idx_dir, tmp_path, monkeypatch):
    grey = np.full((400, 400, 3), 128, np.uint8)
    monkeypatch.setattr(builder, 'load_backgrounds', lambda: [grey])
    coco = build(idx_dir, tmp_path / 'out')
    for split, labels in (('train', set(range(5))), ('val', set(range(5, 10)))):
        assert {a['category_id'] for a in coco[split]['annotations']} <= labels  # objects of its own split
        for img in coco[split]['images']:
            canvas = cv2.imread(str(tmp_path / 'out' / 'images' / img['file_name']))
            assert canvas.shape[:2] == (img['height'], img['width'])
            changed = (canvas != 128).any(axis=2)
            covered = np.zeros_like(changed)
            boxes = [a['bbox'] for a in coco[split]['annotations'] if a['image_id'] == img['id']]
            assert 1 <= len(boxes) <= 6
            for x, y, w, h in boxes:
                assert 0 <= x and 0 <= y and x + w <= img['width'] and y + h <= img['height']
                assert 20 * 8 // 28 <= max(w, h) <= 64
                covered[y:y + h, x:x + w] = True
                # tight: each edge of the box holds a pasted pixel (an opaque object shows on every edge)
                edges = [
                    changed[y, x:x + w], changed[y + h - 1, x:x + w], changed[y:y + h, x], changed[y:y + h, x + w - 1]
                ]
                assert all(edge.any() for edge in edges)
            assert not (changed & ~covered).any()  # nothing pasted outside the boxes


def test_missing_fashion_mnist_exits_2(tmp_path, capsys):
    assert builder.main(['--out-dir', str(tmp_path / 'out'), '--fashion-mnist', str(tmp_path / 'none')]) == 2
    assert 'dataset-fashion-mnist' in capsys.readouterr().out
