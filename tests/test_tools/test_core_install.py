"""A data owner's install: mmppml with its core dependencies only (NumPy, OpenCV, Pillow), no torch or
OpenMMLab, runs tools/encrypt_dataset.py."""
import importlib
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import cv2
import numpy as np

from mmppml.crypto import mix_subpatches, to_blocks

ROOT = Path(__file__).resolve().parents[2]
CORE = ('numpy', 'cv2', 'PIL')  # the import names of pyproject's core dependencies
PURELIB = 'import sysconfig; print(sysconfig.get_paths()["purelib"])'


def link_core_packages(site_packages: Path) -> None:
    """Make this environment's NumPy, OpenCV and Pillow (with their bundled libraries) importable there."""
    here = Path(sysconfig.get_paths()['purelib'])
    for name in CORE:
        package = Path(importlib.import_module(name).__file__).parent
        for entry in [package] + sorted(here.glob(f'{package.name}*.libs')) + sorted(here.glob('*.libs')):
            target = site_packages / entry.name
            if entry.parent == package.parent and not target.exists():
                target.symlink_to(entry)


def test_core_install_encrypts_without_torch(tmp_path):
    sources, wheels = tmp_path / 'sources', tmp_path / 'wheels'  # built from a copy: no build/ in the checkout
    for name in ('mmppml', 'configs'):
        shutil.copytree(ROOT / name, sources / name, symlinks=True, ignore=shutil.ignore_patterns('__pycache__'))
    for name in ('pyproject.toml', 'README.md', 'LICENSE'):
        shutil.copy(ROOT / name, sources / name)
    subprocess.run([
        sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', '-w',
        str(wheels),
        str(sources)
    ],
                   check=True,
                   capture_output=True)
    venv = tmp_path / 'venv'
    subprocess.run([getattr(sys, '_base_executable', sys.executable), '-m', 'venv', '--without-pip',
                    str(venv)],
                   check=True)
    python = venv / 'bin' / 'python'
    site_packages = Path(
        subprocess.run([str(python), '-c', PURELIB], check=True, capture_output=True, text=True).stdout.strip())
    link_core_packages(site_packages)
    subprocess.run([
        sys.executable, '-m', 'pip', '--python',
        str(python), 'install', '--no-deps', '--no-index', '-q', *map(str, wheels.glob('mmppml-*.whl'))
    ],
                   check=True,
                   capture_output=True)

    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    probe = subprocess.run([
        str(python), '-c', 'import mmppml, importlib.util as u; print(mmppml.__file__); '
        'print([m for m in ("torch", "mmengine", "mmcv") if u.find_spec(m)])'
    ],
                           cwd=tmp_path,
                           env=env,
                           check=True,
                           capture_output=True,
                           text=True).stdout.split('\n')
    assert probe[0].startswith(str(venv)) and probe[1] == '[]'  # the installed copy, and no framework at all

    (tmp_path / 'src' / 'a').mkdir(parents=True)
    img = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / 'src' / 'a' / 'x.png'), img)
    run = subprocess.run([
        str(python),
        str(ROOT / 'tools' / 'encrypt_dataset.py'),
        str(tmp_path / 'src'),
        str(tmp_path / 'out'), '--mode', 'rs-on-mi', '--patch-size', '8', '--sub-patch-size', '4'
    ],
                         cwd=tmp_path,
                         env=env,
                         capture_output=True,
                         text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    out = cv2.imread(str(tmp_path / 'out' / 'a' / '000000.png'), cv2.IMREAD_COLOR)
    mixed = np.clip(np.round(mix_subpatches(img, 8, 4)), 0, 255).astype(np.uint8)
    assert sorted(b.tobytes() for b in to_blocks(out, 4)) == sorted(b.tobytes() for b in to_blocks(mixed, 4))
