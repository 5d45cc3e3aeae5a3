import numpy as np
import pytest

from mmppml.crypto import mix_subpatches
from mmppml.privacy import image_scores, prior_unmix, tile_mixed, upsample_mixed

pytest.importorskip('skimage')


@pytest.mark.filterwarnings('ignore:divide by zero:RuntimeWarning')  # PSNR of identical images is infinite
def test_image_scores_on_constructed_cases():
    plain = np.full((32, 32, 3), 100, np.uint8)
    same = image_scores(plain, plain.copy())
    assert same['psnr'] == np.inf and same['ssim'] == pytest.approx(1.0)
    # MSE 100 -> PSNR = 10 log10(255^2 / 100)
    assert image_scores(plain, plain + 10)['psnr'] == pytest.approx(10 * np.log10(255**2 / 100))
    # SSIM sees structure: a checkerboard against its inverse anti-correlates
    board = np.indices((32, 32)).sum(0) % 2 * 255
    board = board.astype(np.uint8)
    assert image_scores(board, board)['ssim'] == pytest.approx(1.0)
    assert image_scores(board, 255 - board)['ssim'] < 0
    with pytest.raises(ValueError, match='shapes differ'):
        image_scores(plain, plain[:16])


def test_baselines_are_consistent_with_the_ciphertext(make_smooth):
    img = make_smooth((64, 64, 3), sigma=4, seed=1)
    mixed = mix_subpatches(img, 16, 8)
    for rec in (tile_mixed(mixed, 16, 8), prior_unmix(mixed, 16, 8, iterations=50)):
        assert rec.shape == img.shape and rec.dtype == np.uint8
        assert np.abs(mix_subpatches(rec, 16, 8) - mixed).mean() < 0.5  # re-mixes to the input (up to rounding)
    assert upsample_mixed(mixed, 2, order=0).shape == img.shape


def test_smoothness_prior_beats_tiling_on_smooth_images(make_smooth):
    img = make_smooth((64, 64, 3), sigma=4, seed=2)
    mixed = mix_subpatches(img, 16, 8)
    tile = image_scores(img, tile_mixed(mixed, 16, 8))
    prior = image_scores(img, prior_unmix(mixed, 16, 8, iterations=200))
    assert prior['psnr'] > tile['psnr'] + 2


def test_tile_is_exact_for_images_with_equal_subpatches(make_smooth):
    sub = make_smooth((8, 8, 3), seed=3)
    img = np.tile(sub, (4, 4, 1))  # every 16x16 patch holds four copies of the same 8x8 sub-patch
    np.testing.assert_array_equal(tile_mixed(mix_subpatches(img, 16, 8), 16, 8), img)
