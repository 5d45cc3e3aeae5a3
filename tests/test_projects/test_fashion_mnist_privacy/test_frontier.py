"""The frontier's pieces: settings and grids, cell configs, the Pareto front, the goal and the report."""
import os.path as osp

import pytest

from projects.fashion_mnist_privacy.experiments.fashion_runs import pipeline_variant
from projects.fashion_mnist_privacy.experiments.frontier import (Cell, cell_config, encryption_params, grid_cells,
                                                                 pareto_front, parse_setting)
from projects.fashion_mnist_privacy.experiments.frontier_report import frontier_table, meets_goal

CONFIGS = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..', '..', 'configs')


def test_pareto_front_on_hand_made_points():
    points = [
        (86.0, 0.90),  # 0: best accuracy: on the front
        (84.0, 0.80),  # 1: on the front
        (83.0, 0.85),  # 2: dominated by 1
        (84.0, 0.95),  # 3: dominated by 1 (same accuracy, more recognisable)
        (70.0, 0.30),  # 4: on the front
        (70.0, 0.30),  # 5: equal to 4: both kept
        (60.0, 0.30),  # 6: dominated by 4
        (50.0, 0.10)
    ]  # 7: on the front
    assert pareto_front(points) == [7, 4, 5, 1, 0]
    assert pareto_front([]) == [] and pareto_front([(1., 1.)]) == [0]


def test_settings_and_grids():
    assert parse_setting('8') == (8, None) and parse_setting('8/2') == (8, 2)
    for bad in ('8/8', '8/3', '3', 'x', '8/4/2', '0'):
        with pytest.raises(ValueError):
            parse_setting(bad)
    cells = grid_cells(['plain', 'rs', 'mi'], ['8', '8/4', '8/2'])
    assert cells == [Cell('plain', 8), Cell('rs', 8), Cell('mi', 8, 4), Cell('mi', 8, 2)]
    assert Cell('rs-on-mi', 8, 4).key == 'rs-on-mi 8/4' and Cell('rs-on-mi', 8, 4).label == 'RS-on-MI-8/4'
    with pytest.raises(ValueError, match='P/S'):
        grid_cells(['mi'], ['8'])
    with pytest.raises(ValueError, match='unknown mode'):
        grid_cells(['rot13'], ['8'])


@pytest.mark.parametrize('cell, enc_type, backbone', [
    (Cell('rs-on-mi', 8, 2), 'mmppml.ShuffledMixSubPatches', (2, 8)),
    (Cell('noisy-rs-on-mi', 8, 4), 'mmppml.NoisyShuffledMix', (4, 16)),
    (Cell('bag', 4), 'mmppml.RandomPixelBags', (4, 32)),
    (Cell('convex-mi', 8, 2), 'mmppml.RandomConvexMix', (2, 8)),
])
def test_cell_config_sets_the_setting_everywhere(cell, enc_type, backbone):
    cfg = cell_config(cell, CONFIGS)
    assert (cfg.model.backbone.patch_size, cfg.model.backbone.img_size) == backbone
    pre = cfg.data_preprocessor  # on the device
    assert (pre.mode, pre.patch_size, pre.get('sub_patch_size')) == (cell.mode, cell.p, cell.s)
    piped = pipeline_variant(cfg)  # the pipeline path
    for loader in (piped.train_dataloader, piped.val_dataloader, piped.test_dataloader):
        step = loader.dataset.pipeline[-2]
        assert step['type'] == enc_type and step['patch_size'] == cell.p
        assert step.get('sub_patch_size') == cell.s
    assert encryption_params(cfg)['type'] == enc_type
    assert encryption_params(cell_config(Cell('plain', 8))) == {}  # the configs shipped with mmppml


CELL_SCORES = ('accuracy', 'recognisability', 'strongest_attack', 'image_recognisability', 'strongest_image_attack')


def frontier_cell(mode, label, *scores, **instance):
    """A finished cell of ``results.json`` at setting 8: ``scores`` in the order of ``CELL_SCORES``; with
    ``instance``, its instance fields."""
    assert len(scores) == len(CELL_SCORES)
    return dict(mode=mode, setting='8', label=label, **dict(zip(CELL_SCORES, scores)), **instance)


def frontier_results(cells):
    """A ``results.json`` of 10 attacked images holding ``cells``."""
    return dict(meta=dict(test_images=10, quick=False), references=dict(chance=0.1, proxy_plain=0.9), cells=cells)


def test_goal_and_table():
    results = frontier_results({
        'plain 8': frontier_cell('plain', 'plain-8', 86., 0.9, 'none', 0.9, 'none'),
        'x 8': frontier_cell('bag', 'pixel bags-8', 81.5, 0.2, 'label', 0.1, 'inverter')
    })
    table = frontier_table(results)
    assert '| pixel bags-8 | 8 | 81.50 | -4.50 | 0.200 | label |' in table and 'met by pixel bags-8' in table
    results['cells']['x 8']['accuracy'] = 80.9
    assert 'met by no mode' in frontier_table(results)
    assert not meets_goal(dict(gap=-5.1, recognisability=0.1)) and meets_goal(dict(gap=-5., recognisability=0.2))


def test_with_instance_scores_the_frontier_is_drawn_on_re_identification(tmp_path):
    from projects.fashion_mnist_privacy.experiments.frontier_report import frontier_figure

    def cell(mode, label, acc, rec, reid):
        return frontier_cell(
            mode,
            label,
            acc,
            rec,
            'label',
            rec,
            'inverter',
            reidentification=reid,
            reidentification_low=max(0., reid - 0.02),
            reidentification_high=reid + 0.02,
            reidentification_by='learned matcher',
            reid_reconstruction=reid,
            reid_learned_matcher=reid / 2,
            linkage=1.0,
            ssim_margin=0.1,
            reid_chance=0.01)

    results = frontier_results({
        'plain 8': cell('plain', 'plain-8', 86., 0.9, 0.95),
        'a 8': cell('bag', 'pixel bags-8', 83.5, 0.8, 0.04),
        'b 8': cell('rs', 'RS-8', 85.5, 0.9, 0.6)
    })
    table = frontier_table(results)
    assert 're-identification [95 % CI]' in table and 'the trainer already holds this' in table
    assert '| pixel bags-8 | 8 | 83.50 | -2.50 | 0.040 [0.020, 0.060] |' in table and 'met by pixel bags-8' in table
    results['cells']['a 8']['accuracy'] = 82.9  # 3.1 points below plain: out of the goal
    assert 'met by no mode' in frontier_table(results) and 'RS-8, top-1 85.50 %, re-identification 0.600' in \
        frontier_table(results)
    assert not meets_goal(dict(gap=-2., reidentification=0.06, recognisability=0.)) and meets_goal(
        dict(gap=-3., reidentification=0.05, recognisability=0.9))
    frontier_figure(results, str(tmp_path / 'f.png'))
    assert (tmp_path / 'f.png').stat().st_size > 1000
