"""Install mmcv with its compiled ops into the running Python, for this machine's torch and GPUs.

Run with the Python of the environment to install into (``tools/setup_env.sh`` and
``tools/setup/install_offline_kit.sh`` do)::

    python tools/setup/mmcv_build.py --cache ~/.cache/mmppml/wheels            # connected machine
    python tools/setup/mmcv_build.py --cache DIR --sdist mmcv-2.1.0.tar.gz --offline
    python tools/setup/mmcv_build.py --verify                                  # check what is installed

What is built follows torch and the GPUs present, as mmcv's own ``setup.py`` does: CUDA ops when torch
is a CUDA build and a GPU is visible (or ``FORCE_CUDA=1``), for the local GPUs' architectures only
(``TORCH_CUDA_ARCH_LIST`` overrides); CPU ops otherwise. CUDA ops need nvcc of torch's CUDA version:
a local toolkit of that version is used when found, else (online) nvcc and the headers are installed
from PyPI (``cuda-toolkit[nvcc,cccl]``) and assembled into ``<env>/cuda-X.Y``. Built wheels are cached
under a key of Python, torch, CUDA version and architectures, so a CPU-ops wheel is never installed
where CUDA ops are wanted. After installing, the ops are checked: compiled with torch's CUDA version
where CUDA is wanted, and an NMS and a RoIAlign on CUDA tensors agreeing with the CPU where a GPU is
visible.

Only the standard library is imported at module level; torch is probed in a subprocess.
"""
import argparse
import glob
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

MMCV_VERSION = '2.1.0'
# mmcv 2.1.0's setup.py imports pkg_resources and predates setuptools 70 (the environment keeps its own).
BUILD_SETUPTOOLS = 'setuptools<70'


class SetupError(RuntimeError):
    """A set-up step that cannot go on; the message says what was found and what to do."""


@dataclass(frozen=True)
class TorchInfo:
    """What the build depends on: torch's version, its CUDA version (None for a CPU build) and the
    compute capabilities of the visible GPUs (``['9.0']``; empty without a usable GPU)."""
    version: str
    cuda: Optional[str]
    gpus: tuple = ()
    python: str = f'cp{sys.version_info.major}{sys.version_info.minor}'


@dataclass(frozen=True)
class BuildPlan:
    """What to build: CUDA ops or not, for which architectures, and the cache key of the wheel."""
    with_cuda: bool
    cuda: Optional[str]
    arch_list: str
    key: str
    reason: str

    def build_env(self, cuda_home: Optional[str] = None, jobs: Optional[int] = None) -> Dict[str, str]:
        """The environment variables for mmcv's ``setup.py``."""
        env = dict(MMCV_WITH_OPS='1', MAX_JOBS=str(jobs or os.cpu_count() or 1))
        if self.with_cuda:
            env.update(FORCE_CUDA='1', TORCH_CUDA_ARCH_LIST=self.arch_list)
            if cuda_home:
                env['CUDA_HOME'] = cuda_home
        else:
            env['FORCE_CUDA'] = '0'
        return env


def probe_torch(python: str = sys.executable) -> TorchInfo:
    """Ask ``python`` (in a subprocess, so this module needs no torch) for torch's build and the GPUs."""
    code = ('import json, sys, torch\n'
            'gpus = []\n'
            'if torch.version.cuda and torch.cuda.is_available():\n'
            '    gpus = ["%d.%d" % torch.cuda.get_device_capability(i) for i in range(torch.cuda.device_count())]\n'
            'print(json.dumps(dict(version=torch.__version__, cuda=torch.version.cuda, gpus=gpus,\n'
            '    python="cp%d%d" % sys.version_info[:2])))\n')
    proc = subprocess.run([python, '-c', code], capture_output=True, text=True)
    if proc.returncode:
        raise SetupError(f'cannot import torch with {python}: {proc.stderr.strip()[-500:]}')
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    return TorchInfo(info['version'], info['cuda'], tuple(info['gpus']), info['python'])


def normalise_arch_list(arch_list: str) -> str:
    """``'9.0 8.0;8.6+PTX'`` -> ``'8.0;8.6+PTX;9.0'`` (sorted, unique, ``;``-separated)."""
    archs = sorted(set(a for a in re.split(r'[;\s,]+', arch_list.strip()) if a))
    for arch in archs:
        if not re.fullmatch(r'\d+\.\d+[a-z]?(\+PTX)?', arch):
            raise SetupError(f'TORCH_CUDA_ARCH_LIST entry {arch!r} is not like 9.0, 8.6+PTX or 9.0a')
    return ';'.join(archs)


