"""tools/encrypt_dataset.py against hostile names, annotations and keys, and careless --report paths.

Each test reproduces one way a run used to hand over a weak image, lose a file or end in a traceback,
and checks the documented exit code, the one-line message and that nothing was lost or written.
"""
import json
import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest
from coco_inputs import annotation
from test_encrypt_dataset_faults import TOOL, make_folder, noise, patch_multiset, pngs, report_of, run

from mmppml.crypto import mix_subpatches, new_scramble_key, round_to_uint8, save_key, to_blocks
from mmppml.offline import EncryptionError, EncryptionSpec
from mmppml.offline.image_ops import encrypt_image

# 1-2. Weak scrambles ------------------------------------------------------------------------------


def test_rs_on_mi_never_returns_the_unshuffled_mi_image():
    """4-block grids: without the check, 1 draw in 24 hands over MI(image) as it is."""
    spec = EncryptionSpec('rs-on-mi', 16, 8)
    img = noise(32)
    mixed = round_to_uint8(mix_subpatches(img, 16, 8))
    outs = [encrypt_image(img, spec) for _ in range(200)]
    assert all(not np.array_equal(out, mixed) for out in outs)
    assert all(sorted(map(bytes, to_blocks(out, 8))) == sorted(map(bytes, to_blocks(mixed, 8))) for out in outs)


def test_rs_on_mi_refuses_a_uniform_image(tmp_path, capsys):
    src = tmp_path / 'src' / 'a'
    src.mkdir(parents=True)
    cv2.imwrite(str(src / 'flat.png'), np.full((64, 64, 3), 90, np.uint8))
    out = tmp_path / 'out'
    assert run(src.parent, out, '--mode', 'rs-on-mi', '-P', '16', '-S', '8') == 3
    assert pngs(out) == []
    assert 'unchanged' in report_of(out)['skipped'][0]['reason']


@pytest.mark.parametrize('mode', [('rs', '-P', '16'), ('rs-on-mi', '-P', '16', '-S', '8')])
def test_padding_does_not_count_toward_the_block_minimum(tmp_path, mode):
    """17 x 17 at P = 16: one block of content, three of padding."""
    src = tmp_path / 'src' / 'a'
    src.mkdir(parents=True)
    cv2.imwrite(str(src / 'small.png'), noise(17))
    out = tmp_path / 'out'
    assert run(src.parent, out, '--mode', *mode, '--size-mismatch', 'pad') == 3
    assert pngs(out) == [] and 'at least 4' in report_of(out)['skipped'][0]['reason']
    # 33 x 33: four blocks wholly of content, so it is encrypted.
    cv2.imwrite(str(src / 'small.png'), noise(33))
    assert run(src.parent, tmp_path / 'out2', '--mode', *mode, '--size-mismatch', 'pad') == 0


@pytest.mark.parametrize('mode', ['mi', 'rs-on-mi'])
def test_mi_with_padding_hands_over_no_scaled_copy(tmp_path, mode):
    """P 16, S 8: an 8 x 8 image, and the bottom-right 8 x 8 of a 40 x 72 photo, were mixed with zeros only
    and handed over as plain / 4 (four times the output equalled the source within 2 levels)."""
    src = tmp_path / 'src' / 'a'
    src.mkdir(parents=True)
    rng = np.random.default_rng(0)
    photo = rng.integers(1, 256, (40, 72, 3), dtype=np.uint8)  # no zeros: the padding is 0
    cv2.imwrite(str(src / 'photo.png'), photo)
    cv2.imwrite(str(src / 'small.png'), rng.integers(1, 256, (8, 8, 3), dtype=np.uint8))
    out = tmp_path / 'out'
    assert run(src.parent, out, '--mode', mode, '-P', '16', '-S', '8', '--size-mismatch', 'pad') == 3
    skipped = report_of(out)['skipped']
    assert [s['file'] for s in skipped] == ['a/small.png']
    if mode == 'mi':
        assert 'fits in one sub-patch' in skipped[0]['reason']
    [written] = pngs(out)
    enc = cv2.imread(str(written))
    assert enc.shape == (24, 40, 3)
    scaled_copies = [b for b in to_blocks(enc, 8) if np.abs(b.astype(int) * 4 - photo[32:, 64:]).max() <= 2]
    assert not scaled_copies
    assert sum(not b.any() for b in to_blocks(enc, 8)) == 1  # the corner's content is dropped, as a crop would
    if mode == 'mi':
        assert not enc[16:, 32:].any()
        rows, cols = np.arange(32, 40)[:, None], np.arange(64, 72)  # the rest is the MI of the padded photo
        photo[rows, cols] = 0
        expected = round_to_uint8(mix_subpatches(np.pad(photo, [(0, 8), (0, 8), (0, 0)]), 16, 8))
        np.testing.assert_array_equal(enc, expected)


