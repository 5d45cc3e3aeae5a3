"""The privacy-utility frontier: for each mode and setting, the task model's accuracy and what the
strongest attack recovers (human-proxy top-1), in one resumable sweep.

Each cell trains the demo's tiny model with the shared recipe (configs/demo/, one fresh process of
tools/train.py, :mod:`.fashion_runs`), keeps its predictions on the encrypted evaluation
images, and runs the attacks of :mod:`mmppml.privacy.attacks.cell_attacks` on the first of them. Finished
cells are kept in ``results.json`` and skipped on a rerun.
"""
import json
import os
import os.path as osp
import pickle
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from mmppml.crypto import MODE_TABLE, Mode
from mmppml.idx import read_idx
from .frontier_report import write_reports
from .pareto import pareto_front  # noqa: F401 (the front of the cells, as the report draws it)


def demo_config(mode: Mode) -> str:
    """The demo config of ``mode``, relative to configs/, at the P = 8 (S = 4) its name carries."""
    arch = 'pevit' if mode.encrypts else 'vit'
    sizes = 'p8s4' if mode.needs_sub_patch else 'p8'
    return f'demo/{arch}-tiny-{mode.token}-{sizes}_1xb128-3e_fashion-mnist.py'


SIDE = 32  # the demo pads 28-px images to 32 px


@dataclass(frozen=True)
class Cell:
    """One point of the frontier: a mode of :data:`~mmppml.crypto.MODE_TABLE` and its setting P (and S)."""
    mode: str
    p: int
    s: Optional[int] = None

    @property
    def setting(self) -> str:
        return f'{self.p}' if self.s is None else f'{self.p}/{self.s}'

    @property
    def key(self) -> str:
        return f'{self.mode} {self.setting}'

    @property
    def label(self) -> str:
        return MODE_TABLE[self.mode].setting_label(self.p, self.s)


def parse_setting(text: str) -> Tuple[int, Optional[int]]:
    """``'8'`` -> (8, None); ``'8/4'`` -> (8, 4). P must be a multiple of S (S < P) and divide 32."""
    parts = text.split('/')
    try:
        values = [int(v) for v in parts]
    except ValueError:
        raise ValueError(f'a setting is P or P/S with integers, got {text!r}') from None
    if len(values) > 2 or any(v < 1 for v in values):
        raise ValueError(f'a setting is P or P/S with positive integers, got {text!r}')
    p, s = values[0], (values[1] if len(values) == 2 else None)
    if SIDE % p or (s is not None and (p % s or s == p)):
        raise ValueError(f'setting {text!r}: P must divide {SIDE} and S must be a proper divisor of P')
    return p, s


def grid_cells(modes: Sequence[str], settings: Sequence[str]) -> List[Cell]:
    """Every mode with every setting of its kind (P for plain, RS and bags; P/S for the mixes)."""
    cells = []
    for mode in modes:
        if mode not in MODE_TABLE:
            raise ValueError(f'unknown mode {mode!r}; choose from {list(MODE_TABLE)}')
        sub = MODE_TABLE[mode].needs_sub_patch
        own = [parse_setting(t) for t in settings if (parse_setting(t)[1] is not None) == sub]
        if not own:
            kind = 'P/S' if sub else 'P'
            raise ValueError(f'mode {mode!r} needs a setting {kind} among --settings {list(settings)}')
        cells += [Cell(mode, p, s) for p, s in own]
    return list(OrderedDict.fromkeys(cells))


def cell_config(cell: Cell, configs_dir: Optional[str] = None):
    """The cell's mode config (under ``configs_dir``, by default the configs shipped with mmppml) with its
    setting: the encryption's sizes on the device and as the pipeline transform (``encrypt``), and the
    backbone's patch and image size."""
    from mmengine.config import Config

    from mmppml import config_path
    cfg = Config.fromfile(osp.join(configs_dir or config_path(), demo_config(MODE_TABLE[cell.mode])))
    backbone = cfg.model.backbone
    backbone.patch_size = cell.p if cell.s is None else cell.s
    backbone.img_size = SIDE if cell.s is None else SIDE * cell.s // cell.p
    steps = [cfg.encrypt] if cfg.get('encrypt') else []
    if MODE_TABLE[cfg.data_preprocessor.get('mode', 'plain')].encrypts:
        steps.append(cfg.data_preprocessor)
    for step in steps:
        step.patch_size = cell.p
        if cell.s is not None:
            step.sub_patch_size = cell.s
    return cfg


