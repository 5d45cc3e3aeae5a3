"""The reproduction table of scripts/audit_demo_configs.py: each figure against the other's interval."""
import importlib.util
import os.path as osp

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


def load_script():
    path = osp.join(ROOT, 'projects', 'fashion_mnist_privacy', 'scripts', 'audit_demo_configs.py')
    spec = importlib.util.spec_from_file_location('audit_demo_configs', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def summary(top1, low, high, margin=None):
    rows = dict(
        strongest=dict(top1=top1, top1_low=low, top1_high=high, attack='learned reassembly'),
        linkage=dict(top1=1.0, top1_low=0.996, top1_high=1.0),
        strongest_margin=None)
    if margin is not None:
        rows['strongest_margin'] = dict(margin=margin[0], margin_low=margin[1], margin_high=margin[2])
    return rows


PUBLISHED = dict(
    reid_top1=0.954,
    reid_top1_low=0.939,
    reid_top1_high=0.965,
    linkage_top1=1.0,
    ssim_margin=0.170,
    ssim_margin_low=0.164,
    ssim_margin_high=0.175)


def test_a_figure_within_the_others_interval_reproduces_and_one_outside_does_not():
    script = load_script()
    lines = script.table([('MI-8/4', summary(0.950, 0.935, 0.962, (0.172, 0.166, 0.178)), PUBLISHED)]).splitlines()
    assert [line.endswith('| yes |') for line in lines[2:]] == [True, True, True]
    lines = script.table([('MI-8/4', summary(0.936, 0.919, 0.950, (0.179, 0.174, 0.185)), PUBLISHED)]).splitlines()
    reid, linkage, margin = lines[2:]
    assert reid.endswith('| **no** |') and linkage.endswith('| yes |') and margin.endswith('| **no** |')
    assert '0.936 [0.919, 0.950]' in reid and '0.954 [0.939, 0.965]' in reid
    assert set(script.SETTINGS) == {'rs-p8', 'mi-p8s4', 'rsmi-p8s4', 'mi-p8s2', 'rsmi-p8s2'}
    assert all(osp.isfile(osp.join(ROOT, 'configs', 'demo', config)) for _, config, _ in script.SETTINGS.values())