def plan_build(torch_info: TorchInfo, env: Optional[Dict[str, str]] = None) -> BuildPlan:
    """Decide what to build from torch, its GPUs and the environment (``FORCE_CUDA``, ``TORCH_CUDA_ARCH_LIST``).

    Raises:
        SetupError: ``FORCE_CUDA=1`` with a CPU build of torch, or without a GPU and without an arch list.
    """
    env = os.environ if env is None else env
    forced = env.get('FORCE_CUDA', '0') == '1'
    if forced and not torch_info.cuda:
        raise SetupError(f'FORCE_CUDA=1 but torch {torch_info.version} is a CPU build: install a CUDA build of '
                         'torch, or unset FORCE_CUDA for CPU ops')
    with_cuda = bool(torch_info.cuda) and (bool(torch_info.gpus) or forced)
    if with_cuda:
        arch_list = env.get('TORCH_CUDA_ARCH_LIST', '').strip() or ';'.join(torch_info.gpus)
        if not arch_list:
            raise SetupError('FORCE_CUDA=1 without a visible GPU: set TORCH_CUDA_ARCH_LIST to the target GPUs '
                             "(e.g. '9.0' for H100 / H200, '8.0' for A100)")
        arch_list = normalise_arch_list(arch_list)
        why = f'GPUs {", ".join(torch_info.gpus)}' if torch_info.gpus else 'FORCE_CUDA=1'
        reason = f'CUDA {torch_info.cuda} ops for {arch_list} ({why})'
    else:
        arch_list = ''
        reason = ('CPU ops: torch is a CPU build' if not torch_info.cuda else
                  f'CPU ops: torch is built for CUDA {torch_info.cuda} but no GPU is visible (FORCE_CUDA=1 to '
                  'build CUDA ops anyway)')
    return BuildPlan(with_cuda, torch_info.cuda if with_cuda else None, arch_list,
                     cache_key(torch_info, with_cuda, arch_list), reason)


def cache_key(torch_info: TorchInfo, with_cuda: bool, arch_list: str) -> str:
    """The wheel cache's folder name: ``cp311-torch2.14.1+cu130-cu130-sm90`` or ``cp311-torch2.14.1-cpu``."""
    torch_tag = re.sub(r'[^0-9A-Za-z.+]', '_', torch_info.version)
    if not with_cuda:
        return f'{torch_info.python}-torch{torch_tag}-cpu'
    archs = '_'.join('sm' + a.replace('.', '').replace('+PTX', 'ptx') for a in arch_list.split(';'))
    return f'{torch_info.python}-torch{torch_tag}-cu{torch_info.cuda.replace(".", "")}-{archs}'


def nvcc_release(nvcc: str) -> Optional[str]:
    """The ``X.Y`` release an nvcc reports, or None when it does not run."""
    try:
        out = subprocess.run([nvcc, '--version'], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r'release (\d+\.\d+)', out)
    return match.group(1) if match else None


def toolkit_candidates(cuda: str, env: Dict[str, str]) -> List[str]:
    """Where a CUDA toolkit may be, most explicit first (``MMPPML_CUDA_FROM_PIP=1`` skips the system's)."""
    if env.get('MMPPML_CUDA_FROM_PIP') == '1':
        return []
    found = [env.get(name) for name in ('MMPPML_CUDA_HOME', 'CUDA_HOME', 'CUDA_PATH')]
    nvcc = shutil.which('nvcc', path=env.get('PATH'))
    if nvcc:
        found += [nvcc_top(nvcc), osp.dirname(osp.dirname(osp.realpath(nvcc)))]
    found += [f'/usr/local/cuda-{cuda}', '/usr/local/cuda']
    unique = []
    for path in found:
        if path and path not in unique:
            unique.append(path)
    return unique


def nvcc_top(nvcc: str) -> Optional[str]:
    """The toolkit folder an nvcc says it runs from (its ``TOP``), which a wrapper script on PATH hides."""
    try:
        out = subprocess.run([nvcc, '--dryrun', '-c', 'mmppml-probe.cu'], capture_output=True, text=True,
                             timeout=60).stderr
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r'^#\$ TOP=(.+)$', out, re.MULTILINE)
    return osp.normpath(match.group(1).strip()) if match else None