# 3. Where the report goes -------------------------------------------------------------------------


def test_report_never_overwrites_the_key_a_source_or_a_folder(tmp_path, capsys):
    src = make_folder(tmp_path / 'src')
    before = {p: p.read_bytes() for p in src.rglob('*.png')}
    key = tmp_path / 'K.npz'
    cases = [
        ('--key-file', key, '--new-key', '--report', key),  # the new key
        ('--key-file', tmp_path / 'out.report.json', '--new-key'),  # the new key, by the default report path
        ('--report', src / 'a' / 'img_0.png'),  # a source image
        ('--report', tmp_path),  # a folder
        ('--report', tmp_path / 'missing' / 'r.json'),  # a folder that does not exist
    ]
    for extra in cases:
        assert run(src, tmp_path / 'out', '--mode', 'rs', '-P', '8', *extra) == 2, extra
        err = capsys.readouterr().err
        assert err.startswith('error: ') and 'Traceback' not in err and err.count('\n') == 1
        assert not (tmp_path / 'out').exists() and not key.exists()
    assert {p: p.read_bytes() for p in src.rglob('*.png')} == before
    # An existing key named as the report, and a file that is not a report, are refused too.
    save_key(key, new_scramble_key(8, 3))
    key_bytes = key.read_bytes()
    notes = tmp_path / 'notes.txt'
    notes.write_text('mine')
    for target in (key, notes):
        assert run(src, tmp_path / 'out', '--mode', 'rs', '-P', '8', '--key-file', key, '--report', target) == 2
    assert key.read_bytes() == key_bytes and notes.read_text() == 'mine'
    # A report of an earlier run may be written over (a rerun).
    assert run(src, tmp_path / 'out', '--mode', 'rs', '-P', '8', '--report', tmp_path / 'r.json') == 0
    assert run(src, tmp_path / 'out', '--mode', 'rs', '-P', '8', '--report', tmp_path / 'r.json') == 0


# 4. Names that are not valid UTF-8 ---------------------------------------------------------------


def test_a_class_folder_named_with_invalid_utf8_is_refused(tmp_path, capsys):
    src = make_folder(tmp_path / 'src')
    os.rename(src / 'b', os.path.join(os.fsencode(src), b'b\xff'))
    assert run(src, tmp_path / 'out', '--mode', 'rs', '-P', '8') == 2
    err = capsys.readouterr().err
    assert 'not valid UTF-8' in err and '\\xff' in err and not (tmp_path / 'out').exists()


def test_files_named_with_invalid_utf8_are_reported_and_reruns_finish(tmp_path):
    src = make_folder(tmp_path / 'src')
    with open(os.path.join(os.fsencode(src / 'a'), b'notes\xfe.txt'), 'w') as f:
        f.write('x')
    with open(os.path.join(os.fsencode(src / 'a'), b'img\xfe.png'), 'wb') as f:
        f.write(cv2.imencode('.png', noise())[1].tobytes())
    out = tmp_path / 'out'
    for _ in range(2):
        assert run(src, out, '--mode', 'rs', '-P', '8') == 3
        report = report_of(out)
        assert [s['file'] for s in report['skipped']] == ['a/img\\xfe.png']
        assert 'a/notes\\xfe.txt' in [i['file'] for i in report['ignored']]
        assert json.loads((out / 'manifest.json').read_text())['complete']
        assert len(pngs(out)) == 8


# 5. Malformed COCO files --------------------------------------------------------------------------


def coco_source(tmp_path, n=2):
    (tmp_path / 'img').mkdir()
    images = []
    for i in range(n):
        cv2.imwrite(str(tmp_path / 'img' / f'{i}.png'), noise(32, seed=i))
        images.append(dict(id=i + 1, file_name=f'{i}.png', width=32, height=32))
    anns = [annotation(1, 1, [1, 2, 10, 12], area=120, iscrowd=0)]
    return dict(images=images, annotations=anns, categories=[dict(id=1, name='thing')])


