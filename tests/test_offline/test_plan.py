"""What a run will encrypt and under which names, before anything is written (mmppml/offline/plan.py)."""
import json
from pathlib import PurePosixPath

import pytest

from mmppml.offline import EncryptionError, EncryptionSpec
from mmppml.offline.plan import COCO_IMAGE_DIR, NAME_MAX, _check_output_names, plan_sources

RS = EncryptionSpec('rs', 8)
MI = EncryptionSpec('mi', 8, 4)
# Folders below a class may name people, places and dates.
SOURCES = [
    'cat/2021 Lyon/Jane Doe.jpg', 'cat/2021 Lyon/b.png', 'cat/a.png', 'cat/Paris/x/deep.jpeg', 'dog/0.png',
    'dog/Bob Smith/1.bmp', 'top.png'
]


@pytest.fixture
def source(tmp_path):
    for name in SOURCES:
        (tmp_path / 'src' / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / 'src' / name).write_bytes(b'')  # listed by name only
    return tmp_path / 'src'


@pytest.mark.parametrize('keep_names', [False, True])
def test_output_names_are_unique_and_keep_only_the_class_folder(source, tmp_path, keep_names):
    plan = plan_sources(source, tmp_path / 'out', RS, None, keep_names, False)
    assert plan.layout == 'image-folder' and plan.target == tmp_path / 'out'
    assert sorted(plan.names) == sorted(SOURCES)
    assert len(set(plan.names.values())) == len(SOURCES)
    for src, dst in plan.names.items():
        src_parts, dst_parts = PurePosixPath(src).parts, PurePosixPath(dst).parts
        assert dst.endswith('.png') and dst_parts[:-1] == src_parts[:-1][:1]  # the class, or nothing
        below = set(src_parts[1:-1])  # the folders below the class never reach the output
        assert not below & set(dst_parts) and not any(folder in dst for folder in below)
        if keep_names:
            assert dst_parts[-1] == PurePosixPath(src).stem + '.png'
        else:
            assert dst_parts[-1][:-4].isdigit()  # an index: the file's own name is gone too


def test_index_names_follow_the_sorted_listing_of_each_class(source, tmp_path):
    plan = plan_sources(source, tmp_path / 'out', RS, None, False, False)
    for cls in ('cat', 'dog'):
        members = sorted(src for src in SOURCES if src.startswith(cls + '/'))
        assert [plan.names[src] for src in members] == [f'{cls}/{i:06d}.png' for i in range(len(members))]
    assert plan.names['top.png'] == '000000.png'


def test_sources_that_would_clash_or_pass_for_the_tool_s_files_are_refused(tmp_path):
    (tmp_path / 'src' / 'cat' / 'x').mkdir(parents=True)
    (tmp_path / 'src' / 'cat' / 'a.png').write_bytes(b'')
    (tmp_path / 'src' / 'cat' / 'x' / 'a.jpg').write_bytes(b'')
    with pytest.raises(EncryptionError, match='would be shared by several sources'):
        plan_sources(tmp_path / 'src', tmp_path / 'out', RS, None, True, False)
    (tmp_path / 'src' / 'manifest.json').mkdir()
    (tmp_path / 'src' / 'manifest.json' / 'b.png').write_bytes(b'')
    with pytest.raises(EncryptionError, match="holds 'manifest.json', a name the tool writes"):
        plan_sources(tmp_path / 'src', tmp_path / 'out', RS, None, False, False)


def test_names_the_run_could_not_write_are_refused():
    with pytest.raises(EncryptionError, match="names starting with '.mmppml'"):
        _check_output_names({'a.png': '.mmppml-lock/a.png'}, 'source image')
    long = 'é' * 127 + '.png'  # 258 bytes
    with pytest.raises(EncryptionError, match=f'more than {NAME_MAX} bytes'):
        _check_output_names({'a/' + long: 'a/' + long}, 'source image')
    _check_output_names({'a/b.png': 'a/' + 'x' * 251 + '.png'}, 'source image')  # 255 bytes: fine


def test_a_folder_without_images_is_refused(tmp_path):
    (tmp_path / 'notes.txt').write_text('x')
    with pytest.raises(EncryptionError, match='no images found'):
        plan_sources(tmp_path, tmp_path.parent / 'out', RS, None, False, False)


def test_a_shard_gets_every_nth_task_relative_to_the_output(source, tmp_path):
    out = tmp_path / 'out'
    plan = plan_sources(source, out, RS, None, False, False)
    plan.assign(out, None)
    everything = dict(plan.tasks)
    assert everything == plan.names
    parts = []
    for k in range(3):
        plan.assign(out, (k, 3))
        parts.append(plan.tasks)
        assert list(plan.tasks) == list(everything)[k::3]
    assert {src: dst for part in parts for src, dst in part.items()} == everything


def coco_file(tmp_path, **extra):
    coco = dict(
        images=[
            dict(id=3, file_name='Jane Doe/home.jpg', width=32, height=32),
            dict(id=12, file_name='b.png', width=48, height=32, flickr_url='http://x')
        ],
        annotations=[dict(id=1, image_id=3, category_id=1, bbox=[0, 0, 8, 8], area=64, attributes={'name': 'Jane'})],
        categories=[dict(id=1, name='person')],
        info=dict(description='holiday'),
        **extra)
    path = tmp_path / 'ann.json'
    path.write_text(json.dumps(coco))
    return path


def test_a_coco_plan_names_images_by_id_below_images(tmp_path):
    out = tmp_path / 'out'
    plan = plan_sources(tmp_path, out, MI, coco_file(tmp_path), False, False)
    assert plan.layout == 'coco' and plan.target == out / COCO_IMAGE_DIR
    assert plan.names == {'Jane Doe/home.jpg': '000000000003.png', 'b.png': '000000000012.png'}
    assert plan.sizes == {'Jane Doe/home.jpg': (32, 32), 'b.png': (32, 48)}
    assert plan.dropped_fields == dict(
        top_level=dict(info=1), images=dict(flickr_url=1), annotations=dict(attributes=1))
    plan.assign(out, None)
    assert plan.tasks['b.png'] == 'images/000000000012.png'


def test_a_coco_plan_refuses_what_would_break_its_boxes(tmp_path):
    ann = coco_file(tmp_path)
    with pytest.raises(EncryptionError, match="mode 'rs' shuffles blocks"):
        plan_sources(tmp_path, tmp_path / 'out', RS, ann, False, False)
    (tmp_path / 'out').mkdir()
    inside = tmp_path / 'out' / 'ann.json'
    inside.write_text(ann.read_text())
    with pytest.raises(EncryptionError, match='must not be inside the output'):
        plan_sources(tmp_path, tmp_path / 'out', MI, inside, False, False)
