"""Checking a COCO annotation file up front (mmppml/offline/coco_check.py)."""
import numpy as np
import pytest

from mmppml.offline import EncryptionError
from mmppml.offline.coco_check import check_coco

# pycocotools' compressed RLE of a 48 x 64 mask with a 8 x 12 rectangle at (4, 8), (y, x).
RLE_48x64 = 'T<8X1000000000000000000000lQ2'


def coco():
    return dict(
        images=[dict(id=1, file_name='a/1.jpg', width=64, height=48.0)],
        annotations=[
            dict(id=1, image_id=1, bbox=[0, 0, 5.5, 4], area=22, segmentation=[[0, 0, 5, 0, 5, 4]]),
            dict(id=2, image_id=7, bbox=[1, 1, 2, 2], segmentation=dict(size=[48, 64], counts=RLE_48x64)),
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


def test_rle_strings_are_parsed_as_pycocotools_reads_them():
    """Run lengths from the string alone, equal to the runs of the decoded mask (many sizes and masks)."""
    from pycocotools import mask as mask_utils

    from mmppml.offline.coco_check import rle_string_counts
    rng = np.random.default_rng(0)
    for h, w, density in [(48, 64, 0.5), (1, 1, 1.), (600, 900, 0.001), (7, 300, 0.05), (480, 640, 0.)]:
        mask = np.asfortranarray(rng.random((h, w)) < density, dtype=np.uint8)
        mask[h // 3:, w // 2:] = density > 0.1  # long runs: values of several digits, negative differences
        encoded = mask_utils.encode(mask)
        runs = rle_string_counts(encoded['counts'].decode())
        assert runs.sum() == h * w
        expected = mask_utils.frPyObjects(dict(size=[h, w], counts=runs.tolist()), h, w)['counts']
        assert expected == encoded['counts']  # the same runs, encoded again by pycocotools
    for bad in ('abc', '0ZZ', '\x00', 'é', 'x' * 13 + '0'):
        assert rle_string_counts(bad) is None


@pytest.mark.parametrize('edit, named', [
    (lambda c: c['annotations'][0].update(segmentation=dict(size=[40000, 40000], counts='0')),
     'annotations[0] RLE segmentation has size [40000, 40000], but its image is [48, 64]'),
    (lambda c: c['annotations'][1].update(segmentation=dict(size=[48, 64], counts='0ZZ')), 'annotations[1] RLE'),
    (lambda c: c['annotations'][1].update(segmentation=dict(size=[48, 64], counts=[3071])), 'cover 3071 pixels'),
    (lambda c: c['annotations'][0].update(id='Alice'), 'annotations[0] id'),
    (lambda c: c['annotations'][0].update(iscrowd=2), 'annotations[0] iscrowd must be 0 or 1'),
    (lambda c: c['annotations'][0].update(num_keypoints=-1), 'annotations[0] num_keypoints'),
    (lambda c: c['categories'].append(dict(name='x')), 'categories[1] needs a non-negative integer id'),
    (lambda c: c['categories'][0].update(skeleton=[[1, 'a']]), 'categories[0] skeleton'),
    (lambda c: c['categories'][0].update(keypoints=[1, 2]), 'categories[0] keypoints'),
])
def test_masks_and_kept_fields_are_checked(edit, named):
    bad = coco()
    edit(bad)
    with pytest.raises(EncryptionError, match=named.replace('[', r'\[').replace(']', r'\]')):
        check_coco(bad)
