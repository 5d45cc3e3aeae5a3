"""Every PEViT / YOLOS config builds its stems from ``*_cfg`` dicts, and the old spelling of each resolves to the
same backbone (state-dict keys, shapes and, with the same seed, values)."""
import glob
import os.path as osp
import warnings

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope

from mmppml.utils import setup_default_scope_and_imports

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = dict(embed_dims=32, num_layers=3, num_heads=2, feedforward_channels=64)  # 3: the YOLOS out_indices
BACKBONES = ('mmppml.PEViT', 'mmppml.YOLOSBackbone')
OLD_KEYS = ('embed_mode', 'ref_pos_embed', 'pos_embed')
NEW_KEYS = ('patch_cfg', 'ref_pos_cfg', 'pos_embed_cfg')
DEFAULT_REF_POS_CFG = dict(type='mmppml.ReferencePosEmbed')

# The old spellings, named (``ref_pos_embed=True`` written out is not the same as left out: it warns).
BAG = dict(embed_mode='bag', pos_embed=None)
RS = dict(embed_mode='rs', pos_embed=None)
RS_LEARNED = dict(embed_mode='rs', pos_embed='learned')
MI = dict(embed_mode='mi', pos_embed=None)
MI_REF = dict(embed_mode='mi', ref_pos_embed=True, pos_embed=None)
MI_LEARNED = dict(embed_mode='mi', pos_embed='learned')
MI_NO_REF_LEARNED = dict(embed_mode='mi', ref_pos_embed=False, pos_embed='learned')
MI_NO_ACT_LEARNED = dict(embed_mode='mi', patch_cfg=dict(act_cfg=None), pos_embed='learned')
MI_SINCOS = dict(embed_mode='mi', pos_embed='sincos')
# What each config's backbone said in the old spelling (resolved through its bases) before the configs moved to the
# new one; ``patch_cfg`` there held the extra arguments of the MI embedding only.
OLD_SPELLING = {
    'configs/demo/pevit-tiny-bag-p8_1xb128-3e_fashion-mnist.py': BAG,
    'configs/demo/pevit-tiny-cmi-p8s4_1xb128-3e_fashion-mnist.py': MI_NO_REF_LEARNED,
    'configs/demo/pevit-tiny-mi-p8s4_1xb128-3e_fashion-mnist.py': MI_NO_REF_LEARNED,
    'configs/demo/pevit-tiny-nrsmi-p8s4_1xb128-3e_fashion-mnist.py': MI_REF,
    'configs/demo/pevit-tiny-rs-p8_1xb128-3e_fashion-mnist.py': RS,
    'configs/demo/pevit-tiny-rs-p8_anchor_1xb128-3e_fashion-mnist.py': RS,
    'configs/demo/pevit-tiny-rsmi-p8s4_1xb128-3e_fashion-mnist.py': MI_REF,
    'configs/encrypted/pevit-small-rs-p16_4xb256_in1k-encrypted.py': RS,
    'configs/encrypted/pevit-small-rsmi-keyed-p16s8_4xb256_in1k-encrypted.py': MI,
    'configs/encrypted/pevit-small-rsmi-p16s8_4xb256_in1k-encrypted.py': MI,
    'configs/mmdet/faster-rcnn_pevit-small-mi-p16s8_simplefpn_1x_coco.py': MI_LEARNED,
    'configs/mmdet/faster-rcnn_pevit-tiny-mi-p16s8_simplefpn_6e_fmnist-det-plainft.py': MI_NO_ACT_LEARNED,
    'configs/mmdet/faster-rcnn_pevit-tiny-mi-p16s8_simplefpn_6e_fmnist-det.py': MI_LEARNED,
    'configs/mmdet/faster-rcnn_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det-plainft.py': RS_LEARNED,
    'configs/mmdet/faster-rcnn_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det.py': RS_LEARNED,
    'configs/mmdet/retinanet_pevit-small-mi-p16s8_simplefpn_1x_coco.py': MI_LEARNED,
    'configs/mmdet/retinanet_pevit-tiny-mi-p16s8_simplefpn_100e_trees.py': MI_LEARNED,
    'configs/mmdet/retinanet_pevit-tiny-mi-p16s8_simplefpn_50e_trees-plainft.py': MI_NO_ACT_LEARNED,
    'configs/mmdet/retinanet_pevit-tiny-mi-p16s8_simplefpn_50e_trees.py': MI_LEARNED,
    'configs/mmdet/retinanet_pevit-tiny-mi-p16s8_simplefpn_6e_fmnist-det-plainft.py': MI_NO_ACT_LEARNED,
    'configs/mmdet/retinanet_pevit-tiny-mi-p16s8_simplefpn_6e_fmnist-det.py': MI_LEARNED,
    'configs/mmdet/retinanet_pevit-tiny-plain-p16_simplefpn_100e_trees.py': RS_LEARNED,
    'configs/mmdet/retinanet_pevit-tiny-plain-p16_simplefpn_50e_trees-plainft.py': RS_LEARNED,
    'configs/mmdet/retinanet_pevit-tiny-plain-p16_simplefpn_50e_trees.py': RS_LEARNED,
    'configs/mmdet/retinanet_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det-plainft.py': RS_LEARNED,
    'configs/mmdet/retinanet_pevit-tiny-plain-p16_simplefpn_6e_fmnist-det.py': RS_LEARNED,
    'configs/mmdet/yolos_pevit-small-mi-p16s8_150e_coco.py': MI_SINCOS,
    'configs/mmdet/yolos_pevit-tiny-mi-p16s8_100e_trees-plainft.py': MI_NO_ACT_LEARNED,
    'configs/mmdet/yolos_pevit-tiny-mi-p16s8_100e_trees.py': MI_SINCOS,
    'configs/mmdet/yolos_pevit-tiny-mi-p16s8_200e_trees-plainft.py': MI_NO_ACT_LEARNED,
    'configs/mmdet/yolos_pevit-tiny-mi-p16s8_24e_fmnist-det.py': MI_NO_ACT_LEARNED,
    'configs/mmdet/yolos_pevit-tiny-mi-p16s8_6e_fmnist-det-plainft.py': MI_NO_ACT_LEARNED,
    'configs/mmpretrain/pevit-base-mi-p16s8_16xb64_in1k.py': MI_LEARNED,
    'configs/mmpretrain/pevit-base-rs-p16_16xb64_in1k.py': RS,
    'configs/mmpretrain/pevit-small-mi-p16s8_4xb256_in1k.py': MI_LEARNED,
    'configs/mmpretrain/pevit-small-rs-p16_4xb256_in1k.py': RS,
    'configs/mmpretrain/pevit-small-rsmi-p16s8_4xb256_in1k.py': MI,
}
# The new spelling of each old value, written out (not taken from the code under test).
PATCH_EMBEDS = dict(rs='mmppml.ConvPatchEmbed', mi='mmppml.MIPatchEmbed', bag='mmppml.BagPatchEmbed')
REF_POS_CFGS = {True: DEFAULT_REF_POS_CFG, False: None}
POS_EMBED_CFGS = {None: None, 'learned': dict(type='learned'), 'sincos': dict(type='sincos')}


