"""The attack suite: which stages run, how the budget is split between them, and the report they make.

Stages: the hand-made attacks on photos (``classic``, :mod:`.classic`), the learned attacks on
Fashion-MNIST (``in-domain``, :mod:`.in_domain`) and the learned block attacker
on photos (``photos``, :mod:`.photos`). ``tools/analysis_tools/attack.py`` is its command line.
"""
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple

STAGES = ('classic', 'in-domain', 'photos')
CLASSIC_MAX_S = 8 * 60  # with the learned stages, the hand-made attacks take at most 8 minutes ...
CLASSIC_SHARE = 0.3  # ... and at most this share of the budget
IN_DOMAIN_SHARE = 0.75  # of what is left, when the photo stage follows


@dataclass
class AttackSuiteOptions:
    """What the suite runs; every field has the command line's default.

    Args:
        budget_minutes (float): wall-clock budget of the whole suite.
        stages (Sequence[str]): of :data:`STAGES`.
        learned (bool): run the learned stages (in-domain and photos).
        fashion_mnist (bool): run the stages on Fashion-MNIST (in-domain).
        mixes (Sequence[tuple], optional): in-domain (P, S) of MI and RS-on-MI.
        test_images (int, optional): in-domain attacked test images (None: the stage's default).
        attacker_epochs (float, optional): in-domain epochs of each block attacker.
        proxy_epochs (float, optional): in-domain epochs of the human proxy.
        quick (bool): tiny settings, for tests.
        threads (int): CPU threads (recorded; the caller sets them before NumPy and torch load).
        seed (int): seed of the experiments, never of a real key.
    """
    budget_minutes: float = 30.
    stages: Sequence[str] = STAGES
    learned: bool = True
    fashion_mnist: bool = True
    mixes: Optional[Sequence[Tuple[int, int]]] = None
    test_images: Optional[int] = None
    attacker_epochs: Optional[float] = None
    proxy_epochs: Optional[float] = None
    quick: bool = False
    threads: int = 1
    seed: int = 0

    def __post_init__(self):
        unknown = [s for s in self.stages if s not in STAGES]
        if unknown:
            raise ValueError(f'unknown stage(s) {unknown}; choose from {list(STAGES)}')
        if self.budget_minutes <= 0:
            raise ValueError('budget_minutes must be positive')

    @property
    def classic_budget_s(self) -> float:
        """The hand-made attacks' share of the budget (all of it without the learned stages)."""
        budget = 60 * self.budget_minutes
        return min(CLASSIC_MAX_S, CLASSIC_SHARE * budget) if self.learned else budget

    def in_domain_config(self):
        """The in-domain stage's settings."""
        from .in_domain import InDomainConfig
        cfg = InDomainConfig.quick() if self.quick else InDomainConfig()
        cfg.seed = self.seed
        if self.mixes is not None:
            cfg.mixes = self.mixes
        for name in ('test_images', 'attacker_epochs', 'proxy_epochs'):
            if getattr(self, name) is not None:
                setattr(cfg, name, getattr(self, name))
        return cfg

    def needs_fashion_mnist(self) -> bool:
        return self.fashion_mnist and ('classic' in self.stages or self.learned and 'in-domain' in self.stages)


def run_attack_suite(options: AttackSuiteOptions, out_dir: str, log: Callable[[str], None] = print) -> List[str]:
    """Run the stages of ``options`` within its budget and write the report; return the written paths.

    The in-domain stage goes first among the learned ones (the headline), with
    :data:`IN_DOMAIN_SHARE` of what the hand-made attacks leave when the photo stage follows.
    """
    from .classic import Clock, SuiteConfig, SuiteResult, run_suite
    from .in_domain import InDomainAttacks
    from .photos import PhotoAttackConfig, PhotoAttacks
    from .report import stage_section, write_report

    clock = Clock(60 * options.budget_minutes)
    config = SuiteConfig.quick() if options.quick else SuiteConfig()
    config.seed = options.seed
    if not options.fashion_mnist or options.learned:  # the in-domain stage supersedes the small inverter
        config.fashion_mnist = False
    if 'classic' in options.stages:
        suite = run_suite(config, budget_s=options.classic_budget_s, log=log)
    else:
        suite = SuiteResult({name: [] for name in ('jigsaw', 'key_recovery', 'inversion', 'training')}, {}, {}, 0.)
        suite.tables['skipped'] = [dict(what='the hand-made attacks on photos', why='not in --stages')]
    in_domain = photos = None
    if options.learned:
        share = IN_DOMAIN_SHARE if 'photos' in options.stages else 1.0
        try:
            if options.fashion_mnist and 'in-domain' in options.stages:
                in_domain = InDomainAttacks(options.in_domain_config(), share * clock.left(), log=log).run()
        except FileNotFoundError as err:
            suite.tables['skipped'].append(dict(what='learned in-domain attacks on Fashion-MNIST', why=str(err)))
            log(f'skipped the learned in-domain attacks on Fashion-MNIST: {err}')
        if 'photos' in options.stages:
            photo_config = PhotoAttackConfig.quick() if options.quick else PhotoAttackConfig()
            photo_config.seed = options.seed
            photos = PhotoAttacks(photo_config, budget_s=clock.left(), inverters=suite.inverters, log=log).run()
    tables = dict(
        suite=suite.tables, in_domain=in_domain and stage_section(in_domain), photos=photos and stage_section(photos))
    figures = dict(figure=suite.figure, figure_in_domain=in_domain.figure if in_domain else {})
    meta = dict(
        budget_minutes=options.budget_minutes,
        quick=options.quick,
        threads=options.threads,
        seed=options.seed,
        learned=options.learned,
        stages=list(options.stages),
        wall_seconds=clock.elapsed())
    return write_report(out_dir, tables, figures, meta)