def find_toolkit(cuda: str, candidates: Sequence[str]) -> Optional[str]:
    """The first candidate whose nvcc reports release ``cuda`` and which has the runtime headers."""
    for home in candidates:
        nvcc = osp.join(home, 'bin', 'nvcc')
        if (osp.isfile(nvcc) and osp.isfile(osp.join(home, 'include', 'cuda_runtime.h'))
                and nvcc_release(nvcc) == cuda):
            return home
    return None


def toolkit_requirement(cuda: str, installed_toolkit: Optional[str]) -> str:
    """The pip requirement for nvcc and the headers of CUDA ``cuda``: the ``cuda-toolkit`` version torch
    already pulled in when it is of that release, else the newest of that release."""
    if installed_toolkit and installed_toolkit.split('.')[:2] == cuda.split('.'):
        return f'cuda-toolkit[nvcc,cccl]=={installed_toolkit}'
    return f'cuda-toolkit[nvcc,cccl]=={cuda}.*'


def assemble_cuda_home(site_packages: str, dest: str, cuda: str) -> str:
    """Link PyPI's CUDA wheels (``nvidia/cu13`` or, for CUDA 12, ``nvidia/cuda_nvcc``, ``cuda_runtime``, ...)
    into one toolkit folder ``dest`` with ``bin``, ``include``, ``lib64`` and ``nvvm``, as torch's extension
    builder expects, plus the ``libcudart.so`` link the wheels lack. Returns ``dest``.

    Raises:
        SetupError: no nvcc, or no ``cuda_runtime.h``, among the wheels.
    """
    major = cuda.split('.')[0]
    roots = [osp.join(site_packages, 'nvidia', f'cu{major}')]
    roots += sorted(glob.glob(osp.join(site_packages, 'nvidia', 'cuda_*')))
    roots += [osp.join(site_packages, 'nvidia', 'nvvm')]
    roots = [root for root in roots if osp.isdir(root)]
    if os.path.lexists(dest):
        shutil.rmtree(dest) if osp.isdir(dest) and not osp.islink(dest) else os.remove(dest)
    for sub, target in (('bin', 'bin'), ('include', 'include'), ('lib', 'lib64'), ('lib64', 'lib64'), ('nvvm', 'nvvm')):
        for root in roots:
            src = osp.join(root, sub)
            if not osp.isdir(src):
                continue
            os.makedirs(osp.join(dest, target), exist_ok=True)
            for name in os.listdir(src):
                link = osp.join(dest, target, name)
                if not os.path.lexists(link):
                    os.symlink(osp.join(src, name), link)
    lib = osp.join(dest, 'lib64')
    versioned = sorted(glob.glob(osp.join(lib, 'libcudart.so.*')))
    if versioned and not os.path.lexists(osp.join(lib, 'libcudart.so')):
        os.symlink(osp.basename(versioned[0]), osp.join(lib, 'libcudart.so'))
    missing = [p for p in ('bin/nvcc', 'include/cuda_runtime.h') if not osp.exists(osp.join(dest, p))]
    if missing:
        raise SetupError(f'the CUDA wheels under {site_packages}/nvidia lack {", ".join(missing)}')
    return dest


def pip(python: str, *args: str, offline_dir: Optional[str] = None, quiet: bool = True) -> None:
    """``python -m pip install ...``; with ``offline_dir``, from that folder only (no index)."""
    cmd = [python, '-m', 'pip', 'install', '--disable-pip-version-check']
    if quiet:
        cmd.append('-q')
    if offline_dir:
        cmd += ['--isolated', '--no-index', '--find-links', offline_dir]
    subprocess.run(cmd + list(args), check=True)