def load(path: str) -> Config:
    cfg = setup_default_scope_and_imports(Config.fromfile(osp.join(ROOT, path)))
    init_default_scope(cfg.default_scope)
    return cfg


def config_paths(pattern: str = '*.py') -> list:
    paths = glob.glob(osp.join(ROOT, 'configs', '**', pattern), recursive=True)
    return sorted(osp.relpath(path, ROOT) for path in paths if '_base_' not in osp.relpath(path, ROOT).split(osp.sep))


PEVIT_CONFIGS = config_paths('*pevit*.py')  # where the PEViT / YOLOS backbones are (checked below)


def plain(node):
    """A ConfigDict (and what it holds) as plain dicts, for comparisons."""
    return node.to_dict() if hasattr(node, 'to_dict') else node


def build(cfg: dict) -> torch.nn.Module:
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def test_every_old_config_is_covered():
    with_backbone = [
        path for path in config_paths()
        if Config.fromfile(osp.join(ROOT, path)).model.get('backbone', {}).get('type') in BACKBONES
    ]
    assert set(with_backbone) <= set(PEVIT_CONFIGS)
    assert len(OLD_SPELLING) == 37 and set(OLD_SPELLING) <= set(with_backbone)


@pytest.mark.parametrize('path', PEVIT_CONFIGS)
def test_config_uses_the_new_cfgs(path):
    """The configs state the patch embedding and the absolute position embedding as ``*_cfg`` dicts, and each is
    the new spelling of what the config said before."""
    backbone = load(path).model.backbone
    if backbone.type not in BACKBONES:
        pytest.skip('not a PEViT backbone')
    assert not set(OLD_KEYS) & set(backbone), f'{path} still uses the old spelling'
    assert 'patch_cfg' in backbone and 'pos_embed_cfg' in backbone, path
    assert backbone.patch_cfg.type in PATCH_EMBEDS.values(), path
    if path not in OLD_SPELLING:
        return
    old = OLD_SPELLING[path]
    assert plain(backbone.patch_cfg) == dict(type=PATCH_EMBEDS[old['embed_mode']], **old.get('patch_cfg', {}))
    assert plain(backbone.get('ref_pos_cfg', DEFAULT_REF_POS_CFG)) == REF_POS_CFGS[old.get('ref_pos_embed', True)]
    assert plain(backbone.pos_embed_cfg) == POS_EMBED_CFGS[old['pos_embed']]


@pytest.mark.parametrize('path', sorted(OLD_SPELLING))
def test_old_and_new_spelling_build_the_same_backbone(path):
    new = plain(load(path).model.backbone)
    new.update(arch=TINY, init_cfg=None)
    old = {key: value for key, value in new.items() if key not in NEW_KEYS}
    old.update(OLD_SPELLING[path])

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        new_model = build(new)
    assert not [w for w in caught if 'PEViT:' in str(w.message)], 'the new spelling warns'
    with pytest.warns(DeprecationWarning, match=r"write patch_cfg=dict\(type='mmppml\.") as caught:
        old_model = build(old)
    messages = ' '.join(str(w.message) for w in caught)
    assert 'write pos_embed_cfg=' in messages
    if 'ref_pos_embed' in old:
        assert 'write ref_pos_cfg=' in messages

    assert type(old_model) is type(new_model) and type(old_model.patch_embed) is type(new_model.patch_embed)
    assert old_model.pos_embed_type == new_model.pos_embed_type
    old_state, new_state = old_model.state_dict(), new_model.state_dict()
    assert list(old_state) == list(new_state)
    for name, value in new_state.items():
        assert old_state[name].shape == value.shape, name
        torch.testing.assert_close(old_state[name], value, atol=0, rtol=0, msg=name)
