"""PEViT's stems from ``*_cfg`` dicts through the registry, and the old keywords translated with a warning."""
import warnings

import pytest
import torch

from mmppml.models.backbones import BagPatchEmbed, ConvPatchEmbed, MIPatchEmbed, PEViT, ReferencePosEmbed, YOLOSBackbone
from mmppml.models.backbones.ref_pos_embed import sincos_pos_embed
from mmppml.registry import MODELS

ARCH = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
MI = dict(type='mmppml.MIPatchEmbed')
REF = dict(type='mmppml.ReferencePosEmbed')


def build(cls=PEViT, **kwargs):
    torch.manual_seed(0)
    cfg = dict(arch=ARCH, patch_size=8, img_size=32, init_cfg=None)
    cfg.update(kwargs)
    model = cls(**cfg)
    model.init_weights()
    return model.eval()


def build_new(cls=PEViT, **kwargs):
    """Built with the new spelling, which must not warn."""
    with warnings.catch_warnings():
        warnings.filterwarnings('error', message='PEViT:')
        return build(cls, **kwargs)


def assert_same_model(model: torch.nn.Module, other: torch.nn.Module):
    state, other_state = model.state_dict(), other.state_dict()
    assert list(state) == list(other_state)
    for name, value in state.items():
        torch.testing.assert_close(other_state[name], value, atol=0, rtol=0, msg=name)
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(other(x)[0], model(x)[0], atol=0, rtol=0)


@pytest.mark.parametrize('name,cls', [('ConvPatchEmbed', ConvPatchEmbed), ('MIPatchEmbed', MIPatchEmbed),
                                      ('BagPatchEmbed', BagPatchEmbed), ('ReferencePosEmbed', ReferencePosEmbed)])
def test_stems_are_registered(name, cls):
    assert MODELS.get('mmppml.' + name) is cls
    args = dict(embed_dims=16) if cls is ReferencePosEmbed else dict(in_channels=3, embed_dims=16, patch_size=4)
    assert isinstance(MODELS.build(dict(type='mmppml.' + name, **args)), cls)


def test_patch_cfg_builds_the_registered_embedding():
    assert type(build_new().patch_embed) is ConvPatchEmbed  # the default
    assert type(build_new(patch_cfg=dict()).patch_embed) is ConvPatchEmbed  # no type: the plain one
    mi = build_new(patch_cfg=MI, patch_size=4).patch_embed
    assert type(mi) is MIPatchEmbed and not mi.is_linear and mi.projection.kernel_size == (4, 4)
    linear = build_new(patch_cfg=dict(MI, act_cfg=None), patch_size=4).patch_embed
    assert type(linear) is MIPatchEmbed and linear.is_linear
    assert type(build_new(patch_cfg=dict(type='mmppml.BagPatchEmbed')).patch_embed) is BagPatchEmbed
    # in_channels, embed_dims, patch_size and bias=not pre_norm are filled in; the cfg may override them.
    assert build_new(pre_norm=True).patch_embed.projection.bias is None
    assert build_new(pre_norm=True, patch_cfg=dict(bias=True)).patch_embed.projection.bias is not None


def test_ref_pos_cfg_and_pos_embed_cfg():
    model = build_new()
    assert type(model.ref_pos_embed) is ReferencePosEmbed and model.pos_embed is None
    assert build_new(ref_pos_cfg=None).ref_pos_embed is None
    assert build_new(ref_pos_cfg=dict(REF, hidden_dims=8)).ref_pos_embed.fc1.out_features == 8
    learned = build_new(pos_embed_cfg=dict(type='learned'))
    assert learned.pos_embed.shape == (1, 1 + 16, ARCH['embed_dims']) and learned.pos_embed_type == 'learned'
    sincos = build_new(pos_embed_cfg=dict(type='sincos', temperature=100.), with_cls_token=False, out_type='featmap')
    assert sincos.pos_embed is None
    torch.testing.assert_close(sincos._absolute_pos_embed((3, 5)), sincos_pos_embed((3, 5), ARCH['embed_dims'], 100.))
    assert not sincos._absolute_pos_embed((3, 5)).equal(sincos_pos_embed((3, 5), ARCH['embed_dims']))


