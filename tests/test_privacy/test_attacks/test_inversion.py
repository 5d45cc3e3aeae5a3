import numpy as np
import pytest

torch = pytest.importorskip('torch')

from mmppml.crypto import mix_subpatches  # noqa: E402
from mmppml.privacy.attacks.inversion import MixInverter, invert_mixed, train_inverter, unmix_layout  # noqa: E402
from mmppml.privacy.attacks.mi_baselines import tile_mixed  # noqa: E402


@pytest.mark.parametrize('p,s', [(16, 8), (8, 2)])
def test_unmix_layout_puts_subpatch_pixels_back(p, s):
    r = p // s
    img = np.random.default_rng(0).random((2 * p, 3 * p)).astype(np.float32)
    # channel a*r+b at mixed pixel (gy*S+i, gx*S+j) = pixel (gy*P + a*S + i, gx*P + b*S + j)
    grid = img.reshape(2, r, s, 3, r, s)  # (gy, a, i, gx, b, j)
    sub = grid.transpose(1, 4, 0, 2, 3, 5).reshape(1, r * r, 2 * s, 3 * s)
    out = unmix_layout(torch.from_numpy(sub), p, s)
    np.testing.assert_array_equal(out[0, 0].numpy(), img)


def test_inverter_output_always_remixes_to_its_input(make_smooth):
    torch.manual_seed(0)
    model = MixInverter(16, 8, width=8, dilations=(1, 2)).eval()
    mixed = mix_subpatches(make_smooth((32, 48, 3), seed=0), 16, 8)
    # untrained (zero head): the output is the tiling baseline
    np.testing.assert_array_equal(invert_mixed(model, mixed), tile_mixed(mixed, 16, 8))
    for prm in model.parameters():
        torch.nn.init.normal_(prm, std=0.3)
    x = torch.from_numpy(mixed.transpose(2, 0, 1)[:, None] / 255.0)
    out = model(x.float())
    remixed = out.reshape(3, 1, 2, 2, 8, 3, 2, 8).mean(dim=(3, 6)).reshape(3, 1, 16, 24)
    torch.testing.assert_close(remixed, x.float(), atol=1e-5, rtol=0)


def test_training_lowers_the_error(make_smooth):
    torch.set_num_threads(1)
    plain = np.stack([make_smooth((32, 32, 3), sigma=3, seed=s) for s in range(16)])
    model = train_inverter(plain, 16, 8, max_steps=40, batch_size=4, lr=3e-3, width=8, dilations=(1, 2, 4))
    assert (model.trained_steps, model.trained_images) == (40, 40 * 4 * 3)  # each channel is a sample

    def err(rec):
        return np.mean((rec.astype(float) - plain[0].astype(float))**2)

    mixed = mix_subpatches(plain[0], 16, 8)
    assert err(invert_mixed(model, mixed)) < 0.9 * err(tile_mixed(mixed, 16, 8))


def test_train_inverter_refuses_wrong_input():
    with pytest.raises(ValueError, match='uint8'):
        train_inverter(np.zeros((2, 32, 32, 3), np.float32), 16, 8, max_steps=1)
