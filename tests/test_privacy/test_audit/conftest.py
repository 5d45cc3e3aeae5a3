import json
import os
import os.path as osp

import pytest
from PIL import Image


@pytest.fixture
def write_images(make_smooth):
    """Write ``n`` smooth colour images (h x w) to ``root`` (under ``c0``, ``c1``, ... with ``classes``);
    with ``coco`` also a COCO file listing them. Returns the folder, or the COCO file."""

    def write(root, n, seed=0, classes=0, size=(40, 48), coco=False):
        files = []
        for i in range(n):
            sub = f'c{i % classes}' if classes else ''
            os.makedirs(osp.join(root, sub), exist_ok=True)
            files.append(osp.join(sub, f'{seed + i}.png'))
            Image.fromarray(make_smooth(size + (3, ), sigma=2.5, seed=seed + i)).save(osp.join(root, files[-1]))
        if not coco:
            return str(root)
        ann = osp.join(root, 'ann.json')
        images = [dict(id=i, file_name=f, height=size[0], width=size[1]) for i, f in enumerate(files)]
        with open(ann, 'w') as f:
            json.dump(dict(images=images, annotations=[], categories=[dict(id=1, name='thing')]), f)
        return ann

    return write
