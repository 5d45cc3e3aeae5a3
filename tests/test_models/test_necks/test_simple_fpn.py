"""SimpleFPN and LayerNorm2d: the pyramid a plain ViT's single feature map feeds to mmdet heads."""
import pytest
import torch

from mmppml.models.necks import LayerNorm2d, SimpleFPN


def test_levels_have_the_requested_strides_and_channels():
    neck = SimpleFPN(in_channels=32, out_channels=16, scale_factors=(4, 2, 1, 0.5, 0.25))
    outs = neck((torch.randn(2, 32, 8, 12), ))
    assert [tuple(o.shape) for o in outs] == [(2, 16, 32, 48), (2, 16, 16, 24), (2, 16, 8, 12), (2, 16, 4, 6),
                                              (2, 16, 2, 3)]
    assert all(torch.isfinite(o).all() for o in outs)


def test_uses_the_last_map_of_the_backbone_tuple():
    torch.manual_seed(0)
    neck = SimpleFPN(in_channels=8, out_channels=8, scale_factors=(1, ))
    x = torch.randn(1, 8, 4, 4)
    assert torch.equal(neck((torch.zeros_like(x), x))[0], neck((x, ))[0])


def test_levels_follow_a_shift_of_the_input():
    """Each level is built by local ops, so shifting the token grid by one shifts level s by s."""
    torch.manual_seed(0)
    neck = SimpleFPN(in_channels=8, out_channels=8, scale_factors=(2, 1)).eval()
    x = torch.randn(1, 8, 10, 10)
    shifted = torch.roll(x, shifts=1, dims=3)
    for scale, out, out_shifted in zip((2, 1), neck(x), neck(shifted)):
        # Compare away from the borders, where the 3x3 padding and the roll wrap-around act.
        inner = slice(2 * scale + 1, -2 * scale - 1)
        torch.testing.assert_close(out_shifted[..., inner, inner],
                                   torch.roll(out, shifts=scale, dims=3)[..., inner, inner])


def test_gradients_reach_the_input_from_every_level():
    neck = SimpleFPN(in_channels=8, out_channels=4, scale_factors=(4, 1, 0.5))
    for level in range(3):
        x = torch.randn(1, 8, 4, 4, requires_grad=True)
        out = neck(x)[level]
        # a random weighting: a plain sum of a layer-normed map over its channels is constant
        (out * torch.randn_like(out)).sum().backward()
        assert x.grad.abs().sum() > 0


@pytest.mark.parametrize('scales', [(3, 1), (1, 2), (2, 2), (), (0.3, )])
def test_rejects_bad_scale_factors(scales):
    with pytest.raises(ValueError, match='scale_factors'):
        SimpleFPN(in_channels=8, out_channels=8, scale_factors=scales)


def test_rejects_tokens_instead_of_a_feature_map():
    neck = SimpleFPN(in_channels=8, out_channels=8)
    with pytest.raises(ValueError, match="out_type='featmap'"):
        neck((torch.randn(2, 16, 8), ))


def test_ln2d_normalises_each_position_over_channels():
    norm = LayerNorm2d(6)
    with torch.no_grad():
        norm.weight.uniform_(0.5, 2)
        norm.bias.uniform_(-1, 1)
    x = torch.randn(2, 6, 3, 5)
    expected = torch.nn.functional.layer_norm(x.permute(0, 2, 3, 1), (6, ), norm.weight, norm.bias,
                                              1e-6).permute(0, 3, 1, 2)
    torch.testing.assert_close(norm(x), expected)
    unit = LayerNorm2d(6)(x)
    torch.testing.assert_close(unit.mean(dim=1), torch.zeros(2, 3, 5), atol=1e-5, rtol=0)


def test_levels_are_contiguous_so_mmcv_roi_align_reads_them_right():
    """mmcv's RoIAlign reads a strided (channels-last) view as if contiguous: pooled features must match."""
    from mmcv.ops import RoIAlign
    torch.manual_seed(0)
    neck = SimpleFPN(in_channels=8, out_channels=8, scale_factors=(2, 1)).eval()
    rois = torch.tensor([[0, 2., 3., 20., 25.], [1, 10., 0., 31., 17.]])
    with torch.no_grad():
        for level, stride in zip(neck(torch.randn(2, 8, 8, 8)), (8, 16)):
            assert level.is_contiguous()
            pool = RoIAlign(7, spatial_scale=1 / stride, sampling_ratio=0)
            # the reference: each channel pooled alone, as a (1, 1, h, w) map whose layout cannot be strided
            reference = torch.cat([pool(level[:, c:c + 1].clone(), rois) for c in range(level.shape[1])], dim=1)
            torch.testing.assert_close(pool(level, rois), reference)


