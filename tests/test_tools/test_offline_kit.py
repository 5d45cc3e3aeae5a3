"""tools/setup/offline_kit.py on kits of tiny wheels made here: the target Python, completeness, the size limit,
tampering, and an install into a fresh environment with every network path closed."""
import hashlib
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys
import zipfile

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
spec = importlib.util.spec_from_file_location('offline_kit', osp.join(ROOT, 'tools', 'setup', 'offline_kit.py'))
offline_kit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(offline_kit)
HERE = f'{sys.version_info.major}.{sys.version_info.minor}'
# Closed network paths: any attempt to reach an index or a proxy fails at once.
NO_NETWORK = dict(
    http_proxy='http://127.0.0.1:9',
    https_proxy='http://127.0.0.1:9',
    HTTP_PROXY='http://127.0.0.1:9',
    HTTPS_PROXY='http://127.0.0.1:9',
    PIP_INDEX_URL='http://127.0.0.1:9/simple',
    PIP_FIND_LINKS='')


def make_wheel(folder, name, version, requires=(), module=None):
    """A minimal pure-Python wheel ``name-version`` whose module ``module`` holds ``VERSION``."""
    module = module or name.replace('-', '_')
    dist = f'{name.replace("-", "_")}-{version}'
    files = {
        f'{module}/__init__.py':
        f'VERSION = {version!r}\n',
        f'{dist}.dist-info/METADATA':
        ''.join([f'Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n'] +
                [f'Requires-Dist: {r}\n' for r in requires]),
        f'{dist}.dist-info/WHEEL':
        'Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n',
    }
    record = ''.join(f'{path},sha256=,{len(text)}\n' for path, text in files.items())
    files[f'{dist}.dist-info/RECORD'] = record + f'{dist}.dist-info/RECORD,,\n'
    path = osp.join(folder, f'{dist}-py3-none-any.whl')
    with zipfile.ZipFile(path, 'w') as zf:
        for name_, text in files.items():
            zf.writestr(name_, text)
    return path


def make_kit(tmp_path, wheels, provided=('numpy', ), python=HERE):
    """A kit folder with the wheels ``[(name, version, requires)]``, a source archive and its manifest."""
    kit = tmp_path / 'kit'
    (kit / 'wheels').mkdir(parents=True)
    (kit / 'sources').mkdir()
    for name, version, requires in wheels:
        make_wheel(str(kit / 'wheels'), name, version, requires)
    (kit / 'sources' / offline_kit.MMCV_SDIST).write_bytes(b'source')
    manifest = offline_kit.describe(str(kit), python, 'manylinux2014_x86_64', sorted(provided))
    (kit / offline_kit.MANIFEST).write_text(json.dumps(manifest))
    return str(kit)


COMPLETE = [('alpha', '1.0', ['beta>=2', 'numpy', 'gamma; python_version < "3.0"', 'delta; extra == "docs"']),
            ('beta', '2.1', [])]


def test_target_flags_name_the_target_python():
    flags = offline_kit.target_flags('3.12', 'manylinux2014_x86_64')
    assert flags[flags.index('--python-version') + 1] == '3.12' and flags[flags.index('--abi') + 1] == 'cp312'
    assert 'manylinux_2_17_x86_64' in flags and '--only-binary=:all:' in flags
    with pytest.raises(offline_kit.KitError, match='give the target CPython as 3.X'):
        offline_kit.target_flags('312', 'manylinux2014_x86_64')
    env = offline_kit.marker_environment('3.12', 'manylinux2014_x86_64')
    assert env['python_version'] == '3.12' and env['sys_platform'] == 'linux' and env['platform_machine'] == 'x86_64'


def test_every_requirement_met_by_the_kit_or_the_machine(tmp_path):
    kit = make_kit(tmp_path, COMPLETE)
    assert offline_kit.check_kit(kit)['python'] == HERE  # markers: gamma is for Python 2, delta an extra
    wheels = offline_kit.installable_wheels(kit)
    env = offline_kit.marker_environment(HERE, 'manylinux2014_x86_64')
    assert offline_kit.missing_requirements(wheels, ['numpy'], env) == []
    assert offline_kit.missing_requirements(wheels, [], env) == ['alpha: numpy']
    old_beta = make_kit(tmp_path / 'old', [COMPLETE[0], ('beta', '1.5', [])])
    with pytest.raises(offline_kit.KitError, match='alpha: beta>=2'):
        offline_kit.check_kit(old_beta)
    # A provided package under another distribution name counts (OpenCV's headless build).
    cv = make_kit(tmp_path / 'cv', [('delta', '1.0', ['opencv-python>=3'])], provided=('opencv-python-headless', ))
    offline_kit.check_kit(cv)


