"""An MI detector trained by tools/train.py, loaded by mmdet's own test tool and DetInferencer.

The checkpoint holds MMEngine's message hub, which torch's safe loader refuses unless mmppml (imported by
the config's custom_imports) has allow-listed its types; DetInferencer takes the encryption from the test
pipeline and returns boxes in the photo's pixels, as tools/test.py predicts them.
"""
import json
import os.path as osp
import pickle
import subprocess
import sys

import cv2
import numpy as np
import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BASE = osp.join(ROOT, 'configs', 'mmdet', 'retinanet_pevit-tiny-mi-p16s8_simplefpn_6e_fmnist-det.py')
CLASSES = ('T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot')


def tiny_set(root):
    """Four 96 x 128 noise photos with one bright box each, as train and val COCO files."""
    rng = np.random.default_rng(0)
    (root / 'images').mkdir(parents=True)
    (root / 'annotations').mkdir()
    images, anns = [], []
    for i in range(4):
        img = rng.integers(0, 80, (96, 128, 3), dtype=np.uint8)
        x, y = 10 + 20 * i, 20
        img[y:y + 40, x:x + 30] = 230
        cv2.imwrite(str(root / 'images' / f'{i}.png'), img)
        images.append(dict(id=i, file_name=f'{i}.png', height=96, width=128))
        anns.append(dict(id=i, image_id=i, category_id=i, bbox=[x, y, 30, 40], area=1200, iscrowd=0))
    coco = dict(images=images, annotations=anns, categories=[dict(id=i, name=n) for i, n in enumerate(CLASSES)])
    for split in ('train', 'val'):
        (root / 'annotations' / f'{split}.json').write_text(json.dumps(coco))


def run(*args, cwd):
    proc = subprocess.run([sys.executable, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('det')
    tiny_set(tmp / 'data')
    config = tmp / 'tiny_mi_det.py'
    config.write_text(f'''_base_ = {BASE!r}
data_root = {str(tmp / 'data') + '/'!r}
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False, dataset=dict(data_root=data_root))
val_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False, dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=1, val_interval=2)  # no validation while training
default_hooks = dict(checkpoint=dict(interval=1), logger=dict(interval=1))
model = dict(test_cfg=dict(score_thr=0.0, max_per_img=20))  # boxes to compare, however little it trained
''')
    run(osp.join(ROOT, 'tools', 'train.py'), config, '--work-dir', tmp / 'work', cwd=tmp)
    return tmp, config, tmp / 'work' / 'epoch_1.pth'


def test_mmdets_own_test_tool_and_det_inferencer_load_it_and_agree(trained):
    """mmdet's tools/test.py (a fresh process; only the config imports mmppml) and DetInferencer on a plain
    photo give the same boxes, in the photo's pixels."""
    import mmdet
    from mmdet.apis import DetInferencer
    tmp, config, checkpoint = trained
    tool = osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools', 'test.py')
    run(tool, config, checkpoint, '--out', tmp / 'preds.pkl', '--work-dir', tmp / 'mmdet_test', cwd=tmp)
    with open(tmp / 'preds.pkl', 'rb') as f:
        expected = {osp.basename(p['img_path']): p['pred_instances'] for p in pickle.load(f)}
    # This process may have imported part of mmppml before torch (other test files do), so the safe globals are
    # registered explicitly here; mmdet's test tool above showed that a fresh process needs nothing of the kind.
    from mmppml.utils import register_safe_globals
    register_safe_globals()
    inferencer = DetInferencer(model=str(config), weights=str(checkpoint), device='cpu', show_progress=False)
    for name in ('0.png', '3.png'):
        got = inferencer(str(tmp / 'data' / 'images' / name), return_datasamples=True)['predictions'][0]
        assert got.metainfo['ori_shape'] == (96, 128)
        boxes, want = got.pred_instances.bboxes.numpy(), expected[name]['bboxes'].numpy()
        assert len(boxes) == len(want) == 20
        np.testing.assert_allclose(boxes, want, atol=1e-3)
        np.testing.assert_allclose(got.pred_instances.scores.numpy(), expected[name]['scores'].numpy(), atol=1e-5)
        assert boxes[:, [0, 2]].max() <= 128 + 1e-3 and boxes[:, [1, 3]].max() <= 96 + 1e-3  # photo pixels
        assert boxes[:, 2].max() > 64  # not in the half-size MI frame