def encryption_params(cfg) -> dict:
    """The cell's encryption as its pipeline transform, a plain dict (empty for plain)."""
    return dict(cfg.encrypt) if cfg.get('encrypt') else {}


def predictions(dump_file: str, limit: int) -> np.ndarray:
    """The first ``limit`` predicted labels of a ``DumpResults`` pickle (evaluation order)."""
    with open(dump_file, 'rb') as f:
        samples = pickle.load(f)
    return np.array([int(np.asarray(s['pred_label']).reshape(-1)[0]) for s in samples[:limit]])


# The settings a ``results.json`` was written with (its ``meta``): a rerun must use the same ones.
SWEEP_META = ('quick', 'seed', 'val_split')  # of FrontierOptions
ATTACK_META = ('test_images', 'attacker_epochs', 'attacker_dims', 'attacker_layers', 'inverter_seconds', 'proxy_epochs',
               'instance', 'gallery_size', 'view_epochs', 'matcher_epochs')  # of FrontierAttackConfig


@dataclass
class FrontierOptions:
    """What one sweep runs (see tools/analysis_tools/privacy_utility.py)."""
    data_root: str  # un-gzipped IDX folder
    work_dir: str
    budget_s: float
    train_script: str  # a checkout's tools/train.py
    configs_dir: Optional[str] = None  # the demo configs' root; None: those shipped with mmppml
    threads: int = 1
    seed: int = 0
    quick: bool = False
    val_split: Optional[int] = None
    prior_cell_s: float = 420.  # time estimate of a cell before one has been measured


