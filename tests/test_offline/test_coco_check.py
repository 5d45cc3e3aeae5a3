"""Checking a COCO annotation file up front (mmppml/offline/coco_check.py)."""
import pytest

from mmppml.offline import EncryptionError
from mmppml.offline.coco_check import check_coco


def coco():
    return dict(
        images=[dict(id=1, file_name='a/1.jpg', width=64, height=48.0)],
        annotations=[
            dict(id=1, image_id=1, bbox=[0, 0, 5.5, 4], area=22, segmentation=[[0, 0, 5, 0, 5, 4]]),
            dict(id=2, image_id=7, bbox=[1, 1, 2, 2], segmentation=dict(size=[48, 64], counts='abc')),
        ],
        categories=[dict(id=1, name='thing')])


def test_a_well_formed_file_passes_and_orphans_are_returned():
    assert check_coco(coco()) == [{'annotation': 1, 'image_id': 7}]


@pytest.mark.parametrize('edit, named', [
    (lambda c: c.update(images={}), '"images" list'),
    (lambda c: c['images'].append(dict(c['images'][0])), 'images[1] repeats the image id 1'),
    (lambda c: c['images'][0].update(id=True), 'images[0] id'),
    (lambda c: c['images'][0].update(height=0), 'images[0] height'),
    (lambda c: c['images'][0].update(width=float('nan')), 'images[0] width'),
    (lambda c: c['images'][0].update(file_name='/etc/passwd'), 'images[0] file_name'),
    (lambda c: c['images'][0].update(file_name='a/../../b.jpg'), 'images[0] file_name'),
    (lambda c: c['images'][0].update(file_name='bad\udcff.jpg'), 'images[0] file_name'),
    (lambda c: c['annotations'][0].update(bbox=[0, 0, -1, 2]), 'annotations[0] bbox'),
    (lambda c: c['annotations'][0].update(bbox=[0, 0, True, 2]), 'annotations[0] bbox'),
    (lambda c: c['annotations'][0].update(area='big'), 'annotations[0] area'),
    (lambda c: c['annotations'][0].update(segmentation=[[0, 0, 1]]), 'annotations[0] segmentation'),
    (lambda c: c['annotations'][1].update(segmentation=dict(size=[48, 64], counts=[1, -2])), 'annotations[1] RLE'),
    (lambda c: c['annotations'][0].update(keypoints=[1, 2]), 'annotations[0] keypoints'),
    (lambda c: c['annotations'].append(3), 'annotations[2] is int'),
    (lambda c: c.update(categories='x'), '"categories" must be a list'),
])
def test_each_malformed_entry_is_named(edit, named):
    bad = coco()
    edit(bad)
    with pytest.raises(EncryptionError, match=named.replace('[', r'\[').replace(']', r'\]')):
        check_coco(bad)