def site_packages(python: str) -> List[str]:
    """The site-packages folders of ``python``, its own first (a venv's, then the system's it may see)."""
    code = 'import json, sys, sysconfig\nown = sysconfig.get_paths()["purelib"]\n' \
        'print(json.dumps([own] + [p for p in sys.path if p.endswith("-packages") and p != own]))'
    out = subprocess.run([python, '-c', code], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def pypi_nvcc_site(sites: Sequence[str], cuda: str) -> Optional[str]:
    """The first of ``sites`` holding PyPI's nvcc wheel of CUDA major ``cuda`` (``nvidia/cu13/bin/nvcc`` or,
    for CUDA 12, ``nvidia/cuda_nvcc/bin/nvcc``)."""
    major = cuda.split('.')[0]
    for site in sites:
        for folder in (f'cu{major}', 'cuda_nvcc'):
            if osp.isfile(osp.join(site, 'nvidia', folder, 'bin', 'nvcc')):
                return site
    return None


def installed_version(python: str, dist: str) -> Optional[str]:
    code = f'import importlib.metadata as m\ntry: print(m.version({dist!r}))\nexcept m.PackageNotFoundError: pass'
    out = subprocess.run([python, '-c', code], capture_output=True, text=True).stdout.strip()
    return out or None


def provide_toolkit(plan: BuildPlan, python: str, offline: bool, env: Dict[str, str]) -> str:
    """A CUDA home of torch's CUDA version: a local one, or PyPI's wheels assembled in the environment."""
    local = find_toolkit(plan.cuda, toolkit_candidates(plan.cuda, env))
    if local:
        log(f'CUDA toolkit {plan.cuda}: {local}')
        return local
    prefix = osp.dirname(osp.dirname(python)) if osp.basename(osp.dirname(python)) == 'bin' else sys.prefix
    assembled = osp.join(prefix, f'cuda-{plan.cuda}')
    if find_toolkit(plan.cuda, [assembled]):
        log(f'CUDA toolkit {plan.cuda}: {assembled} (from PyPI, assembled before)')
        return assembled
    sites = site_packages(python)
    site = pypi_nvcc_site(sites, plan.cuda)  # PyPI's nvcc, installed before or with the machine's Python
    if site:
        home = assemble_cuda_home(site, assembled, plan.cuda)
        if find_toolkit(plan.cuda, [home]):
            log(f'CUDA toolkit {plan.cuda}: {home} (from the CUDA wheels in {site})')
            return home
    if offline:
        raise SetupError(f'no CUDA toolkit {plan.cuda} here (nvcc of that release with its headers under '
                         f'CUDA_HOME, on PATH, in /usr/local/cuda-{plan.cuda} or as PyPI wheels) and no network to '
                         f'install one: set CUDA_HOME to a toolkit {plan.cuda}')
    requirement = toolkit_requirement(plan.cuda, installed_version(python, 'cuda-toolkit'))
    log(f'no local CUDA toolkit {plan.cuda}: installing nvcc and headers from PyPI ({requirement})')
    pip(python, requirement)
    return assemble_cuda_home(site_packages(python)[0], assembled, plan.cuda)


def fetch_sdist(python: str, dest: str, env: Dict[str, str]) -> str:
    """Download mmcv's source release into ``dest`` (pip runs its setup.py, in ``env``); returns its path."""
    subprocess.run([
        python, '-m', 'pip', 'download', '--disable-pip-version-check', '-q', '--no-deps', '--no-binary', ':all:',
        '--no-build-isolation', f'mmcv=={MMCV_VERSION}', '-d', dest
    ],
                   check=True,
                   env=env)
    return osp.join(dest, f'mmcv-{MMCV_VERSION}.tar.gz')


def unpack_sdist(sdist: str, dest: str) -> str:
    """Unpack mmcv's source release and let it compile with C++20 (torch >= 2.10 headers need it; mmcv's
    setup.py asks for C++17). Returns the source folder."""
    safe = {'filter': 'data'} if hasattr(tarfile, 'data_filter') else {}  # Python >= 3.11.4: no paths outside
    with tarfile.open(sdist) as tar:
        tar.extractall(dest, **safe)
    src = osp.join(dest, f'mmcv-{MMCV_VERSION}')
    setup_py = osp.join(src, 'setup.py')
    with open(setup_py) as f:
        text = f.read()
    with open(setup_py, 'w') as f:
        f.write(text.replace('-std=c++17', '-std=c++20'))
    return src


def build_wheel(python: str, plan: BuildPlan, sdist: Optional[str], out_dir: str, offline: bool,
                offline_dir: Optional[str], jobs: Optional[int], env: Dict[str, str]) -> str:
    """Build mmcv's wheel for ``plan`` into ``out_dir``; returns its path. The build's output goes to
    ``out_dir/build.log``."""
    cuda_home = provide_toolkit(plan, python, offline, env) if plan.with_cuda else None
    work = tempfile.mkdtemp(prefix='mmcv-build-')
    try:
        # The build's setuptools goes into a folder of its own, first on the build's path: the environment
        # keeps its own, so whatever runs in it meanwhile is undisturbed.
        build_tools = osp.join(work, 'build-tools')
        pip(python, '--target', build_tools, '--no-warn-conflicts', BUILD_SETUPTOOLS, offline_dir=offline_dir)
        env = dict(env, PYTHONPATH=os.pathsep.join(p for p in (build_tools, env.get('PYTHONPATH')) if p))
        if sdist is None:
            if offline:
                raise SetupError('offline and no --sdist: pass mmcv\'s source release (the kit has it)')
            sdist = fetch_sdist(python, work, env)
        src = unpack_sdist(sdist, work)
        build_env = dict(env, **plan.build_env(cuda_home, jobs))
        # The environment's bin first: torch compiles in parallel only where it finds ninja on PATH.
        paths = [osp.dirname(python)] + ([osp.join(cuda_home, 'bin')] if cuda_home else [])
        build_env['PATH'] = os.pathsep.join(paths + [build_env.get('PATH', '')])
        os.makedirs(out_dir, exist_ok=True)
        log_path = osp.join(out_dir, 'build.log')
        log(f'building mmcv {MMCV_VERSION}: {plan.reason}, {build_env["MAX_JOBS"]} jobs (log: {log_path})')
        start = time.perf_counter()
        with open(log_path, 'w') as log_file:
            proc = subprocess.run([
                python, '-m', 'pip', 'wheel', '--disable-pip-version-check', '-v', '--no-build-isolation', '--no-deps',
                '-w', out_dir, src
            ],
                                  stdout=log_file,
                                  stderr=subprocess.STDOUT,
                                  env=build_env)
        if proc.returncode:
            with open(log_path) as f:
                tail = f.read()[-3000:]
            raise SetupError(f'building mmcv failed (exit {proc.returncode}); the end of {log_path}:\n{tail}')
        log(f'built in {time.perf_counter() - start:.0f} s')
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return cached_wheel(out_dir)


def cached_wheel(folder: str) -> Optional[str]:
    wheels = sorted(glob.glob(osp.join(folder, f'mmcv-{MMCV_VERSION}-*.whl')))
    return wheels[-1] if wheels else None


VERIFY_CODE = r'''
import json, torch
report = dict(torch_cuda=torch.version.cuda, gpu=torch.cuda.is_available())
try:
    import mmcv, mmcv.ops
    from mmcv.ops import get_compiling_cuda_version, nms, roi_align
except Exception as err:
    report['error'] = f'{type(err).__name__}: {err}'
else:
    report.update(mmcv=mmcv.__version__, ops_cuda=get_compiling_cuda_version())
    if report['gpu'] and report['ops_cuda'] != 'not available':
        g = torch.Generator().manual_seed(0)
        xy = torch.rand(64, 2, generator=g) * 50
        boxes = torch.cat([xy, xy + 5 + torch.rand(64, 2, generator=g) * 20], 1)
        scores = torch.rand(64, generator=g)
        _, keep_cpu = nms(boxes, scores, 0.5)
        _, keep_gpu = nms(boxes.cuda(), scores.cuda(), 0.5)
        feats = torch.rand(1, 4, 32, 32, generator=g)
        rois = torch.cat([torch.zeros(8, 1), boxes[:8] / 4], 1)
        pooled_cpu = roi_align(feats, rois, (3, 3), 1.0, 2, 'avg', True)
        pooled_gpu = roi_align(feats.cuda(), rois.cuda(), (3, 3), 1.0, 2, 'avg', True).cpu()
        report['nms_cuda_agrees'] = bool(torch.equal(keep_cpu.sort().values, keep_gpu.cpu().sort().values))
        report['roi_align_cuda_agrees'] = bool(torch.allclose(pooled_cpu, pooled_gpu, atol=1e-5))
print(json.dumps(report))
'''


def verify(python: str, plan: BuildPlan) -> Dict:
    """Check the installed mmcv's ops against ``plan`` in a fresh process.

    Raises:
        SetupError: mmcv's ops do not import, lack CUDA where it is wanted, or disagree with the CPU on a GPU.
    """
    proc = subprocess.run([python, '-c', VERIFY_CODE], capture_output=True, text=True)
    if proc.returncode:
        raise SetupError(f'checking mmcv failed: {proc.stderr.strip()[-2000:]}')
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    if 'error' in report:
        raise SetupError(f'mmcv\'s ops do not import: {report["error"]}')
    if plan.with_cuda:
        ops_cuda = report['ops_cuda']
        if ops_cuda == 'not available':
            raise SetupError(f'mmcv\'s ops were compiled without CUDA, but {plan.reason}: remove the wheel from the '
                             'cache folder named in the log and rerun')
        if ops_cuda.split('.')[:2] != plan.cuda.split('.')[:2]:
            raise SetupError(f'mmcv\'s ops were compiled with CUDA {ops_cuda}, torch uses CUDA {plan.cuda}')
        for check in ('nms_cuda_agrees', 'roi_align_cuda_agrees'):
            if report.get(check) is False:
                raise SetupError(f'mmcv\'s CUDA ops run but give wrong results ({check} is False)')
    return report


def ensure(python: str,
           cache: str,
           sdist: Optional[str],
           offline: bool,
           offline_dir: Optional[str],
           jobs: Optional[int],
           env: Dict[str, str],
           install: bool = True) -> Dict:
    """Install mmcv with the ops this machine needs: the installed one if it passes :func:`verify`, else the
    cached wheel of this machine's key, else a fresh build (cached). Returns the verification report (empty
    with ``install=False``, which only builds and caches the wheel, leaving the environment as it is)."""
    plan = plan_build(probe_torch(python), env)
    log(f'mmcv {MMCV_VERSION}: {plan.reason}; cache key {plan.key}')
    try:
        report = verify(python, plan)
        if report.get('mmcv') == MMCV_VERSION:
            log('installed mmcv passes its check')
            return report
    except SetupError:
        pass
    folder = osp.join(cache, plan.key)
    wheel = cached_wheel(folder)
    if wheel:
        log(f'reusing cached {wheel}')
    else:
        wheel = build_wheel(python, plan, sdist, folder, offline, offline_dir, jobs, env)
    if not install:
        return {}
    # mmcv-lite and mmcv install the same package: one at a time.
    subprocess.run([python, '-m', 'pip', 'uninstall', '-y', '-q', 'mmcv-lite'], capture_output=True)
    pip(python, '--no-deps', '--force-reinstall', wheel, offline_dir=offline_dir)
    report = verify(python, plan)
    log(f'mmcv {report["mmcv"]} with ops ready (ops CUDA: {report["ops_cuda"]}' +
        (', NMS and RoIAlign on the GPU agree with the CPU)' if report.get('nms_cuda_agrees') else ')'))
    return report


def log(message: str) -> None:
    print(f'[mmcv] {message}', file=sys.stderr, flush=True)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--cache', default=osp.expanduser('~/.cache/mmppml/wheels'), help='wheel cache folder')
    parser.add_argument('--sdist', help=f'mmcv-{MMCV_VERSION}.tar.gz (default: download it)')
    parser.add_argument('--offline', action='store_true', help='never reach the network')
    parser.add_argument('--find-links', help='offline: a folder of wheels for the build tools (setuptools)')
    parser.add_argument('--jobs', type=int, help='parallel compile jobs (default: every core)')
    parser.add_argument('--no-install', action='store_true', help='build and cache the wheel, install nothing')
    parser.add_argument('--verify', action='store_true', help='only check the installed mmcv (exit 1 if wrong)')
    parser.add_argument('--plan', action='store_true', help='only print what would be built, as JSON')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    python = sys.executable
    try:
        if args.plan or args.verify:
            plan = plan_build(probe_torch(python))
            if args.plan:
                print(json.dumps(dict(plan.__dict__)))
                return 0
            report = verify(python, plan)
            if report.get('mmcv') != MMCV_VERSION:
                raise SetupError(f'mmcv {report.get("mmcv")} is installed, mmppml needs {MMCV_VERSION}')
            print(json.dumps(report))
            return 0
        ensure(python, args.cache, args.sdist, args.offline, args.find_links, args.jobs, dict(os.environ),
               not args.no_install)
    except SetupError as err:
        log(f'error: {err}')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
