"""Every config file name parses with the naming grammar of configs/README.md.

The token lists below are the README's table (kept in step by hand: this test reads nothing from the
README); a name the grammar does not cover fails, and so does a grammar token that no config uses.
"""
import glob
import os
import os.path as osp
import re

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# The tokens of configs/README.md's table.
MODELS = ('pevit', 'vit', 'deit')
ARCHS = ('tiny', 'small', 'base')
MODES = ('plain', 'rs', 'mi', 'rsmi', 'cmi', 'nrsmi', 'bag')
MIXING_MODES = ('mi', 'rsmi', 'cmi', 'nrsmi')  # the modes that take a sub-patch size S
MODULES = ('anchor', )
CLS_DATA = ('in1k', 'fashion-mnist')
CLS_VARIANTS = ('encrypted', )
DETECTORS = ('retinanet', 'faster-rcnn', 'yolos')
CNN_BACKBONES = ('r18', )
NECKS = ('simplefpn', 'fpn')
SCHEDULE = r'\d+e|\d+x'  # E epochs; K times mmdet's 12-epoch schedule
DET_DATA = ('coco', 'trees', 'fmnist-det')
DET_VARIANTS = ('plainft', 'plainft-aids', 'plainft-aids-dn', 'yolosft', 'yolosft-aids', 'yolosft-aids-dn', 'half',
                'half-plainft')


def one_of(tokens) -> str:
    # longest first, so that 'rsmi' is not read as 'rs' followed by junk
    return '(?:' + '|'.join(re.escape(t) for t in sorted(tokens, key=len, reverse=True)) + ')'


VIT = rf'(?P<model>{one_of(MODELS)})-(?P<arch>{one_of(ARCHS)})-(?P<mode>{one_of(MODES)})'
PATCH = r'-p(?P<P>\d+)(?:s(?P<S>\d+))?'
CLASSIFICATION = re.compile(
    rf'{VIT}(?P<keyed>-keyed)?{PATCH}(?:_(?P<module>{one_of(MODULES)}))?_(?P<N>\d+)xb(?P<B>\d+)(?:-(?P<E>\d+)e)?'
    rf'_(?P<data>{one_of(CLS_DATA)})(?:-(?P<variant>{one_of(CLS_VARIANTS)}))?')
CNN = rf'(?P<cnn>{one_of(CNN_BACKBONES)})-(?:plain|(?P<cnn_mode>{one_of(MIXING_MODES)})-p(?P<cnn_P>\d+)s(?P<cnn_S>\d+))'
DETECTION = re.compile(rf'(?P<detector>{one_of(DETECTORS)})_(?:{VIT}{PATCH}|{CNN})'
                       rf'(?:_(?P<neck>{one_of(NECKS)}))?_(?P<schedule>{SCHEDULE})'
                       rf'_(?P<data>{one_of(DET_DATA)})(?:-(?P<variant>{one_of(DET_VARIANTS)}))?')


def parse(name: str) -> dict:
    """The tokens of a config name (without ``.py``), or raise ValueError where the grammar does not cover it."""
    for kind, grammar in (('classification', CLASSIFICATION), ('detection', DETECTION)):
        match = grammar.fullmatch(name)
        if match:
            break
    else:
        raise ValueError(f'{name!r} does not follow the naming grammar of configs/README.md')
    tokens = {k: v for k, v in match.groupdict().items() if v is not None}
    tokens['kind'] = kind
    if 'mode' in tokens:  # a ViT backbone: S exactly for the mixing modes, a proper divisor of P
        p, s = int(tokens['P']), tokens.get('S')
        if (tokens['mode'] in MIXING_MODES) != (s is not None):
            raise ValueError(f'{name!r}: mode {tokens["mode"]!r} ' +
                             ('needs s{S}' if s is None else 'takes no sub-patch size'))
        if s is not None and not (int(s) < p and p % int(s) == 0):
            raise ValueError(f'{name!r}: S={s} is not a proper divisor of P={p}')
    return tokens


def config_names():
    paths = glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    rel = sorted(osp.relpath(p, osp.join(ROOT, 'configs')).replace(os.sep, '/') for p in paths)
    return [r for r in rel if '_base_' not in r.split('/')]


