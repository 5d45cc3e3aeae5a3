"""model-index.yml and the configs/<family>/metafile.yml it imports list every config exactly once.

The metafiles follow mmpretrain's and mmdet's format (Collections with Metadata, Paper and README;
Models with Name, In Collection, Config, Metadata and, where a result was measured, Results).
:func:`index_problems` checks a repository tree and returns its problems in words; the tests run it
on this repository and on a small broken tree, which it must fault.
"""
import glob
import math
import os
import os.path as osp
from collections import Counter
from typing import Dict, List

import pytest
import yaml

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FAMILIES = ('demo', 'encrypted', 'mmdet', 'mmpretrain')
PAPER = {'URL': 'https://arxiv.org/abs/2306.03679', 'Title': 'Human-imperceptible, Machine-recognizable Images'}
TASKS = ('Image Classification', 'Object Detection')
MODEL_KEYS = {'Name', 'In Collection', 'Config', 'Metadata', 'Results', 'Weights'}


def config_files(root: str) -> List[str]:
    """Every config under ``configs/`` outside ``_base_`` folders, relative to ``root`` with '/'."""
    paths = glob.glob(osp.join(root, 'configs', '**', '*.py'), recursive=True)
    rel = (osp.relpath(p, root).replace(os.sep, '/') for p in paths)
    return sorted(r for r in rel if '_base_' not in r.split('/'))


def load_yaml(path: str):
    with open(path, encoding='utf-8') as f:
        return yaml.safe_load(f)


def load_metafiles(root: str) -> Dict[str, dict]:
    """The metafiles that ``model-index.yml`` imports, by their path relative to ``root``."""
    index = load_yaml(osp.join(root, 'model-index.yml'))
    assert set(index) == {'Import'}, f'model-index.yml: keys {sorted(index)}, expected Import only'
    return {path: load_yaml(osp.join(root, path)) for path in index['Import']}


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def results_problems(where: str, results) -> List[str]:
    """What is wrong with one model's Results: a list of {Task, Dataset, Metrics} with numbers."""
    if not isinstance(results, list) or not results:
        return [f'{where}: Results must be a non-empty list']
    problems = []
    for i, result in enumerate(results):
        at = f'{where}: Results[{i}]'
        if not isinstance(result, dict) or set(result) != {'Task', 'Dataset', 'Metrics'}:
            problems.append(f'{at}: needs exactly Task, Dataset and Metrics')
            continue
        if result['Task'] not in TASKS:
            problems.append(f'{at}: Task {result["Task"]!r} is not one of {TASKS}')
        if not isinstance(result['Dataset'], str) or not result['Dataset']:
            problems.append(f'{at}: Dataset must be a name')
        metrics = result['Metrics']
        if not isinstance(metrics, dict) or not metrics:
            problems.append(f'{at}: Metrics must map metric names to values')
            continue
        for metric, value in metrics.items():
            if not is_number(value):
                problems.append(f'{at}: {metric} is {value!r}, not a number')
            elif not 0 <= value <= 100:
                problems.append(f'{at}: {metric} is {value}, not a percentage')
    return problems


def collection_problems(where: str, collection: dict, root: str) -> List[str]:
    problems = []
    for key in ('Name', 'Metadata', 'Paper', 'README'):
        if key not in collection:
            problems.append(f'{where}: no {key}')
    metadata = collection.get('Metadata') or {}
    for key in ('Training Data', 'Architecture'):
        if not metadata.get(key):
            problems.append(f'{where}: Metadata has no {key}')
    if collection.get('Paper') != PAPER:
        problems.append(f'{where}: Paper is {collection.get("Paper")!r}, expected {PAPER!r}')
    readme = collection.get('README')
    if readme is not None and not osp.isfile(osp.join(root, readme)):
        problems.append(f'{where}: README {readme} does not exist')
    return problems


def model_problems(where: str, model: dict, family_dir: str, collections: set, root: str) -> List[str]:
    problems = [f'{where}: unknown key {key!r}' for key in sorted(set(model) - MODEL_KEYS)]
    for key in ('Name', 'In Collection', 'Config', 'Metadata'):
        if key not in model:
            problems.append(f'{where}: no {key}')
    config = model.get('Config')
    if config is not None:
        if not osp.isfile(osp.join(root, config)):
            problems.append(f'{where}: Config {config} does not exist')
        if osp.dirname(config) != family_dir:
            problems.append(f'{where}: Config {config} is not in {family_dir}/, beside its metafile')
        name = osp.splitext(osp.basename(config))[0]
        if model.get('Name') != name:
            problems.append(f'{where}: Name {model.get("Name")!r} is not the config file name {name!r}')
    if 'In Collection' in model and model['In Collection'] not in collections:
        problems.append(f'{where}: In Collection {model["In Collection"]!r} is not a collection of its metafile')
    if 'Results' in model:
        problems += results_problems(where, model['Results'])
    # No checkpoint is published: a Weights entry must name a file that exists.
    if 'Weights' in model and not osp.isfile(osp.join(root, str(model['Weights']))):
        problems.append(f'{where}: Weights {model["Weights"]} does not exist')
    return problems