def run_on_coco(tmp_path, coco, *args):
    """Write ``coco`` to ``tmp_path / 'ann.json'`` and run the tool on ``tmp_path / 'img'`` with it, into
    ``tmp_path / 'out'``: MI at P 16, S 8 and ``args``; return its exit code."""
    ann = tmp_path / 'ann.json'
    ann.write_text(json.dumps(coco))
    return run(tmp_path / 'img', tmp_path / 'out', '--mode', 'mi', '-P', '16', '-S', '8', '--coco-ann', ann, *args)


def set_path(obj, path, value):
    for key in path[:-1]:
        obj = obj[key]
    obj[path[-1]] = value


@pytest.mark.parametrize('path, value, named', [(('annotations', 0, 'bbox'), [1, 2, 3], 'annotations[0]'),
                                                (('annotations', 0, 'bbox'), ['1', 2, 3, 4], 'annotations[0]'),
                                                (('annotations', ), {
                                                    '0': {}
                                                }, '"annotations" must be a list'),
                                                (('images', 0, 'id'), 'abc', 'images[0]'),
                                                (('images', 1, 'width'), 'wide', 'images[1]'),
                                                (('images', 0, 'file_name'), 5, 'images[0]'),
                                                (('images', 1), 5, 'images[1]'),
                                                (('images', 0, 'file_name'), '.', 'images[0]'),
                                                (('annotations', 0, 'segmentation'), {
                                                    'size': [32],
                                                    'counts': 'x'
                                                }, 'annotations[0]'),
                                                (('annotations', 0, 'image_id'), [1], 'annotations[0]')])
def test_malformed_coco_is_refused_before_encrypting(tmp_path, capsys, path, value, named):
    coco = coco_source(tmp_path)
    set_path(coco, path, value)
    out = tmp_path / 'out'
    for _ in range(2):  # a rerun gives the same answer
        assert run_on_coco(tmp_path, coco, '--keep-names') == 2
        err = capsys.readouterr().err
        assert named in err and 'Traceback' not in err and err.count('\n') == 1
        assert not out.exists()


def test_coco_annotations_of_unknown_images_are_reported_and_info_dropped(tmp_path):
    coco = coco_source(tmp_path)
    coco['annotations'].append(dict(id=2, image_id=99, category_id=1, bbox=[0, 0, 4, 4]))
    coco['info'] = dict(description='holiday photos of the Smith family', url='http://example.org/smith')
    coco['licenses'] = [dict(id=1, name='private', url='http://example.org/smith/licence')]
    out = tmp_path / 'out'
    assert run_on_coco(tmp_path, coco) == 0
    assert report_of(out)['annotations_without_image'] == [{'annotation': 1, 'image_id': 99}]
    handed_over = json.loads((out / 'annotations.json').read_text())
    assert set(handed_over) == {'images', 'annotations', 'categories'}
    assert [a['id'] for a in handed_over['annotations']] == [1]
    assert 'Smith' not in (out / 'annotations.json').read_text()


PRIVATE = ('Alice Martin', '/home/alice', 'alice@example.org', 'wedding in Lyon')


def test_only_the_fields_mmdet_reads_are_handed_over(tmp_path):
    """Annotation and category fields used to be copied verbatim: names, home-folder paths, captions, e-mails."""
    coco = coco_source(tmp_path)
    coco['images'][0].update(flickr_url='http://example.org/alice.jpg', caption=PRIVATE[3])
    coco['annotations'][0].update(
        attributes=dict(person=PRIVATE[0]),
        source_file=PRIVATE[1] + '/Pictures/0.png',
        caption=PRIVATE[3],
        num_keypoints=0,
        ignore=0)
    coco['annotations'].append(dict(id=2, image_id=2, category_id=1, bbox=[0, 0, 4, 4], email=PRIVATE[2]))
    coco['categories'][0].update(supercategory='object', contact=PRIVATE[2], description=PRIVATE[3])
    coco['info'] = dict(contributor=PRIVATE[0])
    out = tmp_path / 'out'
    assert run_on_coco(tmp_path, coco) == 0
    text = (out / 'annotations.json').read_text()
    assert not any(value in text for value in PRIVATE)
    handed_over = json.loads(text)
    assert handed_over['annotations'][0] == dict(
        id=1, image_id=1, category_id=1, bbox=[0.5, 1., 5., 6.], area=30., iscrowd=0, num_keypoints=0, ignore=0)
    assert handed_over['categories'] == [dict(id=1, name='thing', supercategory='object')]
    report = report_of(out)
    assert report['coco_fields_dropped'] == dict(
        top_level=dict(info=1),
        images=dict(caption=1, flickr_url=1),
        annotations=dict(attributes=1, caption=1, email=1, source_file=1),
        categories=dict(contact=1, description=1))
    assert not any(value in json.dumps(report) for value in PRIVATE)  # names and counts, no values


