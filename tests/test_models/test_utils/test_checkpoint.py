"""load_checkpoint_with_report: a plain detector's checkpoint into the MI detector, every key accounted for."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmppml.models.utils import load_checkpoint_with_report

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
TINY = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)

pytestmark = pytest.mark.usefixtures('mmdet_scope')


def build(name: str):
    from mmdet.registry import MODELS
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'mmdet', name + '.py')).model
    cfg.backbone.update(arch=TINY, init_cfg=None)
    cfg.neck.in_channels = TINY['embed_dims']
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


@pytest.fixture(scope='module')
def plain_checkpoint(tmp_path_factory):
    plain = build('retinanet_pevit-tiny-plain-p16_simplefpn_50e_trees')
    path = str(tmp_path_factory.mktemp('ckpt') / 'plain.pth')
    torch.save({'state_dict': plain.state_dict(), 'meta': {}}, path)
    return path, plain.state_dict()


def test_linear_mi_detector_converts_the_patch_conv_and_loads_the_rest(plain_checkpoint):
    path, plain = plain_checkpoint
    mi = build('retinanet_pevit-tiny-mi-p16s8_simplefpn_50e_trees-plainft')
    report = load_checkpoint_with_report(mi, path)
    assert set(report.converted) == {'backbone.patch_embed.projection.weight'}
    assert report.skipped == {} and report.missing == []
    assert report.loaded == sorted(set(plain) - {'backbone.patch_embed.projection.weight'})
    own = mi.state_dict()
    for name in report.loaded:
        torch.testing.assert_close(own[name], plain[name], atol=0, rtol=0)
    assert own['backbone.patch_embed.projection.weight'].shape[-2:] == (8, 8)


def test_gelu_mi_detector_skips_the_patch_conv(plain_checkpoint):
    path, plain = plain_checkpoint
    mi = build('retinanet_pevit-tiny-mi-p16s8_simplefpn_50e_trees')
    report = load_checkpoint_with_report(mi, path)
    conv = 'backbone.patch_embed.projection.'
    assert report.converted == {}
    assert set(report.skipped) == {conv + 'weight', conv + 'bias'}
    assert report.missing == sorted([
        conv + 'weight', conv + 'bias', 'backbone.patch_embed.pointwise.weight', 'backbone.patch_embed.pointwise.bias'
    ])
    assert report.loaded == sorted(set(plain) - set(report.skipped))


def test_other_shapes_are_reported_not_raised(plain_checkpoint):
    path, plain = plain_checkpoint
    state = dict(plain)
    name = 'bbox_head.retina_cls.weight'
    state[name] = torch.zeros(5, *plain[name].shape[1:])  # a detector with other classes
    state['extra.weight'] = torch.zeros(1)
    report = load_checkpoint_with_report(
        build('retinanet_pevit-tiny-mi-p16s8_simplefpn_50e_trees-plainft'), dict(state_dict=state))
    assert 'copying a param with shape' in report.skipped[name]
    assert report.skipped['extra.weight'] == 'the model has no such parameter'
    assert report.missing == [name]


def test_downscaled_reference_converts_the_patch_conv_exactly(tmp_path):
    plain = build('retinanet_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det')
    path = str(tmp_path / 'plain.pth')
    torch.save({'state_dict': plain.state_dict(), 'meta': {}}, path)
    half = build('retinanet_pevit-tiny-plain-p8_simplefpn_6e_fmnist-det-half-plainft')
    report = load_checkpoint_with_report(half, path)
    assert set(report.converted) == {'backbone.patch_embed.projection.weight'}
    assert report.skipped == {} and report.missing == []
    # On a photo whose 2 x 2 pixel blocks are flat, the downscaled image's 8-px patches embed as the photo's
    # 16-px ones: the converted conv is the plain one for images downscaled by 2.
    half_image = torch.randn(1, 3, 32, 48)
    photo = half_image.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)
    with torch.no_grad():
        expected, grid = plain.backbone.patch_embed(photo)
        got, half_grid = half.backbone.patch_embed(half_image)
    assert grid == half_grid == (4, 6)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
    with torch.no_grad():  # and not for an image with detail inside the blocks
        noisy, _ = plain.backbone.patch_embed(photo + torch.randn_like(photo))
    assert (noisy - got).abs().max() > 0.1
