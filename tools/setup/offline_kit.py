"""The offline kit: what mmppml needs beyond the machine's own Python, torch and scientific stack, in one folder.

On a connected machine (any OS with pip; the kit is for Linux x86-64 by default)::

    python tools/setup/offline_kit.py make --python 3.12 --out mmppml-kit

writes ``mmppml-kit/`` (at most 64 MiB): the wheels of mmengine, mmcv-lite, mmdet, mmpretrain and their
dependencies for that Python, the build tools, mmcv's source release (its ops are compiled on the target
for its GPUs) and ``manifest.json``. Copy it with a checkout of mmppml to the air-gapped machine and run
``bash tools/setup/install_offline_kit.sh mmppml-kit`` there, which calls ``check`` and ``install``::

    python tools/setup/offline_kit.py check mmppml-kit     # this Python, the provided packages, completeness
    python tools/setup/offline_kit.py install mmppml-kit --python .venv/bin/python

The target machine provides what the kit leaves out (``--provided``; by default torch, torchvision, NumPy,
SciPy, OpenCV, Pillow and scikit-image, as GPU machines ship them), and pip is never asked to resolve
against an index there: every wheel of the kit is installed as it is, after ``check`` has proven that each
requirement of each wheel is met by another wheel of the kit or a provided package.

Only the standard library (and the ``packaging`` that pip vendors) is needed.
"""
import argparse
import hashlib
import json
import os
import os.path as osp
import re
import subprocess
import sys
import tempfile
import zipfile
from email.parser import Parser
from typing import Dict, Iterable, List, Optional, Sequence

try:
    from packaging.markers import default_environment
    from packaging.requirements import Requirement
except ImportError:  # a bare Python: pip's own copy
    from pip._vendor.packaging.markers import default_environment
    from pip._vendor.packaging.requirements import Requirement

MAX_BYTES = 64 * 2**20
MANIFEST = 'manifest.json'
# What the kit installs, pinned as tools/setup_env.sh pins it; mmcv-lite serves until mmcv's ops are built.
REQUIREMENTS = [
    'mmengine==0.10.7', 'mmcv-lite==2.1.0', 'mmdet==3.3.0', 'mmpretrain==1.2.0', 'pycocotools',
    'setuptools>=77.0.3,<81', 'wheel', 'ninja'
]
# Installed only while mmcv builds (its setup.py predates setuptools 70).
BUILD_ONLY = ['setuptools<70']
MMCV_SDIST = 'mmcv-2.1.0.tar.gz'
# Import names of what a GPU machine ships with its Python (distribution name -> module).
PROVIDED = {
    'torch': 'torch',
    'torchvision': 'torchvision',
    'numpy': 'numpy',
    'scipy': 'scipy',
    'opencv-python': 'cv2',
    'pillow': 'PIL',
    'scikit-image': 'skimage',
}
# Distributions that stand for a provided one under another name.
ALIASES = {'opencv-python-headless': 'opencv-python', 'opencv-contrib-python': 'opencv-python'}


class KitError(RuntimeError):
    """The kit cannot be made or installed; the message says what is wrong."""


def canonical(name: str) -> str:
    """PEP 503 name: ``PyYAML`` -> ``pyyaml``, ``lazy_loader`` -> ``lazy-loader``."""
    name = re.sub(r'[-_.]+', '-', name).lower()
    return ALIASES.get(name, name)


def target_flags(python: str, platform: str) -> List[str]:
    """pip options that select the wheels of CPython ``python`` (``'3.12'``) on ``platform``."""
    if not re.fullmatch(r'3\.\d+', python):
        raise KitError(f'--python {python!r}: give the target CPython as 3.X, e.g. 3.12')
    abi = 'cp' + python.replace('.', '')
    platforms = [platform]
    if platform == 'manylinux2014_x86_64':
        platforms.append('manylinux_2_17_x86_64')
    flags = ['--only-binary=:all:', '--python-version', python, '--implementation', 'cp', '--abi', abi]
    for p in platforms:
        flags += ['--platform', p]
    return flags