@pytest.mark.parametrize('path, value, named', [
    (('annotations', 0, 'id'), 'Alice Martin', 'annotations[0] id'),
    (('annotations', 0, 'category_id'), 'alice@example.org', 'annotations[0] category_id'),
    (('annotations', 0, 'category_id'), 7, 'annotations[0] category_id 7 is the id of no category'),
    (('annotations', 0, 'iscrowd'), 'yes', 'annotations[0] iscrowd'),
    (('categories', 0, 'name'), ['Alice'], 'categories[0] name'),
    (('categories', 0, 'id'), None, 'categories[0]'),
    (('categories', 0), 'thing', 'categories[0] is str'),
])
def test_kept_fields_carry_only_what_mmdet_reads(tmp_path, capsys, path, value, named):
    """A whitelist of field names is not enough: a kept field must hold the type mmdet reads."""
    coco = coco_source(tmp_path)
    set_path(coco, path, value)
    out = tmp_path / 'out'
    assert run_on_coco(tmp_path, coco) == 2
    err = capsys.readouterr().err
    assert named in err and 'Traceback' not in err and not out.exists()


def rle(mask: np.ndarray) -> dict:
    from pycocotools import mask as mask_utils
    encoded = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return dict(size=list(encoded['size']), counts=encoded['counts'].decode())


@pytest.mark.parametrize(
    'segmentation, named',
    [
        (dict(size=[32, 32], counts='0ZZZZ'), 'not a valid compressed RLE'),  # cut short inside a value
        (dict(size=[32, 32], counts='`0`0`0'), 'cover'),  # decodes, to more pixels than 32 x 32
        (dict(size=[32, 32], counts='\u00e9t\u00e9'), 'not a valid compressed RLE'),
        (dict(size=[40000, 40000], counts='0'), 'but its image is [32, 32]'),  # 1.6 GB if decoded
        (dict(size=[32, 33], counts=[32 * 33]), 'but its image is [32, 32]'),
        (dict(size=[32, 32], counts=[1000, 100]), 'cover 1100'),
        (dict(size=[32, 32], counts=[512]), 'cover 512'),
    ])
def test_rle_masks_are_checked_against_their_image_before_encrypting(tmp_path, capsys, segmentation, named):
    """A malformed compressed RLE used to crash the run after every image was written (on every rerun),
    and a 40000 x 40000 RLE on a small image was decoded whole at the end."""
    coco = coco_source(tmp_path)
    coco['annotations'][0].update(iscrowd=1, segmentation=segmentation)
    out = tmp_path / 'out'
    for _ in range(2):
        assert run_on_coco(tmp_path, coco) == 2
        err = capsys.readouterr().err
        assert 'annotations[0]' in err and named in err and 'Traceback' not in err, err
        assert not out.exists()


def test_valid_rle_masks_still_pass_and_are_rescaled(tmp_path):
    coco = coco_source(tmp_path)
    mask = np.zeros((32, 32), bool)
    mask[4:20, 8:24] = True
    coco['annotations'][0].update(iscrowd=1, segmentation=rle(mask))
    coco['annotations'].append(
        annotation(2, 2, [0, 0, 32, 32], iscrowd=1, segmentation=dict(size=[32.0, 32], counts=[0, 1024])))
    out = tmp_path / 'out'
    assert run_on_coco(tmp_path, coco) == 0
    from pycocotools import mask as mask_utils
    handed_over = json.loads((out / 'annotations.json').read_text())
    masks = [mask_utils.decode(a['segmentation']) for a in handed_over['annotations']]
    assert masks[0].shape == (16, 16) and masks[0].sum() == 64 and masks[1].all()