def receptive_tokens(y: int, scale: float, size: int) -> set:
    """The input tokens (along one axis) that a level-``scale`` pixel ``y`` can see: token i covers
    [i * s, (i + 1) * s) of the level, and the level's 3x3 conv reads pixels y - 1 .. y + 1."""
    return {i for i in range(size) if i * scale < y + 2 and (i + 1) * scale > y - 1}


@pytest.mark.parametrize('scale', [4, 2, 1, 0.5, 0.25])
def test_each_level_pixel_sees_the_tokens_under_it_at_the_level_s_stride(scale):
    """Level s has stride p / s: its pixel (y, x) depends on the tokens at (y / s, x / s) only."""
    torch.manual_seed(0)
    neck = SimpleFPN(in_channels=8, out_channels=4, scale_factors=(scale, )).eval()
    size = 8
    x = torch.randn(1, 8, size, size, requires_grad=True)
    out = neck(x)[0]
    assert tuple(out.shape[-2:]) == (int(size * scale), int(size * scale))
    for y, xx in [(1, 1), (int(size * scale) // 2, int(size * scale) - 2)]:
        x.grad = None
        (out[0, :, y, xx] * torch.randn(4)).sum().backward(retain_graph=True)
        seen = x.grad[0].abs().sum(0) > 0
        rows, cols = set(seen.any(1).nonzero()[:, 0].tolist()), set(seen.any(0).nonzero()[:, 0].tolist())
        rows_allowed, cols_allowed = receptive_tokens(y, scale, size), receptive_tokens(xx, scale, size)
        if scale >= 1:  # every token under the window counts
            assert (rows, cols) == (rows_allowed, cols_allowed)
        else:  # max pooling: the largest token of each window, all of them under the window
            assert rows and cols and rows <= rows_allowed and cols <= cols_allowed
            centre = range(int(y / scale), int((y + 1) / scale))
            assert seen[centre][:, int(xx / scale):int((xx + 1) / scale)].any()


def test_the_default_norm_normalises_each_position_of_every_level_over_channels():
    neck = SimpleFPN(in_channels=8, out_channels=16, scale_factors=(4, 1, 0.5))
    for level in neck(torch.randn(2, 8, 4, 4) * 5 + 3):
        torch.testing.assert_close(level.mean(1), torch.zeros_like(level[:, 0]), atol=1e-5, rtol=0)
        torch.testing.assert_close(level.var(1, unbiased=False), torch.ones_like(level[:, 0]), atol=1e-2, rtol=0)


def test_the_norm_and_activation_cfgs_are_the_ones_built():
    neck = SimpleFPN(
        in_channels=8, out_channels=16, scale_factors=(4, 1), norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU'))
    modules = list(neck.modules())
    assert not any(isinstance(m, (LayerNorm2d, torch.nn.GELU)) for m in modules)
    assert [type(m) for m in neck.resamplers[0]
            ] == [torch.nn.ConvTranspose2d, torch.nn.BatchNorm2d, torch.nn.ReLU, torch.nn.ConvTranspose2d]
    assert all(isinstance(conv.norm, torch.nn.BatchNorm2d) for conv in (*neck.lateral_convs, *neck.output_convs))
    # behaviour: a batch norm in training normalises each channel over the batch and positions
    for level in neck.train()(torch.randn(4, 8, 4, 4) * 5 + 3):
        torch.testing.assert_close(level.mean((0, 2, 3)), torch.zeros(16), atol=1e-4, rtol=0)
        torch.testing.assert_close(level.var((0, 2, 3), unbiased=False), torch.ones(16), atol=1e-2, rtol=0)
    default = SimpleFPN(in_channels=8, out_channels=16, scale_factors=(4, 1))
    assert [type(m) for m in default.resamplers[0]
            ] == [torch.nn.ConvTranspose2d, LayerNorm2d, torch.nn.GELU, torch.nn.ConvTranspose2d]
