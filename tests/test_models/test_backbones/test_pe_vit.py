"""PEViT: order invariance (RS), MI equivalence, pretrained loading, argument checks, layer depths."""
import copy

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.registry import DefaultScope
from mmpretrain.engine.optimizers import LearningRateDecayOptimWrapperConstructor
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS

from mmppml.crypto import mix_subpatches, shuffle_patches
from mmppml.models.backbones import PEViT

ARCH = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
PATCH = 8
IMG = 32
ATOL = 1e-5


def build_pevit(**kwargs) -> PEViT:
    torch.manual_seed(0)
    cfg = dict(arch=ARCH, patch_size=PATCH, img_size=IMG, init_cfg=None)
    cfg.update(kwargs)
    model = PEViT(**cfg)
    model.init_weights()
    with torch.no_grad():  # the cls token starts at zero, as in mmpretrain; make it informative
        if model.cls_token is not None:
            model.cls_token.normal_(std=0.5)
    return model.eval()


def build_in_mmpretrain_scope(cfg: dict) -> nn.Module:
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MMPRETRAIN_MODELS.build(cfg)


def random_images(batch=2, size=IMG, seed=1) -> torch.Tensor:
    return torch.randn(batch, 3, size, size, generator=torch.Generator().manual_seed(seed))


def apply_per_image(x: torch.Tensor, fn) -> torch.Tensor:
    """Apply a NumPy (H, W, C) -> (H', W', C) function to each image of a (B, C, H, W) batch."""
    images = [fn(img) for img in x.permute(0, 2, 3, 1).numpy()]
    return torch.from_numpy(np.ascontiguousarray(np.stack(images))).permute(0, 3, 1, 2).contiguous()


def shuffle(x: torch.Tensor, perm: np.ndarray, patch_size=PATCH) -> torch.Tensor:
    return apply_per_image(x, lambda img: shuffle_patches(img, patch_size, perm))