def marker_environment(python: str, platform: str) -> Dict[str, str]:
    """The environment requirement markers are evaluated in on the target."""
    env = default_environment()
    machine = 'x86_64' if platform.endswith('x86_64') else platform.rsplit('_', 1)[-1]
    env.update(
        python_version=python,
        python_full_version=python + '.0',
        implementation_name='cpython',
        platform_python_implementation='CPython',
        sys_platform='linux',
        platform_system='Linux',
        os_name='posix',
        platform_machine=machine)
    return env


def resolve(requirements: Sequence[str], flags: List[str], pip_python: str = sys.executable) -> List[Dict]:
    """Resolve ``requirements`` for the target with pip (no install); ``[{'name', 'version', 'file'}]``."""
    with tempfile.TemporaryDirectory() as tmp:
        report = osp.join(tmp, 'report.json')
        cmd = [
            pip_python, '-m', 'pip', 'install', '--disable-pip-version-check', '-q', '--dry-run', '--ignore-installed',
            '--target',
            osp.join(tmp, 'target'), '--report', report
        ] + flags + list(requirements)
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode:
            raise KitError(f'pip could not resolve {" ".join(requirements)}: {proc.stderr.strip()[-2000:]}')
        with open(report) as f:
            installs = json.load(f)['install']
    return [
        dict(
            name=i['metadata']['name'],
            version=i['metadata']['version'],
            file=i['download_info']['url'].rsplit('/')[-1]) for i in installs
    ]


def download(pins: Iterable[str], flags: List[str], dest: str, pip_python: str = sys.executable) -> None:
    """Download the wheels ``pins`` (``name==version``) for the target into ``dest``."""
    run_pip([pip_python, '-m', 'pip', 'download', '--disable-pip-version-check', '-q', '--no-deps', '-d', dest] +
            flags + list(pins))


