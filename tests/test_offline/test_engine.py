"""The offline engine called directly (as a data owner's script would), without the command-line tool."""
import cv2
import numpy as np
import pytest

from mmppml.crypto import mix_subpatches, to_blocks
from mmppml.offline import EncryptionError, EncryptionSpec, encrypt_dataset, read_manifest


@pytest.fixture
def photos(tmp_path):
    """Two class folders of random 32 x 48 colour PNGs: {relative path: image}."""
    rng = np.random.default_rng(0)
    images = {}
    for label in ('cat', 'dog'):
        (tmp_path / 'src' / label).mkdir(parents=True)
        for i in range(3):
            img = rng.integers(0, 256, (32, 48, 3), dtype=np.uint8)
            cv2.imwrite(str(tmp_path / 'src' / label / f'{i}.png'), img)
            images[f'{label}/{i}.png'] = img
    return tmp_path / 'src', images


def run(source, output, spec, **kwargs):
    return encrypt_dataset(source, output, spec, progress_stream=None, **kwargs)


def test_rs_writes_a_patch_permutation_of_every_image(photos, tmp_path):
    source, images = photos
    summary = run(source, tmp_path / 'out', EncryptionSpec(mode='rs', patch_size=8), keep_names=True)
    assert (summary.sources, summary.encrypted, summary.exit_code) == (6, 6, 0)
    for name, img in images.items():
        out = cv2.imread(str(tmp_path / 'out' / name), cv2.IMREAD_COLOR)
        assert not np.array_equal(out, img)
        assert sorted(b.tobytes() for b in to_blocks(out, 8)) == sorted(b.tobytes() for b in to_blocks(img, 8))
    assert read_manifest(tmp_path / 'out')['complete'] is True


def test_mi_writes_the_rounded_mean_of_the_sub_patches(photos, tmp_path):
    source, images = photos
    run(source, tmp_path / 'out', EncryptionSpec(mode='mi', patch_size=8, sub_patch_size=4), keep_names=True)
    for name, img in images.items():
        out = cv2.imread(str(tmp_path / 'out' / name), cv2.IMREAD_COLOR)
        expected = np.clip(np.round(mix_subpatches(img, 8, 4)), 0, 255).astype(np.uint8)
        np.testing.assert_array_equal(out, expected)


def test_hidden_names_keep_the_class_folders_and_a_rerun_does_nothing(photos, tmp_path):
    source, _ = photos
    spec = EncryptionSpec(mode='rs-on-mi', patch_size=8, sub_patch_size=4)
    run(source, tmp_path / 'out', spec)
    written = sorted(p.relative_to(tmp_path / 'out').as_posix() for p in (tmp_path / 'out').rglob('*.png'))
    assert written == [f'{label}/{i:06d}.png' for label in ('cat', 'dog') for i in range(3)]  # indices, not names
    again = run(source, tmp_path / 'out', spec)
    assert (again.done_before, again.encrypted) == (6, 0)


def test_another_spec_on_the_same_output_is_refused(photos, tmp_path):
    source, _ = photos
    run(source, tmp_path / 'out', EncryptionSpec(mode='rs', patch_size=8))
    with pytest.raises(EncryptionError, match='settings|spec|differ'):
        run(source, tmp_path / 'out', EncryptionSpec(mode='rs', patch_size=16))
