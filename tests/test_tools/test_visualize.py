import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from mmppml.visualization import make_image_grid, save_png

TOOL = Path(__file__).resolve().parents[2] / 'tools' / 'visualization' / 'visualize_encryption.py'


def solid(color, shape=(20, 20)):
    return np.broadcast_to(np.array(color, np.uint8), (*shape, 3)).copy()


def test_grid_places_each_image_in_its_cell():
    red, green, blue = solid((255, 0, 0)), solid((0, 255, 0)), solid((0, 0, 255))
    gap, cell = 6, 20
    grid = make_image_grid([[red, green], [blue, None]], cell_size=cell, gap=gap)
    assert grid.dtype == np.uint8 and grid.shape == (gap + 2 * (cell + gap), gap + 2 * (cell + gap), 3)
    cell_at = lambda i, j: grid[gap + i * (cell + gap):][:cell, gap + j * (cell + gap):][:, :cell]  # noqa: E731
    np.testing.assert_array_equal(cell_at(0, 0), red)
    np.testing.assert_array_equal(cell_at(0, 1), green)
    np.testing.assert_array_equal(cell_at(1, 0), blue)
    assert (cell_at(1, 1) == 255).all()  # an empty cell stays white


def test_grid_scales_small_images_with_sharp_blocks_and_draws_labels():
    checker = np.kron([[0, 255], [255, 0]], np.ones((4, 4))).astype(np.uint8)  # 8x8 gray, 4-px squares
    plain = make_image_grid([[checker]], cell_size=32, gap=0)
    assert set(np.unique(plain)) == {0, 255}  # nearest-neighbour enlargement: no blurred values
    np.testing.assert_array_equal(plain[:16, :16], 0)
    labelled = make_image_grid([[checker]], row_labels=['row'], col_labels=['col'], cell_size=32, gap=0)
    assert labelled.shape[0] > 32 and labelled.shape[1] > 32
    assert (labelled[:labelled.shape[0] - 32] < 128).any()  # column label ink above the image
    assert (labelled[:, :labelled.shape[1] - 32] < 128).any()  # row label ink left of it
    with pytest.raises(ValueError, match='2 column labels for 1 columns'):
        make_image_grid([[checker]], col_labels=['a', 'b'])


def test_save_png_round_trips_rgb(tmp_path):
    img = np.random.default_rng(0).integers(0, 256, (10, 12, 3), dtype=np.uint8)
    save_png(str(tmp_path / 'sub' / 'g.png'), img)
    np.testing.assert_array_equal(cv2.imread(str(tmp_path / 'sub' / 'g.png'))[..., ::-1], img)
    with pytest.raises(ValueError, match='.png'):
        save_png(str(tmp_path / 'g.jpg'), img)


def test_tool_draws_plain_and_encrypted_columns(tmp_path):
    photo = np.zeros((40, 48, 3), np.uint8)
    photo[:, :, 2] = np.linspace(0, 255, 48, dtype=np.uint8)  # a smooth red ramp (BGR file)
    cv2.imwrite(str(tmp_path / 'ramp.png'), photo)
    out = tmp_path / 'grid.png'
    cmd = [
        sys.executable,
        str(TOOL),
        str(tmp_path / 'ramp.png'), '--out',
        str(out), '--size', '32', '-P', '8', '-S', '4', '--cell-size', '64', '--methods', 'plain', 'rs', 'mi', '--seed',
        '0'
    ]
    subprocess.run(cmd, check=True, capture_output=True)
    grid = cv2.imread(str(out))[..., ::-1]
    # Three columns of 64-px cells after the row-label margin, under a label band.
    cells = grid[-(64 + 6):-6]
    columns = [cells[:, grid.shape[1] - (3 - j) * 70:][:, :64] for j in range(3)]
    plain, rs, mi = columns
    # The plain ramp increases left to right; the RS image has the same pixels in another order.
    assert (np.diff(plain[32, :, 0].astype(int)) >= 0).all()
    assert not (np.diff(rs[32, :, 0].astype(int)) >= 0).all()
    np.testing.assert_array_equal(np.sort(rs[..., 0], axis=None), np.sort(plain[..., 0], axis=None))
    assert (np.diff(mi[32, :, 0].astype(int)) >= 0).all()  # MI keeps the layout


def test_tool_default_uses_sample_photos(tmp_path):
    pytest.importorskip('skimage')
    out = tmp_path / 'grid.png'
    subprocess.run([sys.executable, str(TOOL), '--out', str(out), '--cell-size', '64'], check=True, capture_output=True)
    grid = cv2.imread(str(out))[..., ::-1]
    from skimage import data
    step = 64 + 6  # cell and gap; 3 photos x 5 methods, cells counted from the bottom right
    cell = lambda i, j: grid[grid.shape[0] - (3 - i) * step:][:64, grid.shape[1] - (5 - j) * step:][:, :64]  # noqa
    for i, name in enumerate(('astronaut', 'coffee', 'chelsea')):
        photo = getattr(data, name)()
        side = min(photo.shape[:2])
        top, left = (photo.shape[0] - side) // 2, (photo.shape[1] - side) // 2
        want = cv2.resize(
            np.ascontiguousarray(photo[top:top + side, left:left + side]), (64, 64),
            interpolation=cv2.INTER_AREA).astype(float)
        plain, rs = cell(i, 0).astype(float), cell(i, 1).astype(float)
        assert np.corrcoef(plain.ravel(), want.ravel())[0, 1] > 0.95  # the sample photo, in its row
        assert np.corrcoef(rs.ravel(), want.ravel())[0, 1] < 0.9  # shuffled
        assert abs(rs.mean() - plain.mean()) < 2  # the same pixels, moved