def test_a_huge_rle_is_refused_within_a_small_memory_limit(tmp_path):
    """As the issue ran it: a 40000 x 40000 RLE on a 64 x 64 image, the tool limited to 1.5 GB of memory."""
    (tmp_path / 'img').mkdir()
    cv2.imwrite(str(tmp_path / 'img' / '0.png'), noise(64))
    coco = dict(
        images=[dict(id=1, file_name='0.png', width=64, height=64)],
        categories=[dict(id=1, name='x')],
        annotations=[
            dict(
                id=1,
                image_id=1,
                category_id=1,
                iscrowd=1,
                bbox=[0, 0, 64, 64],
                segmentation=dict(size=[40000, 40000], counts=[40000 * 40000]))
        ])
    (tmp_path / 'ann.json').write_text(json.dumps(coco))
    limit = 1536 * 2**20

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    args = [
        tmp_path / 'img', tmp_path / 'out', '--mode', 'mi', '-P', '16', '-S', '8', '--coco-ann', tmp_path / 'ann.json',
        '--workers', '1', '--quiet'
    ]
    proc = subprocess.run(
        [sys.executable, str(TOOL)] + [str(a) for a in args],
        capture_output=True,
        text=True,
        preexec_fn=cap,
        timeout=300)
    assert proc.returncode == 2 and 'annotations[0]' in proc.stderr and 'but its image is [64, 64]' in proc.stderr, \
        proc.stderr[-1000:]
    assert not (tmp_path / 'out').exists()


# 6. Merging shards checks content ---------------------------------------------------------------


def test_merge_redoes_a_journaled_file_replaced_by_one_of_the_same_size(tmp_path):
    src = make_folder(tmp_path / 'src')
    out = tmp_path / 'out'
    for k in range(2):
        assert run(src, out, '--mode', 'rs', '-P', '8', '--shard', f'{k}/2') == 0
    victim = pngs(out)[0]
    plain = cv2.imread(str(src / 'a' / 'img_0.png'))
    data = cv2.imencode('.png', plain)[1].tobytes()
    size = victim.stat().st_size
    victim.write_bytes((data + b'\0' * size)[:size] if len(data) <= size else data[:size])
    assert victim.stat().st_size == size
    assert run(src, out, '--mode', 'rs', '-P', '8', '--merge') == 0
    assert cv2.imread(str(victim)) is not None and not np.array_equal(cv2.imread(str(victim)), plain)
    assert json.loads((out / 'manifest.json').read_text())['counts']['encrypted'] == 8


# 7. Links cannot rename a class -------------------------------------------------------------------


def test_a_link_to_a_class_folder_never_takes_it_over(tmp_path):
    src = make_folder(tmp_path / 'src', classes=('zebra', ))
    os.symlink(src / 'zebra', src / 'aardvark')
    out = tmp_path / 'out'
    assert run(src, out, '--mode', 'rs', '-P', '8') == 0
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith('.')) == ['manifest.json', 'zebra']
    assert [i['file'] for i in report_of(out)['ignored']] == ['aardvark']


# 8. Bad key files ---------------------------------------------------------------------------------


def test_bad_key_files_exit_2_naming_the_key(tmp_path, capsys):
    src = make_folder(tmp_path / 'src')
    good = tmp_path / 'good.npz'
    save_key(good, new_scramble_key(8, 3))
    truncated = tmp_path / 'truncated.npz'
    truncated.write_bytes(good.read_bytes()[:200])
    wrong_shape = tmp_path / 'wrong_shape.npz'
    with np.load(good) as data:
        arrays = dict(data)
    arrays['block_size'] = np.array([8, 8])
    np.savez(wrong_shape, **arrays)
    missing_field = tmp_path / 'missing_field.npz'
    np.savez(missing_field, **{k: v for k, v in arrays.items() if k != 'sign_mask'})
    not_a_key = tmp_path / 'text.npz'
    not_a_key.write_text('hello')
    single = tmp_path / 'single.npy'
    np.save(single, np.zeros(3))
    for key in (truncated, wrong_shape, missing_field, not_a_key, single):
        assert run(src, tmp_path / 'out', '--mode', 'rs', '-P', '8', '--key-file', key) == 2, key.name
        err = capsys.readouterr().err
        assert str(key) in err and 'Traceback' not in err and err.count('\n') == 1
    assert zipfile.is_zipfile(good) and not (tmp_path / 'out').exists()