# The old spelling, its new one, and what the warning must name.
OLD_AND_NEW = [
    (dict(embed_mode='rs'), dict(patch_cfg=dict(type='mmppml.ConvPatchEmbed')), "patch_cfg=dict(type='mmppml.Conv"),
    (dict(embed_mode='mi', patch_size=4), dict(patch_cfg=MI, patch_size=4), "patch_cfg=dict(type='mmppml.MIPatch"),
    (dict(embed_mode='mi', patch_cfg=dict(act_cfg=None),
          patch_size=4), dict(patch_cfg=dict(MI, act_cfg=None), patch_size=4), 'patch_cfg=dict'),
    (dict(embed_mode='bag'), dict(patch_cfg=dict(type='mmppml.BagPatchEmbed')), "type='mmppml.BagPatchEmbed'"),
    (dict(ref_pos_embed=True), dict(ref_pos_cfg=REF), "ref_pos_cfg={'type': 'mmppml.ReferencePosEmbed'}"),
    (dict(ref_pos_embed=False), dict(ref_pos_cfg=None), 'ref_pos_cfg=None'),
    (dict(ref_pos_embed=dict(hidden_dims=8)), dict(ref_pos_cfg=dict(REF, hidden_dims=8)), "'hidden_dims': 8"),
    (dict(pos_embed=None), dict(pos_embed_cfg=None), 'pos_embed_cfg=None'),
    (dict(pos_embed='learned'), dict(pos_embed_cfg=dict(type='learned')), "pos_embed_cfg={'type': 'learned'}"),
    (dict(pos_embed='sincos'), dict(pos_embed_cfg=dict(type='sincos')), "pos_embed_cfg={'type': 'sincos'}"),
]


@pytest.mark.parametrize('old,new,names', OLD_AND_NEW)
@pytest.mark.parametrize('cls', [PEViT, YOLOSBackbone])
def test_old_keywords_warn_and_build_the_same_model(cls, old, new, names):
    if cls is YOLOSBackbone:
        old, new = dict(old, num_det_tokens=3), dict(new, num_det_tokens=3)
    with pytest.warns(DeprecationWarning, match='is deprecated') as caught:
        old_model = build(cls, **old)
    assert any(names in str(w.message) for w in caught), [str(w.message) for w in caught]
    assert all(
        w.filename.endswith(('test_pe_vit_cfgs.py', 'yolos_backbone.py')) for w in caught
        if 'PEViT:' in str(w.message))  # the caller's line, not PEViT's
    assert_same_model(build_new(cls, **new), old_model)


def test_old_keyword_wins_over_the_new_cfg_it_replaces():
    """An old-spelling config inheriting a new-spelling one: the old keyword is the later, more specific word."""
    with pytest.warns(DeprecationWarning):
        model = build(
            patch_cfg=dict(type='mmppml.ConvPatchEmbed'),
            embed_mode='mi',
            ref_pos_cfg=REF,
            ref_pos_embed=False,
            pos_embed_cfg=None,
            pos_embed='sincos',
            patch_size=4)
    assert_same_model(build_new(patch_cfg=MI, ref_pos_cfg=None, pos_embed_cfg=dict(type='sincos'), patch_size=4), model)


@pytest.mark.parametrize('kwargs,error,match', [
    (dict(pos_embed_cfg=dict(type='absolute')), ValueError, r"pos_embed_cfg\['type'\] must be one of"),
    (dict(pos_embed_cfg='learned'), TypeError, 'pos_embed_cfg must be None or a dict'),
    (dict(pos_embed_cfg=dict(type='learned', temperature=1.)), ValueError, 'takes no'),
    (dict(ref_pos_cfg=True), TypeError, 'ref_pos_cfg must be None or a dict'),
    (dict(patch_cfg='mi'), TypeError, 'patch_cfg must be a dict'),
    (dict(patch_cfg=dict(type='mmppml.NoSuchEmbed')), KeyError, 'NoSuchEmbed'),
    (dict(ref_pos_embed='yes'), TypeError, 'ref_pos_embed must be a bool or a dict'),
    (dict(embed_mode='mix'), ValueError, 'patch_cfg=dict'),
    (dict(pos_embeds='learned'), TypeError, 'unexpected keyword'),
])
def test_bad_cfgs(kwargs, error, match):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        with pytest.raises(error, match=match):
            PEViT(arch=ARCH, patch_size=8, img_size=32, **kwargs)


def test_plain_checkpoint_converts_into_the_new_spelling_linear_mi_embedding():
    """Checkpoint names are those of the old spelling: a plain model's state dict loads into the linear MI one."""
    plain = build_new(with_cls_token=False, out_type='featmap', pos_embed_cfg=dict(type='learned'))
    mi = build_new(
        with_cls_token=False,
        out_type='featmap',
        pos_embed_cfg=dict(type='learned'),
        patch_cfg=dict(MI, act_cfg=None),
        patch_size=4,
        img_size=16)
    result = mi.load_state_dict(plain.state_dict())
    assert not result.missing_keys and not result.unexpected_keys
    assert set(mi.checkpoint_notes.converted) == {'patch_embed.projection.weight'}
    kernel = plain.patch_embed.projection.weight
    torch.testing.assert_close(mi.patch_embed.projection.weight,
                               kernel.reshape(*kernel.shape[:2], 2, 4, 2, 4).sum(dim=(2, 4)))