class Frontier:
    """Run the cells, one after another, writing the results after each.

    Args:
        cells (list[Cell]): the grid.
        options (FrontierOptions): data, budget, folders.
        attack_config (FrontierAttackConfig): budgets of the attacks.
        log (callable): receives progress lines.
    """

    def __init__(self, cells: List[Cell], options: FrontierOptions, attack_config, log: Callable[[str], None] = print):
        self.cells, self.opt, self.attack_cfg = cells, options, attack_config
        self._log = log
        self.start = time.time()
        self.results_file = osp.join(options.work_dir, 'results.json')
        self.results = self._load()

    def log(self, msg: str):
        m, s = divmod(int(time.time() - self.start), 60)
        self._log(f'[frontier {m:02d}:{s:02d}] {msg}')

    def _meta(self) -> dict:
        meta = {k: getattr(self.opt, k) for k in SWEEP_META}
        meta.update({k: getattr(self.attack_cfg, k) for k in ATTACK_META})
        return meta

    def _load(self) -> dict:
        if osp.isfile(self.results_file):
            with open(self.results_file) as f:
                results = json.load(f)
            if results.get('meta') != self._meta():
                raise ValueError(f'{self.results_file} was written with other settings ({results.get("meta")}); '
                                 'use another --work-dir or the same settings')
            return results
        return dict(meta=self._meta(), references={}, cells={})

    def _save(self):
        os.makedirs(self.opt.work_dir, exist_ok=True)
        tmp = self.results_file + '.part'
        with open(tmp, 'w') as f:
            json.dump(self.results, f, indent=2)
        os.replace(tmp, self.results_file)
        write_reports(self.results, self.opt.work_dir)

    # ------------------------------------------------------------------ data and the proxy
    def _data(self):
        from .fashion_runs import QUICK_SAMPLES
        root = self.opt.data_root  # un-gzipped
        train = read_idx(osp.join(root, 'train-images-idx3-ubyte'), 0x803)
        train_labels = read_idx(osp.join(root, 'train-labels-idx1-ubyte'), 0x801)
        test = read_idx(osp.join(root, 't10k-images-idx3-ubyte'), 0x803)
        test_labels = read_idx(osp.join(root, 't10k-labels-idx1-ubyte'), 0x801)

        def pad(x):  # 28 -> 32 px (SIDE)
            return np.pad(x, ((0, 0), (2, 2), (2, 2)))

        if self.opt.val_split is not None:  # attack held-out training images, never the test set
            end = len(train) - self.opt.val_split
            public, public_labels = train[:end], train_labels[:end]
            attacked, attacked_labels = train[end:], train_labels[end:]
        else:
            public, public_labels, attacked, attacked_labels = train, train_labels, test, test_labels
        if self.opt.quick:
            public, public_labels = public[:QUICK_SAMPLES['train'] * 2], public_labels[:QUICK_SAMPLES['train'] * 2]
        k = min(self.attack_cfg.test_images, len(attacked))
        self.pool, self.pool_labels = pad(attacked), attacked_labels  # the galleries of the instance scores
        return pad(public), public_labels, pad(attacked[:k]), attacked_labels[:k]

    def _instance(self, public, labels, targets: int):
        """The instance scores over the held-out images: galleries, views, the view embedding (public
        images only; saved, so a rerun loads it)."""
        if not self.attack_cfg.instance:
            return None
        import torch

        from mmppml.privacy.scores.instance import InstanceScores
        from mmppml.privacy.scores.matcher import PlainEncoder, embed_images
        instance = InstanceScores(self.pool, self.pool_labels, targets, public, labels, self.attack_cfg.gallery_size,
                                  self.opt.seed, self.log)
        path = osp.join(self.opt.work_dir, 'view_embedding.pth')
        if osp.isfile(path):
            net = PlainEncoder()
            net.load_state_dict(torch.load(path))
            instance.embedding, instance.view_features = net.eval(), embed_images(net.eval(), instance.views)
            self.log(f'view embedding loaded from {path}')
        else:
            instance.train_embedding(self.attack_cfg.view_epochs)
            os.makedirs(self.opt.work_dir, exist_ok=True)
            torch.save(instance.embedding.state_dict(), path)
        return instance

    def _proxy(self, public, labels):
        import torch

        from mmppml.privacy.scores.proxy import ProxyNet, train_proxy
        path = osp.join(self.opt.work_dir, 'proxy.pth')
        if osp.isfile(path):
            model = ProxyNet(1, int(labels.max()) + 1)
            model.load_state_dict(torch.load(path))
            self.log(f'human proxy loaded from {path}')
            return model.eval()
        self.log(f'training the human proxy on {len(public)} plain public images ({self.attack_cfg.proxy_epochs:g} '
                 'epochs)')
        model = train_proxy(
            public,
            labels,
            low_res_factors=(2, 4),
            epochs=self.attack_cfg.proxy_epochs,
            seed=self.opt.seed,
            log=self.log)
        os.makedirs(self.opt.work_dir, exist_ok=True)
        torch.save(model.state_dict(), path)
        return model

    # ------------------------------------------------------------------ the sweep
    def run(self) -> dict:
        import torch

        from mmppml.privacy.attacks.cell_attacks import CellAttacks
        from .fashion_runs import check_data, configure_run, split_indices, train_model
        torch.set_num_threads(self.opt.threads)
        todo = [c for c in self.cells if c.key not in self.results['cells']]
        for c in self.cells:
            if c.key in self.results['cells']:
                self.log(f'{c.label}: finished in an earlier run, skipped')
        if not todo:
            self._save()
            return self.results
        public, public_labels, attacked, attacked_labels = self._data()
        attacks = CellAttacks(
            public,
            public_labels,
            attacked,
            attacked_labels,
            self._proxy(public, public_labels),
            self.attack_cfg,
            log=self.log,
            instance=self._instance(public, public_labels, len(attacked)))
        self.results['references'] = attacks.references()
        if attacks.instance is not None:
            attacks.instance.references(attacks.prototypes)
            self.results['instance_references'] = [r for r in attacks.instance.rows if r['attacker'] == 'reference']
        self.log('references: ' + ', '.join(f'{k} {v:.3f}' for k, v in self.results['references'].items()))
        num_train = check_data(self.opt.data_root)['train']
        indices = split_indices(num_train, None, self.opt.val_split, self.opt.quick)
        spent: List[float] = []
        for i, cell in enumerate(todo, 1):
            left = self.opt.budget_s - (time.time() - self.start)
            estimate = float(np.mean(spent)) if spent else self.opt.prior_cell_s
            if estimate > left:
                self.log(f'budget: {left / 60:.1f} min left, a cell takes about {estimate / 60:.1f} min; stopping '
                         f'before {cell.label} ({len(todo) - i + 1} cell(s) not run; rerun to continue)')
                break
            t = time.time()
            self.log(f'cell {i}/{len(todo)} {cell.label}: training the task model')
            work_dir = osp.join(self.opt.work_dir, cell.key.replace(' ', '_').replace('/', 's'))
            cfg = configure_run(
                cell_config(cell, self.opt.configs_dir),
                self.opt.data_root,
                work_dir,
                self.opt.seed,
                indices,
                num_train,
                quick=self.opt.quick,
                val_split=self.opt.val_split is not None)
            dump = osp.join(work_dir, 'predictions.pkl')
            cfg.val_evaluator = [dict(type='Accuracy', topk=(1, )), dict(type='DumpResults', out_file_path=dump)]
            run = train_model(
                cell.key.replace(' ', '_').replace('/', 's'), cfg, self.opt.threads, self.opt.train_script)
            if run['returncode'] != 0 or run['top1'] is None:
                raise RuntimeError(f'{cell.label}: training failed (exit code {run["returncode"]}); see the log above')
            self.log(
                f'cell {i}/{len(todo)} {cell.label}: top-1 {run["top1"]:.2f} % in {run["wall_s"]:.0f} s; attacking')
            rows = attacks.attack(cell.mode, cell.p, cell.s, encryption_params(cfg), predictions(dump, len(attacked)))
            instance = None
            if attacks.instance is not None:
                instance = dict(
                    summary=next((r for r in attacks.instance.summary() if r['mode'] == cell.key), None),
                    rows=[r for r in attacks.instance.rows if r['mode'] == cell.key],
                    fidelity=[r for r in attacks.instance.fidelity if r['mode'] == cell.key])
            self.results['cells'][cell.key] = summarize_cell(cell, run, rows, time.time() - t, instance)
            self._save()
            spent.append(time.time() - t)
            done = self.results['cells'][cell.key]
            remaining = len(todo) - i
            self.log(f'cell {i}/{len(todo)} {cell.label} done in {spent[-1]:.0f} s: accuracy {done["accuracy"]:.2f} %, '
                     f'recognisability {done["recognisability"]:.3f} ({done["strongest_attack"]}); '
                     f'{remaining} cell(s) to go, about {remaining * np.mean(spent) / 60:.0f} min, '
                     f'{(self.opt.budget_s - (time.time() - self.start)) / 60:.0f} min of budget left')
        self._save()
        return self.results