# 9. Names the tool writes -------------------------------------------------------------------------


def test_a_class_folder_named_like_the_manifest_is_refused(tmp_path, capsys):
    src = make_folder(tmp_path / 'src', classes=('a', 'manifest.json'))
    out = tmp_path / 'out'
    for _ in range(2):
        assert run(src, out, '--mode', 'rs', '-P', '8') == 2
        assert 'manifest.json' in capsys.readouterr().err and not out.exists()


# 10. The journal keeps every name -----------------------------------------------------------------


@pytest.mark.parametrize('odd', ['line\nbreak', 'carriage\rreturn', 'line\u2028separator'])
def test_names_with_line_breaks_are_not_redone_on_rerun(tmp_path, capsys, odd):
    src = make_folder(tmp_path / 'src', per_class=2)
    cv2.imwrite(str(src / 'a' / f'{odd}.png'), noise(seed=5))
    out = tmp_path / 'out'
    assert run(src, out, '--mode', 'rs', '-P', '8', '--keep-names') == 0
    assert 'encrypted now: 5' in capsys.readouterr().out
    assert run(src, out, '--mode', 'rs', '-P', '8', '--keep-names') == 0
    assert 'already done: 5, encrypted now: 0' in capsys.readouterr().out


def test_encrypt_image_refuses_too_few_content_blocks_directly():
    with pytest.raises(EncryptionError, match='at least 4'):
        encrypt_image(noise(17), EncryptionSpec('rs', 16, size_mismatch='pad'))


# Siblings: the other files of an output folder the tool reads back --------------------------------


@pytest.mark.parametrize('manifest', [b'[]', b'{"format": "mmppml-encrypted-dataset", "settings": 5}', b'\xff\xfe'])
def test_a_tampered_manifest_exits_2(tmp_path, capsys, manifest):
    src = make_folder(tmp_path / 'src')
    out = tmp_path / 'out'
    assert run(src, out, '--mode', 'rs', '-P', '8') == 0
    (out / 'manifest.json').write_bytes(manifest)
    assert run(src, out, '--mode', 'rs', '-P', '8') == 2
    err = capsys.readouterr().err
    assert 'manifest.json' in err and 'Traceback' not in err


def test_a_tampered_shard_state_is_taken_as_unfinished(tmp_path, capsys):
    src = make_folder(tmp_path / 'src')
    out = tmp_path / 'out'
    for k in range(2):
        assert run(src, out, '--mode', 'rs', '-P', '8', '--shard', f'{k}/2') == 0
    (out / '.mmppml-shard-1-of-2.json').write_text('[1, 2]')
    assert run(src, out, '--mode', 'rs', '-P', '8', '--merge') == 2
    assert 'shard(s) 1/2 have not finished' in capsys.readouterr().err


def test_multi_frame_images_are_noted_in_the_report(tmp_path, capsys):
    from PIL import Image
    src = tmp_path / 'src' / 'a'
    src.mkdir(parents=True)
    frames = [Image.fromarray(noise(32, seed=i)) for i in range(3)]
    frames[0].save(src / 'stack.tif', save_all=True, append_images=frames[1:])
    out = tmp_path / 'out'
    assert run(src.parent, out, '--mode', 'rs', '-P', '8') == 0
    assert report_of(out)['decoded_with_loss'] == {'frames': ['a/stack.tif']}
    assert 'first frame kept' in capsys.readouterr().out


# Folders below the class level ------------------------------------------------------------------------