CONFIGS = config_names()


def test_configs_found():
    assert len(CONFIGS) > 30


@pytest.mark.parametrize('config', CONFIGS)
def test_config_name_follows_the_grammar(config):
    family, name = config.split('/')[0], osp.splitext(osp.basename(config))[0]
    tokens = parse(name)
    # detection in configs/mmdet, classification elsewhere; -encrypted exactly in configs/encrypted
    assert tokens['kind'] == ('detection' if family == 'mmdet' else 'classification'), config
    assert (tokens.get('variant') == 'encrypted') == (family == 'encrypted'), config


def test_every_documented_token_is_used():
    """A token of the grammar that no config uses is stale (or a config is missing)."""
    used = [parse(osp.splitext(osp.basename(c))[0]) for c in CONFIGS]
    keys = ('model', 'arch', 'mode', 'module', 'detector', 'cnn', 'neck', 'data', 'variant')
    seen = {key: set(t[key] for t in used if key in t) for key in keys}
    assert seen['model'] == set(MODELS)
    assert seen['arch'] == set(ARCHS)
    assert seen['mode'] == set(MODES)
    assert seen['module'] == set(MODULES)
    assert seen['detector'] == set(DETECTORS)
    assert seen['cnn'] == set(CNN_BACKBONES)
    assert seen['neck'] == set(NECKS)
    assert seen['data'] == set(CLS_DATA + DET_DATA)
    assert seen['variant'] == set(CLS_VARIANTS + DET_VARIANTS)
    assert any('keyed' in t for t in used)


def test_mode_tokens_are_the_mode_table():
    """The grammar's modes are the config tokens of mmppml.crypto.MODE_TABLE, S where the mode needs it."""
    from mmppml.crypto import MODE_TABLE
    assert set(MODES) == {m.token for m in MODE_TABLE.values()}
    assert set(MIXING_MODES) == {m.token for m in MODE_TABLE.values() if m.needs_sub_patch}


@pytest.mark.parametrize('name', [
    'pevit-small-mi-p16s8_4xb256_in1k',
    'pevit-small-rsmi-keyed-p16s8_4xb256_in1k-encrypted',
    'pevit-tiny-rs-p8_anchor_1xb128-3e_fashion-mnist',
    'retinanet_pevit-small-mi-p16s8_simplefpn_1x_coco',
    'yolos_pevit-tiny-mi-p16s8_100e_trees-plainft',
    'retinanet_r18-plain_fpn_6e_fmnist-det',
    'retinanet_r18-mi-p16s8_fpn_1e_fmnist-det',
])
def test_grammar_accepts(name):
    parse(name)


@pytest.mark.parametrize(
    'name',
    [
        'pevit-tiny-xx-p8_1xb128-3e_fashion-mnist',  # unknown mode
        'pevit-tiny-mi-p8_1xb128-3e_fashion-mnist',  # MI without S
        'pevit-tiny-rs-p8s4_1xb128-3e_fashion-mnist',  # RS with S
        'pevit-tiny-mi-p8s8_1xb128-3e_fashion-mnist',  # S not a proper divisor of P
        'pevit-tiny-rs-p8_1xb128-3e_cifar10',  # unknown data
        'pevit-tiny-rs-p8_1xb128_3e_fashion-mnist',  # epochs in the wrong place
        'pevit-tiny-rs-p8_1xb128-3e_fashion-mnist-plainft',  # a detection variant on a classifier
        'retinanet_pevit-tiny-mi-p16s8_simplefpn_6e_voc',  # unknown data
        'retinanet_pevit-tiny-mi-p16s8_pafpn_6e_coco',  # unknown neck
        'retinanet_r50-plain_fpn_6e_coco',  # unknown CNN
        'retinanet_r18-mi-p16_fpn_6e_coco',  # a CNN on MI without S
        'retinanet_pevit-tiny-mi-p16s8_simplefpn_coco',  # no schedule
        'retinanet_pevit-tiny-mi-keyed-p16s8_simplefpn_1x_coco',  # -keyed on a detector
    ])
def test_grammar_refuses(name):
    with pytest.raises(ValueError):
        parse(name)