def summarize_cell(cell: Cell, run: dict, rows: List[dict], seconds: float, instance: Optional[dict] = None) -> dict:
    """A cell's entry of ``results.json``: accuracy, the strongest attack and every attack's row; with
    ``instance`` (its summary, rows and fidelity rows), linkage, re-identification and the SSIM margin."""
    from mmppml.privacy.attacks.cell_attacks import LABEL_ATTACK
    strongest = max(rows, key=lambda r: r['proxy_top1'])
    images = [r for r in rows if r['attack'] != LABEL_ATTACK]
    best_image = max(images, key=lambda r: r['proxy_top1']) if images else None
    return dict(
        mode=cell.mode,
        setting=cell.setting,
        label=cell.label,
        accuracy=run['top1'],
        recognisability=strongest['proxy_top1'],
        strongest_attack=strongest['attack'],
        image_recognisability=None if best_image is None else best_image['proxy_top1'],
        strongest_image_attack=None if best_image is None else best_image['attack'],
        attacks=rows,
        train_wall_s=run['wall_s'],
        cell_wall_s=round(seconds, 1),
        **instance_fields(instance))


def instance_fields(instance: Optional[dict]) -> dict:
    """The instance part of a cell's entry: ``reidentification`` (strongest of both attackers, with its
    interval and attack), ``linkage``, ``ssim_margin``, and the rows (empty without instance scores)."""
    if instance is None or instance.get('summary') is None:
        return {}
    sm = instance['summary']
    return dict(
        reidentification=sm.get('reid_top1'),
        reidentification_low=sm.get('reid_top1_low'),
        reidentification_high=sm.get('reid_top1_high'),
        reidentification_mrr=sm.get('reid_mrr'),
        reidentification_by=sm.get('reid_by'),
        reid_reconstruction=sm.get('reid_a_top1'),
        reid_learned_matcher=sm.get('reid_b_top1'),
        linkage=sm.get('linkage_top1'),
        ssim_margin=sm.get('ssim_margin'),
        reid_chance=sm.get('chance_top1'),
        instance_rows=instance['rows'],
        fidelity_rows=instance['fidelity'])