def test_tampered_or_oversized_kits_are_refused(tmp_path):
    kit = make_kit(tmp_path, COMPLETE)
    with open(osp.join(kit, 'sources', offline_kit.MMCV_SDIST), 'ab') as f:
        f.write(b'!')
    with pytest.raises(offline_kit.KitError, match='differs from manifest.json'):
        offline_kit.check_kit(kit)
    big = make_kit(tmp_path / 'big', COMPLETE)
    with open(osp.join(big, 'sources', 'padding.bin'), 'wb') as f:
        f.truncate(offline_kit.MAX_BYTES)  # with the wheels, just over the limit
    manifest = offline_kit.describe(big, HERE, 'manylinux2014_x86_64', ['numpy'])
    with pytest.raises(offline_kit.KitError, match=r'over 64 MiB; largest: sources/padding.bin 64.0 MiB'):
        offline_kit.check_kit(big, manifest)


def test_kit_for_another_python_is_refused(tmp_path):
    kit = make_kit(tmp_path, COMPLETE, python='3.9' if HERE != '3.9' else '3.10')
    with pytest.raises(offline_kit.KitError, match=f'this is Python {HERE}'):
        offline_kit.check_target(kit)


def test_missing_provided_package_is_named(tmp_path):
    kit = make_kit(tmp_path, COMPLETE, provided=('numpy', 'no-such-dist'))
    with pytest.raises(offline_kit.KitError, match='lacks what the kit leaves to the machine: no-such-dist'):
        offline_kit.check_target(kit)


def test_install_reaches_no_network(tmp_path):
    """The kit installs into a fresh environment over the machine's Python with every index and proxy closed;
    pip's own configuration (an index, find-links) is ignored."""
    kit = make_kit(tmp_path, COMPLETE)
    venv = tmp_path / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', '--system-site-packages', '--without-pip', str(venv)], check=True)
    python = str(venv / 'bin' / 'python')
    env = dict(os.environ, **NO_NETWORK)
    proc = subprocess.run(
        [sys.executable,
         osp.join(ROOT, 'tools', 'setup', 'offline_kit.py'), 'install', kit, '--python', python],
        capture_output=True,
        text=True,
        env=env,
        timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = subprocess.run([python, '-c', 'import alpha, beta, sys; print(alpha.VERSION, beta.VERSION, alpha.__file__)'],
                         capture_output=True,
                         text=True,
                         check=True).stdout.split()
    assert out[:2] == ['1.0', '2.1'] and out[2].startswith(str(venv))
    # A wheel the kit does not hold cannot be fetched: pip fails rather than reaching an index.
    proc = subprocess.run([python, '-m', 'pip', 'install', '--isolated', '--no-index', '--no-deps', 'beta==9'],
                          capture_output=True,
                          text=True,
                          env=env,
                          timeout=300)
    assert proc.returncode != 0 and 'No matching distribution' in proc.stderr


def test_manifest_lists_every_file_with_its_digest(tmp_path):
    kit = make_kit(tmp_path, COMPLETE)
    manifest = json.loads(open(osp.join(kit, offline_kit.MANIFEST)).read())
    paths = sorted(f['path'] for f in manifest['files'])
    assert paths == [
        'sources/mmcv-2.1.0.tar.gz', 'wheels/alpha-1.0-py3-none-any.whl', 'wheels/beta-2.1-py3-none-any.whl'
    ]
    for entry in manifest['files']:
        data = open(osp.join(kit, entry['path']), 'rb').read()
        assert entry['bytes'] == len(data) and entry['sha256'] == hashlib.sha256(data).hexdigest()
    assert manifest['bytes'] == sum(f['bytes'] for f in manifest['files'])