def run_pip(cmd: List[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        raise KitError(f'{" ".join(cmd[2:5])} failed: {proc.stderr.strip()[-2000:]}')


def sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def wheel_metadata(path: str) -> Dict:
    """Name, version and ``Requires-Dist`` of a wheel file."""
    with zipfile.ZipFile(path) as zf:
        name = next(n for n in zf.namelist() if re.fullmatch(r'[^/]+\.dist-info/METADATA', n))
        meta = Parser().parsestr(zf.read(name).decode('utf-8'))
    return dict(name=meta['Name'], version=meta['Version'], requires=meta.get_all('Requires-Dist') or [])


def missing_requirements(wheels: Sequence[str], provided: Iterable[str], env: Dict[str, str]) -> List[str]:
    """The requirements of ``wheels`` (files) that no other wheel and no provided distribution meets,
    as ``'wheel-name: requirement'``; versions are checked against the kit's wheels, provided ones by name."""
    kit = {canonical(m['name']): m for m in map(wheel_metadata, wheels)}
    provided = {canonical(name) for name in provided}
    missing = []
    for meta in kit.values():
        for text in meta['requires']:
            req = Requirement(text)
            if req.marker is not None and not req.marker.evaluate(dict(env, extra='')):
                continue
            name = canonical(req.name)
            if name in provided:
                continue
            if name not in kit or not req.specifier.contains(kit[name]['version'], prereleases=True):
                missing.append(f'{meta["name"]}: {text}')
    return missing


def make(python: str, out: str, platform: str, provided: Sequence[str], pip_python: str = sys.executable) -> Dict:
    """Write the kit for CPython ``python`` on ``platform`` into ``out``; returns its manifest.

    Raises:
        KitError: the kit is incomplete or over 64 MiB.
    """
    flags = target_flags(python, platform)
    wheels_dir = osp.join(out, 'wheels')
    os.makedirs(wheels_dir, exist_ok=True)
    if os.listdir(wheels_dir):
        raise KitError(f'{wheels_dir} is not empty: give a new --out folder (or remove this one)')
    provided_names = {canonical(name) for name in provided}
    log(f'resolving for CPython {python} on {platform} (left to the target: {", ".join(sorted(provided_names))})')
    for requirements in (REQUIREMENTS, BUILD_ONLY):  # two sets: they pin setuptools differently
        kept = [r for r in resolve(requirements, flags, pip_python) if canonical(r['name']) not in provided_names]
        download((f'{r["name"]}=={r["version"]}' for r in kept), flags, wheels_dir, pip_python)
    sources = osp.join(out, 'sources')
    os.makedirs(sources, exist_ok=True)
    # mmcv's setup.py runs to read its metadata: it needs pkg_resources (setuptools < 82) and torch here.
    run_pip([
        pip_python, '-m', 'pip', 'download', '--disable-pip-version-check', '-q', '--no-deps', '--no-binary', ':all:',
        '--no-build-isolation', 'mmcv==2.1.0', '-d', sources
    ])
    manifest = describe(out, python, platform, sorted(provided_names))
    with open(osp.join(out, MANIFEST), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
    check_kit(out, manifest)
    return manifest


def describe(out: str, python: str, platform: str, provided: List[str]) -> Dict:
    """The manifest: target, provided distributions, and every file with its size and SHA-256."""
    files = []
    for sub in ('wheels', 'sources'):
        for name in sorted(os.listdir(osp.join(out, sub))):
            path = osp.join(out, sub, name)
            files.append(dict(path=f'{sub}/{name}', bytes=osp.getsize(path), sha256=sha256(path)))
    return dict(
        python=python,
        platform=platform,
        provided=provided,
        build_only=[canonical(Requirement(r).name) + str(Requirement(r).specifier) for r in BUILD_ONLY],
        mmcv_sdist=f'sources/{MMCV_SDIST}',
        files=files,
        bytes=sum(f['bytes'] for f in files))


def check_kit(kit: str, manifest: Optional[Dict] = None) -> Dict:
    """Check a kit's files against its manifest, its size, and that it is complete.

    Raises:
        KitError: a file missing or changed, the kit over 64 MiB, or a requirement nothing in it meets.
    """
    if manifest is None:
        with open(osp.join(kit, MANIFEST)) as f:
            manifest = json.load(f)
    for entry in manifest['files']:
        path = osp.join(kit, entry['path'])
        if not osp.isfile(path) or osp.getsize(path) != entry['bytes'] or sha256(path) != entry['sha256']:
            raise KitError(f'{path} is missing or differs from {MANIFEST}: copy the kit again')
    total = sum(f['bytes'] for f in manifest['files'])  # each checked against its file above
    if total > MAX_BYTES:
        largest = sorted(manifest['files'], key=lambda f: -f['bytes'])[:5]
        raise KitError(f'the kit is {total / 2**20:.1f} MiB, over {MAX_BYTES // 2**20} MiB; largest: ' +
                       ', '.join(f'{f["path"]} {f["bytes"] / 2**20:.1f} MiB' for f in largest))
    wheels = installable_wheels(kit, manifest)
    missing = missing_requirements(wheels, manifest['provided'],
                                   marker_environment(manifest['python'], manifest['platform']))
    if missing:
        raise KitError('the kit does not meet these requirements: ' + '; '.join(missing))
    return manifest


def _is_build_only(path: str, manifest: Dict) -> bool:
    """Whether a wheel is the build-only pin (``setuptools<70``) rather than the run-time one."""
    meta = wheel_metadata(path)
    for spec in manifest['build_only']:
        req = Requirement(spec)
        if canonical(req.name) == canonical(meta['name']) and req.specifier.contains(meta['version']):
            return True
    return False


def installable_wheels(kit: str, manifest: Optional[Dict] = None) -> List[str]:
    """The wheels to install on the target: all but the build-only pins."""
    if manifest is None:
        with open(osp.join(kit, MANIFEST)) as f:
            manifest = json.load(f)
    wheels = [osp.join(kit, f['path']) for f in manifest['files'] if f['path'].endswith('.whl')]
    return [path for path in wheels if not _is_build_only(path, manifest)]


def check_target(kit: str) -> Dict:
    """On the target: the kit is intact and complete, this Python is the kit's, the provided packages import.

    Raises:
        KitError: naming what does not fit.
    """
    manifest = check_kit(kit)
    here = f'{sys.version_info.major}.{sys.version_info.minor}'
    if here != manifest['python']:
        raise KitError(f'the kit is for Python {manifest["python"]}, this is Python {here} ({sys.executable}): '
                       f'make one with: python tools/setup/offline_kit.py make --python {here} --out DIR')
    modules = {dist: PROVIDED.get(dist, dist.replace('-', '_')) for dist in manifest['provided']}
    code = ('import importlib, json, sys\nfailed = {}\nfor dist, module in json.loads(sys.argv[1]).items():\n'
            '    try: importlib.import_module(module)\n'
            '    except Exception as err: failed[dist] = f"import {module}: {type(err).__name__}: {err}"\n'
            'print(json.dumps(failed))')
    proc = subprocess.run([sys.executable, '-c', code, json.dumps(modules)], capture_output=True, text=True)
    failed = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.returncode == 0 else {'python': proc.stderr}
    missing = [f'{dist} ({why})' for dist, why in failed.items()]
    if missing:
        raise KitError(f'this Python ({sys.executable}) lacks what the kit leaves to the machine: ' +
                       '; '.join(missing))
    return manifest


def install(kit: str, python: str, skip: Sequence[str] = ()) -> List[str]:
    """Install the kit's wheels into the environment of ``python`` as they are: no index, no configuration
    (``--isolated``), no dependency resolution (``check`` has proven the set complete). ``skip`` names
    distributions to leave out. Returns the wheels installed.

    Raises:
        KitError: pip failed.
    """
    skip = {canonical(name) for name in skip}
    wheels = [w for w in installable_wheels(kit) if canonical(osp.basename(w).split('-')[0]) not in skip]
    env = {k: v for k, v in os.environ.items() if not k.startswith('PIP_')}
    proc = subprocess.run(
        [python, '-m', 'pip', 'install', '--isolated', '--no-index', '--no-deps', '--disable-pip-version-check', '-q'] +
        wheels,
        capture_output=True,
        text=True,
        env=env)
    if proc.returncode:
        raise KitError(f'installing the kit\'s wheels failed: {proc.stderr.strip()[-2000:]}')
    return wheels


def log(message: str) -> None:
    print(f'[kit] {message}', file=sys.stderr, flush=True)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = parser.add_subparsers(dest='command', required=True)
    make_parser = sub.add_parser('make', help='write a kit (needs the network)')
    make_parser.add_argument('--python', required=True, help='the target CPython, e.g. 3.12')
    make_parser.add_argument('--out', required=True, help='a new folder for the kit')
    make_parser.add_argument('--platform', default='manylinux2014_x86_64', help='the target\'s wheel platform')
    make_parser.add_argument(
        '--provided', nargs='*', default=sorted(PROVIDED), help='distributions the target has (left out of the kit)')
    check_parser = sub.add_parser('check', help='check a kit for this Python (no network)')
    check_parser.add_argument('kit')
    install_parser = sub.add_parser('install', help='install the kit\'s wheels into an environment (no network)')
    install_parser.add_argument('kit')
    install_parser.add_argument('--python', required=True, help='the Python of the environment to install into')
    install_parser.add_argument('--skip', nargs='*', default=[], help='distributions to leave out')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        if args.command == 'make':
            manifest = make(args.python, args.out, args.platform, args.provided)
            log(f'{args.out}: {len(manifest["files"])} files, {manifest["bytes"] / 2**20:.1f} MiB, complete for '
                f'CPython {args.python} with {", ".join(manifest["provided"])} on the target')
        elif args.command == 'check':
            manifest = check_target(args.kit)
            log(f'{args.kit}: intact, complete, for this Python {manifest["python"]}; provided packages import')
        else:
            wheels = install(args.kit, args.python, args.skip)
            log(f'installed {len(wheels)} wheels into the environment of {args.python}')
    except KitError as err:
        log(f'error: {err}')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
