"""The attack suite's composition: stages, the budget split, the in-domain settings from the options."""
import pytest

from projects.fashion_mnist_privacy.experiments.attack_suite import STAGES, AttackSuiteOptions


def test_the_hand_made_attacks_take_thirty_percent_at_most_eight_minutes_with_the_learned_stages():
    assert AttackSuiteOptions(budget_minutes=10).classic_budget_s == pytest.approx(180)
    assert AttackSuiteOptions(budget_minutes=60).classic_budget_s == pytest.approx(480)
    assert AttackSuiteOptions(budget_minutes=10, learned=False).classic_budget_s == pytest.approx(600)


def test_in_domain_settings_take_only_what_the_options_set():
    cfg = AttackSuiteOptions(mixes=[(8, 4)], attacker_epochs=0.5, seed=3).in_domain_config()
    assert (list(cfg.mixes), cfg.attacker_epochs, cfg.seed) == ([(8, 4)], 0.5, 3)
    default = AttackSuiteOptions().in_domain_config()
    assert default.proxy_epochs == type(default)().proxy_epochs  # unset: the stage's own default
    assert AttackSuiteOptions(quick=True).in_domain_config().train_images == 512  # the quick stage


def test_fashion_mnist_is_needed_only_by_the_stages_that_read_it():
    assert AttackSuiteOptions().needs_fashion_mnist()
    assert not AttackSuiteOptions(fashion_mnist=False).needs_fashion_mnist()
    assert not AttackSuiteOptions(stages=['photos']).needs_fashion_mnist()
    assert not AttackSuiteOptions(stages=['in-domain'], learned=False).needs_fashion_mnist()


@pytest.mark.parametrize('kwargs, error', [(dict(stages=['jigsaw']), 'unknown stage'),
                                           (dict(budget_minutes=0), 'budget_minutes')])
def test_bad_options_are_refused(kwargs, error):
    with pytest.raises(ValueError, match=error):
        AttackSuiteOptions(**kwargs)


def test_the_command_line_offers_the_suites_stages():
    import importlib.util
    import os.path as osp
    path = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..', '..', 'tools', 'analysis_tools', 'attack.py')
    spec = importlib.util.spec_from_file_location('attack_tool', path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.STAGES == STAGES
    options = tool.options_of(tool.parse_args(['--stages', 'photos', '--no-fashion-mnist', '--mixes', '8/2']))
    assert (list(options.stages), options.fashion_mnist, options.mixes) == (['photos'], False, [(8, 2)])