def index_problems(root: str) -> List[str]:
    """Every problem of the model index of the repository at ``root``, in words (none: an empty list)."""
    metafiles = load_metafiles(root)
    families = sorted({osp.dirname(c) for c in config_files(root)})
    expected = [f'{family}/metafile.yml' for family in families]
    problems = []
    if sorted(metafiles) != expected:
        problems.append(f'model-index.yml imports {sorted(metafiles)}, expected one metafile a family: {expected}')
    listed = Counter()
    names = Counter()
    for path, meta in metafiles.items():
        if not osp.isfile(osp.join(root, path)):
            problems.append(f'{path} does not exist')
            continue
        if not isinstance(meta, dict) or set(meta) != {'Collections', 'Models'}:
            problems.append(f'{path}: needs exactly Collections and Models')
            continue
        family_dir = osp.dirname(path)
        collections = set()
        for i, collection in enumerate(meta['Collections']):
            problems += collection_problems(f'{path}: Collections[{i}]', collection, root)
            collections.add(collection.get('Name'))
        for i, model in enumerate(meta['Models']):
            where = f'{path}: Models[{i}] ({model.get("Name")})'
            problems += model_problems(where, model, family_dir, collections, root)
            listed[model.get('Config')] += 1
            names[model.get('Name')] += 1
    configs = config_files(root)
    problems += [f'{c} has no Model entry' for c in configs if listed[c] == 0]
    problems += [f'{c} has {n} Model entries' for c, n in sorted(listed.items(), key=str) if n > 1]
    problems += [f'Model entry for {c}, which is not a config of configs/' for c in listed if c not in configs]
    problems += [f'model name {n!r} is used {k} times' for n, k in names.items() if k > 1]
    return problems


def test_the_index_imports_one_metafile_per_family():
    assert sorted(load_metafiles(ROOT)) == [f'configs/{family}/metafile.yml' for family in FAMILIES]


def test_every_config_has_exactly_one_valid_entry():
    assert index_problems(ROOT) == []


def test_measured_results_are_listed():
    """Results are given where a README reports a figure: the demo's comparison and the CPU detectors."""
    models = {m['Name']: m for meta in load_metafiles(ROOT).values() for m in meta['Models']}
    with_results = {name for name, m in models.items() if 'Results' in m}
    assert 'vit-tiny-plain-p8_1xb128-3e_fashion-mnist' in with_results
    assert 'retinanet_pevit-tiny-mi-p16s8_simplefpn_6e_fmnist-det-plainft' in with_results
    # nothing was trained on ImageNet-1k or COCO
    assert not {n for n in with_results if n.endswith(('_in1k', '_in1k-encrypted', '_coco'))}
    assert not any('Weights' in m for m in models.values())


def write(path, text: str = ''):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_a_broken_index_is_faulted(tmp_path):
    """A config without an entry, a misnamed entry, a missing config and a non-numeric metric are reported."""
    for name in ('a_1x_x.py', 'b_1x_x.py', '_base_/base.py'):
        write(tmp_path / 'configs' / 'fam' / name)
    write(tmp_path / 'configs' / 'fam' / 'README.md')
    write(tmp_path / 'model-index.yml', 'Import:\n  - configs/fam/metafile.yml\n')
    write(
        tmp_path / 'configs' / 'fam' / 'metafile.yml', f"""\
Collections:
  - Name: C
    Metadata:
      Training Data: X
      Architecture: [Y]
    Paper:
      URL: {PAPER['URL']}
      Title: "{PAPER['Title']}"
    README: configs/fam/README.md
Models:
  - Name: wrong
    In Collection: C
    Config: configs/fam/a_1x_x.py
    Metadata: {{}}
  - Name: c_1x_x
    In Collection: C
    Config: configs/fam/c_1x_x.py
    Metadata: {{}}
  - Name: a_1x_x
    In Collection: C
    Config: configs/fam/a_1x_x.py
    Metadata: {{}}
    Results:
      - Task: Object Detection
        Dataset: X
        Metrics:
          box AP: 29.05 ± 0.25
""")
    problems = '\n'.join(index_problems(str(tmp_path)))
    assert 'configs/fam/b_1x_x.py has no Model entry' in problems
    assert "Name 'wrong' is not the config file name 'a_1x_x'" in problems
    assert 'Config configs/fam/c_1x_x.py does not exist' in problems
    assert 'configs/fam/a_1x_x.py has 2 Model entries' in problems
    assert "box AP is '29.05 ± 0.25', not a number" in problems
    assert 'base.py' not in problems


def test_openmmlab_loader_reads_the_index():
    """The model-index package (what mmpretrain's and mim's model lists use) loads every model with its
    collection's metadata merged in."""
    modelindex = pytest.importorskip('modelindex')
    index = modelindex.load(osp.join(ROOT, 'model-index.yml'))
    index.build_models_with_collections()
    models = {m.name: m.full_model for m in index.models}
    assert sorted(m.config for m in models.values()) == config_files(ROOT)
    plain = models['vit-tiny-plain-p8_1xb128-3e_fashion-mnist']
    assert plain.metadata.training_data == 'Fashion-MNIST'
    assert plain.paper == PAPER
    assert plain.results[0].metrics['Top 1 Accuracy'] == pytest.approx(86.72)
    # a model's own Training Data replaces its collection's (a list would be extended instead)
    assert all(isinstance(m.metadata.training_data, str) for m in models.values())
    assert models['retinanet_r18-plain_fpn_50e_trees'].metadata.training_data == 'DeepForest trees'