def random_perm(num_patches=(IMG // PATCH)**2, seed=2) -> np.ndarray:
    perm = np.random.default_rng(seed).permutation(num_patches)
    assert not np.array_equal(perm, np.arange(num_patches))
    return perm


# 1. RS: without absolute position embedding the pooled outputs ignore the patch order.
@pytest.mark.parametrize('out_type', ['cls_token', 'avg_featmap'])
@pytest.mark.parametrize('ref_pos_embed', [True, False])
def test_rs_outputs_invariant_to_patch_order(out_type, ref_pos_embed):
    model = build_pevit(out_type=out_type, ref_pos_embed=ref_pos_embed)
    x = random_images()
    with torch.no_grad():
        plain, = model(x)
        shuffled, = model(shuffle(x, random_perm()))
    assert plain.shape == (2, ARCH['embed_dims'])
    torch.testing.assert_close(shuffled, plain, atol=ATOL, rtol=0)


def test_classifier_scores_invariant_to_patch_order():
    torch.manual_seed(0)
    classifier = build_in_mmpretrain_scope(
        dict(
            type='ImageClassifier',
            backbone=dict(
                type='mmppml.PEViT',
                arch=ARCH,
                patch_size=PATCH,
                img_size=IMG,
                with_cls_token=False,
                out_type='avg_featmap'),
            head=dict(type='LinearClsHead', num_classes=5, in_channels=ARCH['embed_dims'])))
    assert isinstance(classifier.backbone, PEViT)
    classifier.init_weights()
    classifier.eval()
    x = random_images()
    with torch.no_grad():
        scores = classifier(x, mode='tensor')
        shuffled_scores = classifier(shuffle(x, random_perm()), mode='tensor')
    assert scores.shape == (2, 5)
    torch.testing.assert_close(shuffled_scores, scores, atol=ATOL, rtol=0)


# 2. The same check fails once an absolute position embedding is used.
@pytest.mark.parametrize('pos_embed', ['learned', 'sincos'])
def test_absolute_pos_embed_breaks_invariance(pos_embed):
    model = build_pevit(pos_embed=pos_embed, ref_pos_embed=False)
    if pos_embed == 'learned':
        assert model.pos_embed.abs().sum() > 0
    x = random_images()
    with torch.no_grad():
        plain, = model(x)
        shuffled, = model(shuffle(x, random_perm()))
    assert (shuffled - plain).abs().max() > 1e-3


def grid_resized(pos_embed: torch.Tensor, side: int, new_side: int, extra: int = 1) -> torch.Tensor:
    """A (1, extra + side^2, C) position embedding's grid resized bicubically to new_side (cls kept)."""
    grid = pos_embed[:, extra:].reshape(1, side, side, -1).permute(0, 3, 1, 2)
    grid = torch.nn.functional.interpolate(grid, size=(new_side, new_side), mode='bicubic', align_corners=False)
    return torch.cat([pos_embed[:, :extra], grid.flatten(2).transpose(1, 2)], dim=1)


def test_learned_pos_embed_resized_for_other_grids():
    """A 48-px input (6 x 6 tokens) meets the 4 x 4 learned embedding resized bicubically: the model equals a
    48-px model whose embedding is that resize."""
    model = build_pevit(pos_embed='learned', out_type='featmap').eval()
    at_48 = build_pevit(pos_embed='learned', out_type='featmap', img_size=48).eval()
    state = dict(model.state_dict(), pos_embed=grid_resized(model.pos_embed.detach(), 4, 6))
    at_48.load_state_dict(state)
    x = random_images(size=48)
    with torch.no_grad():
        out, = model(x)
        want, = at_48(x)
        other = build_pevit(pos_embed='learned', out_type='featmap').eval()
        other.pos_embed.add_(torch.randn(other.pos_embed.shape, generator=torch.Generator().manual_seed(2)))
        moved, = other(x)
    assert out.shape == (2, ARCH['embed_dims'], 6, 6)
    torch.testing.assert_close(out, want, atol=ATOL, rtol=0)
    assert (moved - out).abs().max() > 1e-3  # the embedding is used


# 3. MI: the MI model on mixed sub-patches equals conv on sub-patches + r x r average on the plain image.
@pytest.mark.parametrize('with_cls_token,out_type', [(True, 'cls_token'), (False, 'featmap')])
def test_mi_embedding_equals_subpatch_conv_then_average(with_cls_token, out_type):
    patch, sub = 8, 4
    r = patch // sub
    model = build_pevit(patch_size=sub, embed_mode='mi', with_cls_token=with_cls_token, out_type=out_type)
    x = random_images()
    mixed = apply_per_image(x, lambda img: mix_subpatches(img, patch, sub))
    assert mixed.shape == (2, 3, IMG // r, IMG // r)

    # Reference: the same first conv on the plain image, then r x r average pooling, then the rest.
    reference = copy.deepcopy(model)
    reference.patch_embed.projection = nn.Sequential(model.patch_embed.projection, nn.AvgPool2d(r))
    with torch.no_grad():
        tokens, grid = model.patch_embed(mixed)
        ref_tokens, ref_grid = reference.patch_embed(x)
        out, = model(mixed)
        ref_out, = reference(x)
        # Control: another pooling of the sub-patch outputs does not match.
        reference.patch_embed.projection[1] = nn.MaxPool2d(r)
        other_tokens, _ = reference.patch_embed(x)
    assert grid == ref_grid == (IMG // patch, IMG // patch)
    torch.testing.assert_close(tokens, ref_tokens, atol=ATOL, rtol=0)
    torch.testing.assert_close(out, ref_out, atol=ATOL, rtol=0)
    assert (other_tokens - tokens).abs().max() > 1e-3


# 4. featmap keeps the token grid and follows the patch permutation.
@pytest.mark.parametrize('with_cls_token', [True, False])
def test_featmap_follows_patch_permutation(with_cls_token):
    model = build_pevit(out_type='featmap', with_cls_token=with_cls_token)
    x = random_images()
    perm = random_perm()
    with torch.no_grad():
        featmap, = model(x)
        shuffled_featmap, = model(shuffle(x, perm))
    assert featmap.shape == (2, ARCH['embed_dims'], IMG // PATCH, IMG // PATCH)
    # Shuffled token i is plain token perm[i].
    torch.testing.assert_close(shuffled_featmap.flatten(2), featmap.flatten(2)[:, :, perm], atol=ATOL, rtol=0)


# 5. Loading mmpretrain ViT checkpoints.
@pytest.fixture(scope='module')
def mmpretrain_vit():
    torch.manual_seed(3)
    classifier = build_in_mmpretrain_scope(
        dict(
            type='ImageClassifier',
            backbone=dict(type='VisionTransformer', arch=ARCH, img_size=IMG, patch_size=PATCH),
            head=dict(type='VisionTransformerClsHead', num_classes=5, in_channels=ARCH['embed_dims'])))
    classifier.init_weights()
    with torch.no_grad():  # move every tensor off its default so that loading is visible
        for param in classifier.parameters():
            param.add_(0.1 * torch.randn_like(param))
    return classifier.eval()


@pytest.mark.parametrize('wrapped', [True, False])
def test_load_mmpretrain_checkpoint(mmpretrain_vit, tmp_path, wrapped):
    path = str(tmp_path / 'vit.pth')
    if wrapped:  # a classifier checkpoint: {'state_dict': {'backbone.*': ..., 'head.*': ...}}
        torch.save({'state_dict': mmpretrain_vit.state_dict()}, path)
    else:  # a bare backbone state dict
        torch.save(mmpretrain_vit.backbone.state_dict(), path)
    saved = mmpretrain_vit.backbone.state_dict()

    model = build_pevit(ref_pos_embed=False, init_cfg=dict(type='Pretrained', checkpoint=path))
    report = model.load_pretrained(path)
    assert 'no learned position embedding' in report.skipped['pos_embed']
    assert not any(name.startswith('head') for name in report.loaded)
    assert report.missing == []
    for name, value in model.state_dict().items():
        torch.testing.assert_close(value, saved[name], atol=0, rtol=0)

    # With mmpretrain's position embedding zeroed both models compute the same function.
    vit = copy.deepcopy(mmpretrain_vit.backbone)
    with torch.no_grad():
        vit.pos_embed.zero_()
        x = random_images()
        torch.testing.assert_close(model(x)[0], vit(x)[0], atol=ATOL, rtol=0)


def test_init_weights_loads_pretrained(mmpretrain_vit, tmp_path):
    path = str(tmp_path / 'vit.pth')
    torch.save({'state_dict': mmpretrain_vit.state_dict()}, path)
    torch.manual_seed(0)
    model = PEViT(
        arch=ARCH,
        patch_size=PATCH,
        img_size=IMG,
        init_cfg=dict(type='Pretrained', checkpoint=path, prefix='backbone.'))
    model.init_weights()
    saved = mmpretrain_vit.backbone.state_dict()
    for name, value in model.state_dict().items():
        if name.startswith('ref_pos_embed.'):
            continue
        torch.testing.assert_close(value, saved[name], atol=0, rtol=0)
    assert model.ref_pos_embed.ref_token.abs().sum() > 0  # initialised, not left at zero


def test_load_into_learned_pos_embed_and_mi(mmpretrain_vit, tmp_path):
    path = str(tmp_path / 'vit.pth')
    torch.save({'state_dict': mmpretrain_vit.state_dict()}, path)
    saved = mmpretrain_vit.backbone.state_dict()

    learned = build_pevit(pos_embed='learned')
    assert 'pos_embed' in learned.load_pretrained(path).loaded
    torch.testing.assert_close(learned.pos_embed, saved['pos_embed'], atol=0, rtol=0)

    resized = build_pevit(pos_embed='learned', img_size=48)
    resized.load_pretrained(path)
    assert resized.pos_embed.shape == (1, 1 + 6 * 6, ARCH['embed_dims'])
    torch.testing.assert_close(resized.pos_embed.detach(), grid_resized(saved['pos_embed'], 4, 6), atol=ATOL, rtol=0)

    mi = build_pevit(patch_size=4, embed_mode='mi')
    report = mi.load_pretrained(path)
    assert 'shape' in report.skipped['patch_embed.projection.weight']
    assert 'patch_embed.projection.bias' in report.skipped
    assert {'patch_embed.projection.weight', 'patch_embed.pointwise.weight'} <= set(report.missing)
    torch.testing.assert_close(mi.layers[1].ffn.layers[1].weight, saved['layers.1.ffn.layers.1.weight'])


def test_learned_pos_embed_resizes_exactly_at_its_grid_and_keeps_constants():
    model = build_pevit(pos_embed='learned', with_cls_token=False, out_type='featmap')
    assert model._absolute_pos_embed((4, 4)).equal(model.pos_embed)  # its own grid: the parameter
    with torch.no_grad():
        model.pos_embed.fill_(0.25)
        for grid in [(6, 6), (3, 5), (2, 8)]:
            table = model._absolute_pos_embed(grid)
            assert table.shape == (1, grid[0] * grid[1], ARCH['embed_dims'])
            torch.testing.assert_close(table, torch.full_like(table, 0.25))  # interpolation keeps constants
            out, = build_pevit(
                pos_embed='sincos', out_type='featmap')(
                    torch.randn(1, 3, grid[0] * PATCH, grid[1] * PATCH))
            assert out.shape[-2:] == grid


# 5b. Plain -> MI: a plain patch-P conv converts exactly into the linear MI embedding.
def quadrant_constant_photo(batch=2, size=IMG, patch=PATCH, sub=PATCH // 2, seed=3) -> torch.Tensor:
    """A photo whose r x r sub-patches are equal inside every P x P patch."""
    blocks = torch.randn(
        batch, 3, size // patch, size // patch, sub, sub, generator=torch.Generator().manual_seed(seed))
    r = patch // sub
    tiles = blocks.repeat(1, 1, 1, 1, r, r)  # (B, 3, h, w, P, P)
    return tiles.permute(0, 1, 2, 4, 3, 5).reshape(batch, 3, size, size)


@pytest.mark.parametrize('pos_embed', ['learned', None])
def test_plain_checkpoint_converts_into_linear_mi_embedding(tmp_path, pos_embed):
    sub = PATCH // 2
    plain = build_pevit(out_type='featmap', with_cls_token=False, pos_embed=pos_embed)
    with torch.no_grad():
        for param in plain.parameters():  # informative values everywhere (zero-initialised ones too)
            param.add_(torch.randn_like(param) * 0.1)
    path = str(tmp_path / 'plain.pth')
    torch.save({'state_dict': plain.state_dict()}, path)

    mi = build_pevit(
        out_type='featmap',
        with_cls_token=False,
        pos_embed=pos_embed,
        patch_size=sub,
        embed_mode='mi',
        patch_cfg=dict(act_cfg=None),
        img_size=IMG // 2)
    report = mi.load_pretrained(path)
    assert set(report.converted) == {'patch_embed.projection.weight'}
    assert report.skipped == {} and report.missing == []
    assert 'patch_embed.projection.bias' in report.loaded

    photo = quadrant_constant_photo()
    mixed = apply_per_image(photo, lambda img: mix_subpatches(img, PATCH, sub))
    assert mixed.shape[-1] == IMG // 2
    with torch.no_grad():
        plain_tokens, _ = plain.patch_embed(photo)
        mi_tokens, _ = mi.patch_embed(mixed)
        plain_out, = plain(photo)
        mi_out, = mi(mixed)
        other_out, = mi(apply_per_image(random_images(), lambda img: mix_subpatches(img, PATCH, sub)))
        random_plain_out, = plain(random_images())
    torch.testing.assert_close(mi_tokens, plain_tokens, atol=ATOL, rtol=0)
    torch.testing.assert_close(mi_out, plain_out, atol=ATOL, rtol=0)
    # Control: on a photo with unequal sub-patches the MI model sees less than the plain one.
    assert (other_out - random_plain_out).abs().max() > 1e-3


def test_plain_checkpoint_is_skipped_by_the_gelu_mi_embedding(tmp_path):
    path = str(tmp_path / 'plain.pth')
    torch.save(build_pevit(with_cls_token=False, out_type='featmap').state_dict(), path)
    mi = build_pevit(with_cls_token=False, out_type='featmap', patch_size=PATCH // 2, embed_mode='mi')
    report = mi.load_pretrained(path)
    assert report.converted == {}
    assert set(report.skipped) == {'patch_embed.projection.weight', 'patch_embed.projection.bias'}
    assert 'act_cfg=None' in report.skipped['patch_embed.projection.weight']
    assert {'patch_embed.projection.weight', 'patch_embed.pointwise.weight'} <= set(report.missing)


# 6. Bad arguments fail early and say why.
@pytest.mark.parametrize('kwargs,error,match', [
    (dict(arch='deit-huge'), ValueError, 'unknown arch'),
    (dict(arch=dict(embed_dims=32, num_layers=2)), KeyError, 'num_heads'),
    (dict(arch=32), TypeError, 'arch must be'),
    (dict(out_type='tokens'), ValueError, 'out_type must be one of'),
    (dict(out_type='cls_token', with_cls_token=False), ValueError, 'with_cls_token=True'),
    (dict(embed_mode='mix'), ValueError, 'embed_mode'),
    (dict(pos_embed='absolute'), ValueError, 'pos_embed must be one of'),
    (dict(out_indices=2), ValueError, 'out of range'),
    (dict(frozen_stages=3), ValueError, 'frozen_stages'),
])
def test_bad_arguments(kwargs, error, match):
    cfg = dict(arch=ARCH, patch_size=PATCH, img_size=IMG)
    cfg.update(kwargs)
    with pytest.raises(error, match=match):
        PEViT(**cfg)


def test_input_size_not_multiple_of_patch_size():
    model = build_pevit()
    with pytest.raises(ValueError, match=r'height 30 and width 32 .*patch_size=8'):
        model(torch.zeros(1, 3, 30, 32))


# 7. Layer-wise learning-rate decay and freezing.
def test_layer_depth_and_lr_decay():
    classifier = build_in_mmpretrain_scope(
        dict(
            type='ImageClassifier',
            backbone=dict(type='mmppml.PEViT', arch=ARCH, patch_size=PATCH, img_size=IMG),
            head=dict(type='LinearClsHead', num_classes=5, in_channels=ARCH['embed_dims'])))
    backbone = classifier.backbone
    depth = lambda name: backbone.get_layer_depth(name, 'backbone.')  # noqa: E731
    assert depth('backbone.patch_embed.projection.weight') == (0, 4)
    assert depth('backbone.cls_token') == (0, 4)
    assert depth('backbone.ref_pos_embed.ref_token') == (0, 4)
    assert depth('backbone.layers.0.attn.qkv.weight') == (1, 4)
    assert depth('backbone.layers.1.ln1.weight') == (2, 4)
    assert depth('backbone.ln1.weight') == (3, 4)
    assert depth('head.fc.weight') == (3, 4)

    with DefaultScope.overwrite_default_scope('mmpretrain'):
        constructor = LearningRateDecayOptimWrapperConstructor(
            dict(optimizer=dict(type='SGD', lr=1.0, weight_decay=0.05)), paramwise_cfg=dict(layer_decay_rate=0.5))
        wrapper = constructor(classifier)
    lr = {group['param_name']: group['lr'] for group in wrapper.optimizer.param_groups}
    assert lr['backbone.patch_embed.projection.weight'] == pytest.approx(0.125)
    assert lr['backbone.layers.1.attn.qkv.weight'] == pytest.approx(0.5)
    assert lr['head.fc.weight'] == pytest.approx(1.0)


def test_frozen_stages():
    model = build_pevit(frozen_stages=1)
    model.train()
    assert not model.patch_embed.projection.weight.requires_grad
    assert not model.cls_token.requires_grad
    assert not any(p.requires_grad for p in model.layers[0].parameters())
    assert all(p.requires_grad for p in model.layers[1].parameters())
    assert not model.layers[0].training and model.layers[1].training