@pytest.mark.parametrize('keep_names', [False, True])
def test_folders_below_a_class_never_reach_the_hand_over(tmp_path, keep_names):
    """``cats/2021-06-12 Alice and Bob wedding, Lyon/...`` used to reach the hand-over and its journal, and
    the manifest counted it as a class: its images now join the class."""
    src = tmp_path / 'src'
    private = '2021-06-12 Alice and Bob wedding, Lyon'
    images = [('cats/' + private, 'IMG_0001.png'), ('cats/' + private + '/day 2', 'IMG_0002.png'),
              ('cats', 'tabby.png'), ('dogs', 'rex.png')]
    for seed, (folder, name) in enumerate(images):
        (src / folder).mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(src / folder / name), noise(32, seed=seed))
    out = tmp_path / 'out'
    extra = ('--keep-names', ) if keep_names else ()
    assert run(src, out, '--mode', 'rs', '-P', '8', *extra) == 0
    written = sorted(str(p.relative_to(out)) for p in pngs(out))
    if keep_names:
        assert written == ['cats/IMG_0001.png', 'cats/IMG_0002.png', 'cats/tabby.png', 'dogs/rex.png']
    else:
        assert written == ['cats/000000.png', 'cats/000001.png', 'cats/000002.png', 'dogs/000000.png']
    assert sorted(p.name for p in (out / 'cats').iterdir()) == sorted(Path(w).name for w in written[:3])
    for path in out.rglob('*'):
        assert 'Alice' not in str(path)
        if path.is_file() and not path.name.endswith('.png'):  # the journal, the manifest
            assert 'Alice' not in path.read_text(errors='replace')
    assert json.loads((out / 'manifest.json').read_text())['counts']['classes'] == 2
    # Each output is the shuffle of the source it is named after (the same class, all of them).
    sources = sorted(src.rglob('*.png'))
    assert sorted(patch_multiset(cv2.imread(str(p)), 8)
                  for p in pngs(out)) == sorted(patch_multiset(cv2.imread(str(p)), 8) for p in sources)
    # A rerun finds everything done.
    assert run(src, out, '--mode', 'rs', '-P', '8', *extra) == 0


def test_keep_names_with_clashing_files_in_sub_folders_is_refused(tmp_path, capsys):
    src = tmp_path / 'src'
    for folder in ('cats/a', 'cats/b'):
        (src / folder).mkdir(parents=True)
        cv2.imwrite(str(src / folder / 'same.png'), noise(32))
    assert run(src, tmp_path / 'out', '--mode', 'rs', '-P', '8', '--keep-names') == 2
    assert 'cats/same.png' in capsys.readouterr().err and not (tmp_path / 'out').exists()


def test_coco_file_name_folders_never_reach_the_hand_over(tmp_path):
    coco = coco_source(tmp_path)
    (tmp_path / 'img' / 'Alice wedding').mkdir()
    os.replace(tmp_path / 'img' / '0.png', tmp_path / 'img' / 'Alice wedding' / '0.png')
    coco['images'][0]['file_name'] = 'Alice wedding/0.png'
    out = tmp_path / 'out'
    assert run_on_coco(tmp_path, coco, '--keep-names') == 0
    assert sorted(str(p.relative_to(out)) for p in pngs(out)) == ['images/0.png', 'images/1.png']
    assert all('Alice' not in str(p) for p in out.rglob('*')) and 'Alice' not in (out / 'annotations.json').read_text()


# Values that are not finite, repeated file names ---------------------------------------------------


@pytest.mark.parametrize('path, value', [
    (('annotations', 0, 'area'), 1e308),
    (('annotations', 0, 'bbox'), [1e308, 0, 4, 4]),
    (('annotations', 0, 'bbox'), [0, 0, 4, 1e308]),
    (('annotations', 0, 'segmentation'), [[0, 0, 4, 0, -1e308, 4]]),
    (('annotations', 0, 'keypoints'), [1e308, 0, 2]),
    (('annotations', 0, 'area'), float('inf')),
    (('annotations', 0, 'bbox'), [0, 0, float('nan'), 4]),
])
def test_values_not_finite_once_rescaled_are_refused_before_encrypting(tmp_path, capsys, path, value):
    """1e308 times the scale of --resize 640 640 used to be handed over as Infinity (not JSON)."""
    coco = coco_source(tmp_path)
    set_path(coco, path, value)
    out = tmp_path / 'out'
    assert run_on_coco(tmp_path, coco, '--resize', '640', '640') == 2
    err = capsys.readouterr().err
    assert f'annotations[0] {path[-1]}' in err and 'Traceback' not in err and not out.exists(), err


def test_a_repeated_coco_file_name_is_named_without_a_wrong_hint(tmp_path, capsys):
    coco = coco_source(tmp_path)
    coco['images'][1]['file_name'] = coco['images'][0]['file_name']
    assert run_on_coco(tmp_path, coco) == 2
    err = capsys.readouterr().err
    assert "images[1] repeats the file_name '0.png' of images[0]" in err and '--keep-names' not in err, err
