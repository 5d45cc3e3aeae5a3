"""tools/model_converters/plain_to_mi.py: the report on a plain detector checkpoint, and the converted file."""
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(ROOT, 'configs', 'mmdet')
sys.path.insert(0, osp.join(ROOT, 'tools', 'model_converters'))
import plain_to_mi  # noqa: E402


def build(name: str):
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmdet'):
        torch.manual_seed(0)
        model = MODELS.build(Config.fromfile(osp.join(CONFIGS, name + '.py')).model)
        model.init_weights()
    return model


def test_report_and_converted_checkpoint(tmp_path, monkeypatch, capsys):
    plain_path, out = str(tmp_path / 'plain.pth'), str(tmp_path / 'mi.pth')
    torch.save(dict(state_dict=build('retinanet_pevit-tiny-plain-p16_simplefpn_50e_trees').state_dict()), plain_path)
    mi_name = 'retinanet_pevit-tiny-mi-p16s8_simplefpn_50e_trees-plainft'
    monkeypatch.setattr(sys, 'argv', ['plain_to_mi.py', osp.join(CONFIGS, mi_name + '.py'), plain_path, '--out', out])
    plain_to_mi.main()
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(':')[1].strip() for line in lines
            if line.startswith('converted')] == ['backbone.patch_embed.projection.weight']
    assert not any(line.startswith(('skipped', 'kept as initialised')) for line in lines)

    mi = build(mi_name)
    mi.load_state_dict(torch.load(out)['state_dict'], strict=True)  # loads with no conversion left
    assert mi.backbone.checkpoint_notes.converted == {}
    assert mi.backbone.patch_embed.projection.weight.shape[-1] == 8


def test_missing_checkpoint_fails(tmp_path, monkeypatch):
    config = osp.join(CONFIGS, 'retinanet_pevit-tiny-mi-p16s8_simplefpn_50e_trees-plainft.py')
    monkeypatch.setattr(sys, 'argv', ['plain_to_mi.py', config, str(tmp_path / 'none.pth')])
    with pytest.raises(FileNotFoundError):
        plain_to_mi.main()
