"""The views' description in reports follows their parameters."""
from mmppml.privacy.scores.views import PHOTO_VIEWS, VIEWS, ViewConfig


def test_a_view_is_described_by_its_own_parameters():
    assert VIEWS == dict(shift=ViewConfig(), crop=PHOTO_VIEWS)
    assert VIEWS['shift'].describe() == ('a shift of up to 2 px, contrast x 0.75-1.25, brightness -25 to +25, '
                                         'blur sigma 0-1 px')
    assert VIEWS['crop'].describe().startswith('a crop of 85%-100% of the side, rescaled, contrast x 0.8-1.2')
    custom = ViewConfig(max_shift=3, contrast=(0.5, 1.5), brightness=(-10., 5.), blur=(0.5, 2.), crop=(0.7, 0.9))
    assert custom.describe() == ('a shift of up to 3 px, a crop of 70%-90% of the side, rescaled, contrast x 0.5-1.5, '
                                 'brightness -10 to +5, blur sigma 0.5-2 px')
