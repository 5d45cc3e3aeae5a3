"""tools/encrypt_dataset.py against hostile names, annotations and keys, and careless --report paths.

Each test reproduces one way a run used to hand over a weak image, lose a file or end in a traceback,
and checks the documented exit code, the one-line message and that nothing was lost or written.
"""
import json
import os
import zipfile

import cv2
import numpy as np
import pytest
from test_encrypt_dataset_faults import make_folder, noise, pngs, report_of, run

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
    anns = [dict(id=1, image_id=1, category_id=1, bbox=[1, 2, 10, 12], area=120, iscrowd=0)]
    return dict(images=images, annotations=anns, categories=[dict(id=1, name='thing')])


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
    ann = tmp_path / 'ann.json'
    ann.write_text(json.dumps(coco))
    out = tmp_path / 'out'
    for _ in range(2):  # a rerun gives the same answer
        assert run(tmp_path / 'img', out, '--mode', 'mi', '-P', '16', '-S', '8', '--coco-ann', ann, '--keep-names') == 2
        err = capsys.readouterr().err
        assert named in err and 'Traceback' not in err and err.count('\n') == 1
        assert not out.exists()


def test_coco_annotations_of_unknown_images_are_reported_and_info_dropped(tmp_path):
    coco = coco_source(tmp_path)
    coco['annotations'].append(dict(id=2, image_id=99, category_id=1, bbox=[0, 0, 4, 4]))
    coco['info'] = dict(description='holiday photos of the Smith family', url='http://example.org/smith')
    coco['licenses'] = [dict(id=1, name='private', url='http://example.org/smith/licence')]
    ann = tmp_path / 'ann.json'
    ann.write_text(json.dumps(coco))
    out = tmp_path / 'out'
    assert run(tmp_path / 'img', out, '--mode', 'mi', '-P', '16', '-S', '8', '--coco-ann', ann) == 0
    assert report_of(out)['annotations_without_image'] == [{'annotation': 1, 'image_id': 99}]
    handed_over = json.loads((out / 'ann.json').read_text())
    assert set(handed_over) == {'images', 'annotations', 'categories'}
    assert [a['id'] for a in handed_over['annotations']] == [1]
    assert 'Smith' not in (out / 'ann.json').read_text()


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
