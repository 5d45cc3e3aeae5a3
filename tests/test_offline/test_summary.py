"""What a run did, as printed and reported (mmppml/offline/summary.py), and that its counts add up."""
import cv2
import numpy as np
import pytest

from mmppml.offline import EncryptionSpec, Summary, encrypt_dataset
from mmppml.offline.files import UNSUPPORTED_FORMAT
from mmppml.offline.summary import LOSS_NOTES


def test_the_counts_of_a_run_and_of_its_rerun_add_up_to_the_sources(tmp_path):
    src = tmp_path / 'src'
    (src / 'a').mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(3):
        cv2.imwrite(str(src / 'a' / f'{i}.png'), rng.integers(0, 256, (16, 16, 3), dtype=np.uint8))
    (src / 'a' / 'broken.png').write_bytes(b'not an image')
    (src / 'a' / 'notes.txt').write_text('x')
    spec = EncryptionSpec('rs', 8)
    first = encrypt_dataset(src, tmp_path / 'out', spec, progress_stream=None)
    assert (first.sources, first.done_before, first.encrypted, len(first.skipped)) == (4, 0, 3, 1)
    assert first.exit_code == 3 and [s['file'] for s in first.skipped] == ['a/broken.png']
    assert [i['file'] for i in first.ignored] == ['a/notes.txt']
    again = encrypt_dataset(src, tmp_path / 'out', spec, progress_stream=None)
    assert (again.sources, again.done_before, again.encrypted, len(again.skipped)) == (4, 3, 0, 1)
    for summary in (first, again):
        assert summary.sources == summary.done_before + summary.encrypted + len(summary.skipped)
        assert summary.lines()[0].startswith(f'sources: 4, already done: {summary.done_before}, encrypted now: '
                                             f'{summary.encrypted} in ')
        assert summary.lines()[0].endswith('skipped: 1')


def test_the_exit_code_says_whether_anything_was_skipped():
    assert Summary(sources=2, encrypted=2).exit_code == 0
    assert Summary(sources=2, encrypted=1, skipped=[dict(file='x', reason='y')]).exit_code == 3


def test_the_rate_is_images_per_second():
    assert '(2.5 img/s)' in Summary(sources=5, encrypted=5, seconds=2.).lines()[0]
    assert '(0.0 img/s)' in Summary(sources=5).lines()[0]  # no time: no division


def test_ten_skipped_files_are_printed_and_the_rest_counted(tmp_path):
    skipped = [dict(file=f'a/{i}.png', reason='corrupt') for i in range(13)]
    lines = Summary(sources=13, skipped=skipped, report_file=tmp_path / 'r.json').lines()
    printed = [line for line in lines if line.startswith('  skipped ')]
    assert printed == [f'  skipped a/{i}.png: corrupt' for i in range(10)]
    assert lines[-1] == f'  ... 3 more in {tmp_path / "r.json"}'


@pytest.mark.parametrize('others', [1, 2])
def test_unsupported_images_are_told_apart_from_other_ignored_entries(others):
    ignored = [
        dict(file='a/x.GIF', reason=f'{UNSUPPORTED_FORMAT}: GIF'),
        dict(file='b/y.heic', reason=f'{UNSUPPORTED_FORMAT}: HEIC')
    ] + [dict(file=f'.h{i}', reason='hidden (name starts with a dot)') for i in range(others)]
    lines = Summary(sources=1, ignored=ignored).lines()
    assert '2 image file(s) NOT encrypted, their format is not supported (.gif, .heic): convert them to PNG and ' \
           'rerun (all listed in the report)' in lines
    assert '  not encrypted a/x.GIF' in lines and '  not encrypted b/y.heic' in lines
    noun = 'entry' if others == 1 else 'entries'
    assert f'ignored {others} {noun} of the source that are not images to encrypt ' \
           '(hidden (name starts with a dot))' in lines


def test_losses_coco_fields_and_orphans_are_counted():
    lines = Summary(
        sources=3,
        lossy={
            loss: ['a.png'] * (i + 1)
            for i, loss in enumerate(sorted(LOSS_NOTES))
        },
        coco_fields_dropped=dict(images=dict(flickr_url=3, date=1), top_level=dict(info=1)),
        annotations_without_image=[dict(annotation=0, image_id=9)] * 2).lines()
    for i, loss in enumerate(sorted(LOSS_NOTES)):
        assert f'{i + 1} image(s) decoded with their {LOSS_NOTES[loss]}' in lines
    assert any(line.startswith('3 field(s) of the COCO file') for line in lines)
    assert any(line.startswith('2 COCO annotation(s) name no image') for line in lines)
    assert len(Summary(sources=3).lines()) == 1  # nothing else to say
