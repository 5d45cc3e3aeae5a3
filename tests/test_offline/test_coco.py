"""The COCO file of an encrypted copy: renamed images, rescaled geometry, whitelisted fields
(mmppml/offline/coco.py)."""
import copy
import json

import numpy as np
import pytest
from coco_inputs import annotation

from mmppml.offline import EncryptionError, EncryptionSpec
from mmppml.offline.coco import (ANNOTATION_FIELDS_KEPT, check_coco_mode, check_rescaled, coco_output_names,
                                 dropped_fields, encrypted_coco, load_coco, rescale_annotation)

MI = EncryptionSpec('mi', 8, 4)  # halves every side


def coco():
    return dict(
        info=dict(description="Jane's holiday"),
        licenses=[dict(id=1)],
        images=[
            dict(id=7, file_name='Jane Doe/Lyon/beach.jpg', width=64, height=48, date_captured='2021'),
            dict(id=12, file_name='b.png', width=32, height=32, flickr_url='http://x')
        ],
        annotations=[
            annotation(
                1,
                7, [8, 4, 16, 20],
                area=320,
                iscrowd=0,
                segmentation=[[8, 4, 24, 4, 24, 24]],
                keypoints=[10, 6, 2, 20, 22, 1],
                num_keypoints=2,
                attributes=dict(name='Jane')),
            dict(id=2, image_id=12, category_id=1, bbox=[0, 0, 4, 4], area=16, caption='Bob'),
        ],
        categories=[dict(id=1, name='person', supercategory='human', color='red')])


def test_images_are_named_by_id_without_their_folders():
    assert coco_output_names(coco(), False) == {
        'Jane Doe/Lyon/beach.jpg': '000000000007.png',
        'b.png': '000000000012.png'
    }
    assert coco_output_names(coco(), True) == {'Jane Doe/Lyon/beach.jpg': 'beach.png', 'b.png': 'b.png'}


def test_repeated_or_clashing_file_names_are_refused():
    repeated = coco()
    repeated['images'][1]['file_name'] = 'Jane Doe/Lyon/beach.jpg'
    with pytest.raises(EncryptionError, match=r'images\[1\] repeats the file_name .* of images\[0\]'):
        coco_output_names(repeated, False)
    clash = coco()
    clash['images'][1]['file_name'] = 'other/beach.png'
    assert len(set(coco_output_names(clash, False).values())) == 2  # ids never clash
    with pytest.raises(EncryptionError, match='clash once renamed'):
        coco_output_names(clash, True)


def test_dropped_fields_are_named_and_counted_without_values():
    dropped = dropped_fields(coco())
    assert dropped == dict(
        top_level=dict(info=1, licenses=1),
        images=dict(date_captured=1, flickr_url=1),
        annotations=dict(attributes=1, caption=1),
        categories=dict(color=1))
    assert 'Jane' not in json.dumps(dropped)


def test_an_annotation_is_rescaled_onto_its_mixed_image_and_whitelisted():
    ann = coco()['annotations'][0]
    out = rescale_annotation(ann, MI, (48, 64))
    assert set(out) == set(ANNOTATION_FIELDS_KEPT) - {'ignore'}  # attributes dropped
    assert out['bbox'] == [4, 2, 8, 10] and out['area'] == 80
    assert out['segmentation'] == [[4, 2, 12, 2, 12, 12]]
    assert out['keypoints'] == [5, 3, 2, 10, 11, 1]  # visibility flags kept
    assert ann['bbox'] == [8, 4, 16, 20]  # the source is not changed


def test_a_resize_scales_each_axis_on_its_own():
    spec = EncryptionSpec('mi', 8, 4, resize=(96, 32))  # x 2 down, x 0.5 across, then both halved
    out = rescale_annotation(dict(bbox=[8, 4, 16, 20], area=320), spec, (48, 64))
    assert out['bbox'] == [2, 4, 4, 20] and out['area'] == 80


def test_an_rle_mask_is_mapped_like_its_image():
    from pycocotools import mask as mask_utils
    mask = np.zeros((48, 64), np.uint8)
    mask[8:24, 16:40] = 1
    rle = mask_utils.encode(np.asfortranarray(mask))
    rle['counts'] = rle['counts'].decode('ascii')
    out = rescale_annotation(dict(segmentation=rle), MI, (48, 64))['segmentation']
    expected = np.zeros((24, 32), np.uint8)
    expected[4:12, 8:20] = 1
    assert out['size'] == [24, 32] and isinstance(out['counts'], str)
    np.testing.assert_array_equal(mask_utils.decode(dict(out, counts=out['counts'].encode())), expected)


def test_the_encrypted_file_holds_done_images_only_with_their_new_names_and_sizes():
    src = coco()
    before = copy.deepcopy(src)
    names = coco_output_names(src, False)
    out = encrypted_coco(src, MI, names, done={'Jane Doe/Lyon/beach.jpg'})
    assert set(out) == {'images', 'annotations', 'categories'}
    assert out['images'] == [dict(id=7, file_name='000000000007.png', width=32, height=24)]
    assert [a['id'] for a in out['annotations']] == [1] and out['annotations'][0]['bbox'] == [4, 2, 8, 10]
    assert out['categories'] == [dict(id=1, name='person', supercategory='human')]
    assert src == before and 'Jane' not in json.dumps(out) and 'Bob' not in json.dumps(out)


def test_shuffling_modes_and_cropping_are_refused_for_annotated_files():
    with pytest.raises(EncryptionError, match="mode 'rs' shuffles blocks, so the 2 boxes/masks"):
        check_coco_mode(coco(), EncryptionSpec('rs', 8))
    with pytest.raises(EncryptionError, match='crop would cut annotated objects'):
        check_coco_mode(coco(), EncryptionSpec('mi', 8, 4, size_mismatch='crop'))
    check_coco_mode(dict(coco(), annotations=[]), EncryptionSpec('rs', 8))  # images only: fine
    check_coco_mode(coco(), MI)


def test_values_that_would_overflow_when_rescaled_are_refused_up_front():
    big = coco()
    big['annotations'][0]['bbox'] = [0, 0, 1e308, 1]
    check_rescaled(big, MI)  # halved: finite
    with pytest.raises(EncryptionError, match=r'annotations\[0\] bbox holds a value that is not finite'):
        check_rescaled(big, EncryptionSpec('mi', 8, 2, resize=(480, 640)))  # x 10 then / 4
    big['annotations'][0]['image_id'] = 99  # no image: left out, not checked
    check_rescaled(big, EncryptionSpec('mi', 8, 2, resize=(480, 640)))


def test_an_unreadable_file_is_refused(tmp_path):
    (tmp_path / 'a.json').write_text('{"images": [')
    with pytest.raises(EncryptionError, match='cannot read the COCO annotation file: JSONDecodeError'):
        load_coco(tmp_path / 'a.json')
    with pytest.raises(EncryptionError, match='FileNotFoundError'):
        load_coco(tmp_path / 'missing.json')
    (tmp_path / 'b.json').write_text(json.dumps(coco()))
    assert load_coco(tmp_path / 'b.json') == coco()
