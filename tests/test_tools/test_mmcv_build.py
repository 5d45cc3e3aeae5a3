"""tools/setup/mmcv_build.py: what is built for which torch and GPUs, the cache key, and the CUDA toolkit it
finds or assembles (fake torch builds, GPU lists and toolkits; nothing is compiled)."""
import importlib.util
import os
import os.path as osp
import stat

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
spec = importlib.util.spec_from_file_location('mmcv_build', osp.join(ROOT, 'tools', 'setup', 'mmcv_build.py'))
mmcv_build = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mmcv_build)
TorchInfo = mmcv_build.TorchInfo

CPU_TORCH = TorchInfo('2.14.1+cpu', None, (), 'cp311')
CUDA_TORCH_NO_GPU = TorchInfo('2.14.1', '13.0', (), 'cp311')
H100 = TorchInfo('2.11.0+cu130', '13.0', ('9.0', ), 'cp312')
MIXED = TorchInfo('2.11.0+cu130', '13.0', ('9.0', '8.0', '9.0'), 'cp312')


def test_cpu_ops_without_a_gpu_or_without_cuda_torch():
    for info in (CPU_TORCH, CUDA_TORCH_NO_GPU):
        plan = mmcv_build.plan_build(info, {})
        assert not plan.with_cuda and plan.cuda is None and plan.arch_list == ''
        assert plan.key.endswith('-cpu') and plan.build_env()['FORCE_CUDA'] == '0'
    assert 'no GPU is visible' in mmcv_build.plan_build(CUDA_TORCH_NO_GPU, {}).reason


def test_cuda_ops_for_the_local_gpus_only():
    plan = mmcv_build.plan_build(MIXED, {})
    assert plan.with_cuda and plan.cuda == '13.0' and plan.arch_list == '8.0;9.0'
    assert plan.key == 'cp312-torch2.11.0+cu130-cu130-sm80_sm90'
    env = plan.build_env('/opt/cuda', jobs=16)
    assert env == dict(
        MMCV_WITH_OPS='1', MAX_JOBS='16', FORCE_CUDA='1', TORCH_CUDA_ARCH_LIST='8.0;9.0', CUDA_HOME='/opt/cuda')


def test_arch_list_override_and_force_cuda_without_a_gpu():
    plan = mmcv_build.plan_build(H100, {'TORCH_CUDA_ARCH_LIST': '9.0 8.6+PTX'})
    assert plan.arch_list == '8.6+PTX;9.0' and plan.key.endswith('-cu130-sm86ptx_sm90')
    forced = mmcv_build.plan_build(CUDA_TORCH_NO_GPU, {'FORCE_CUDA': '1', 'TORCH_CUDA_ARCH_LIST': '9.0'})
    assert forced.with_cuda and forced.key == 'cp311-torch2.14.1-cu130-sm90' and 'FORCE_CUDA=1' in forced.reason
    with pytest.raises(mmcv_build.SetupError, match='set TORCH_CUDA_ARCH_LIST'):
        mmcv_build.plan_build(CUDA_TORCH_NO_GPU, {'FORCE_CUDA': '1'})
    with pytest.raises(mmcv_build.SetupError, match='CPU build'):
        mmcv_build.plan_build(CPU_TORCH, {'FORCE_CUDA': '1', 'TORCH_CUDA_ARCH_LIST': '9.0'})
    with pytest.raises(mmcv_build.SetupError, match="'sm_90' is not like"):
        mmcv_build.plan_build(H100, {'TORCH_CUDA_ARCH_LIST': 'sm_90'})


def test_cache_key_separates_every_input():
    """A wheel is reused only by the same Python, torch, CUDA and architectures: CPU and CUDA never mix."""
    plans = [
        mmcv_build.plan_build(CPU_TORCH, {}),
        mmcv_build.plan_build(CUDA_TORCH_NO_GPU, {}),
        mmcv_build.plan_build(CUDA_TORCH_NO_GPU, {
            'FORCE_CUDA': '1',
            'TORCH_CUDA_ARCH_LIST': '9.0'
        }),
        mmcv_build.plan_build(CUDA_TORCH_NO_GPU, {
            'FORCE_CUDA': '1',
            'TORCH_CUDA_ARCH_LIST': '8.0'
        }),
        mmcv_build.plan_build(H100, {}),
        mmcv_build.plan_build(TorchInfo('2.11.0+cu130', '13.0', ('9.0', ), 'cp311'), {}),
        mmcv_build.plan_build(TorchInfo('2.11.0+cu128', '12.8', ('9.0', ), 'cp312'), {}),
        mmcv_build.plan_build(MIXED, {}),
    ]
    keys = [plan.key for plan in plans]
    assert len(set(keys)) == len(keys)
    assert all(('-cpu' in key) != plan.with_cuda for key, plan in zip(keys, plans))
    assert all('/' not in key and ' ' not in key for key in keys)


def fake_toolkit(folder, release, runtime_header=True):
    """A folder with a bin/nvcc that prints ``release`` like nvcc --version does."""
    os.makedirs(osp.join(folder, 'bin'))
    nvcc = osp.join(folder, 'bin', 'nvcc')
    with open(nvcc, 'w') as f:
        f.write(f'#!/bin/sh\necho "Cuda compilation tools, release {release}, V{release}.88"\n')
    os.chmod(nvcc, os.stat(nvcc).st_mode | stat.S_IEXEC)
    if runtime_header:
        os.makedirs(osp.join(folder, 'include'))
        open(osp.join(folder, 'include', 'cuda_runtime.h'), 'w').close()
    return str(folder)


def test_toolkit_of_torchs_cuda_release_only(tmp_path):
    old = fake_toolkit(tmp_path / 'cuda-12.4', '12.4')
    headless = fake_toolkit(tmp_path / 'no-headers', '13.0', runtime_header=False)
    right = fake_toolkit(tmp_path / 'cuda-13.0', '13.0')
    assert mmcv_build.nvcc_release(osp.join(right, 'bin', 'nvcc')) == '13.0'
    assert mmcv_build.find_toolkit('13.0', [old, headless, right]) == right
    assert mmcv_build.find_toolkit('13.0', [old, headless]) is None
    assert mmcv_build.find_toolkit('12.4', [str(tmp_path / 'missing'), old]) == old


def test_toolkit_candidates_follow_the_environment(tmp_path):
    right = fake_toolkit(tmp_path / 'cuda', '13.0')
    env = dict(CUDA_HOME='/opt/a', PATH=osp.join(right, 'bin'))
    candidates = mmcv_build.toolkit_candidates('13.0', env)
    assert candidates[:2] == ['/opt/a', right] and '/usr/local/cuda-13.0' in candidates
    assert mmcv_build.toolkit_candidates('13.0', dict(env, MMPPML_CUDA_FROM_PIP='1')) == []


def test_pip_toolkit_matches_torchs_cuda():
    assert mmcv_build.toolkit_requirement('13.0', '13.0.3.0') == 'cuda-toolkit[nvcc,cccl]==13.0.3.0'
    assert mmcv_build.toolkit_requirement('13.0', '12.8.1') == 'cuda-toolkit[nvcc,cccl]==13.0.*'
    assert mmcv_build.toolkit_requirement('12.8', None) == 'cuda-toolkit[nvcc,cccl]==12.8.*'


def touch(path):
    os.makedirs(osp.dirname(path), exist_ok=True)
    open(path, 'w').close()


@pytest.mark.parametrize('layout', ['cu13', 'cu12'])
def test_cuda_home_assembled_from_pypi_wheels(tmp_path, layout):
    """CUDA 13 wheels share nvidia/cu13; CUDA 12 ones have a folder each: both become one toolkit folder."""
    site = tmp_path / 'site-packages'
    if layout == 'cu13':
        root = site / 'nvidia' / 'cu13'
        fake_toolkit(root, '13.0')
        for name in ('nvvm/bin/cicc', 'lib/libcudart.so.13', 'include/cccl/cub/cub.cuh'):
            touch(root / name)
    else:
        fake_toolkit(site / 'nvidia' / 'cuda_nvcc', '12.8', runtime_header=False)
        touch(site / 'nvidia' / 'cuda_nvcc' / 'nvvm' / 'bin' / 'cicc')
        touch(site / 'nvidia' / 'cuda_runtime' / 'include' / 'cuda_runtime.h')
        touch(site / 'nvidia' / 'cuda_runtime' / 'lib' / 'libcudart.so.12')
        touch(site / 'nvidia' / 'cuda_cccl' / 'include' / 'cccl' / 'cub' / 'cub.cuh')
    release = '13.0' if layout == 'cu13' else '12.8'
    home = mmcv_build.assemble_cuda_home(str(site), str(tmp_path / 'cuda'), release)
    assert mmcv_build.find_toolkit(release, [home]) == home
    for name in ('nvvm/bin/cicc', 'include/cccl/cub/cub.cuh', 'lib64/libcudart.so'):
        assert osp.exists(osp.join(home, name)), name
    assert os.readlink(osp.join(home, 'lib64', 'libcudart.so')).startswith('libcudart.so.1')
    # Assembling again replaces the folder (a rerun after an upgrade of the wheels).
    assert mmcv_build.assemble_cuda_home(str(site), home, release) == home


def test_cuda_home_refused_without_nvcc(tmp_path):
    touch(tmp_path / 'site' / 'nvidia' / 'cu13' / 'include' / 'cuda_runtime.h')
    with pytest.raises(mmcv_build.SetupError, match='lack bin/nvcc'):
        mmcv_build.assemble_cuda_home(str(tmp_path / 'site'), str(tmp_path / 'cuda'), '13.0')


def test_installed_mmcv_passes_its_check_here():
    """The environment the tests run in: mmcv's ops import, and what this machine needs is what it has."""
    import sys
    plan = mmcv_build.plan_build(mmcv_build.probe_torch(sys.executable), {})
    report = mmcv_build.verify(sys.executable, plan)
    assert report['mmcv'] == mmcv_build.MMCV_VERSION and 'ops_cuda' in report


def test_cpu_ops_refused_where_cuda_ops_are_wanted():
    """The check after install: this machine's mmcv has CPU ops only, which a GPU plan must refuse."""
    import sys
    gpu_plan = mmcv_build.plan_build(H100, {})
    with pytest.raises(mmcv_build.SetupError, match='compiled without CUDA'):
        mmcv_build.verify(sys.executable, gpu_plan)


def test_pypi_nvcc_found_in_any_visible_site_packages(tmp_path):
    """A venv over a Python whose own site-packages holds PyPI's nvcc (the machine's) finds it there."""
    venv_site, system_site = tmp_path / 'venv-site', tmp_path / 'system-site'
    venv_site.mkdir()
    fake_toolkit(system_site / 'nvidia' / 'cu13', '13.0')
    sites = [str(venv_site), str(system_site)]
    assert mmcv_build.pypi_nvcc_site(sites, '13.0') == str(system_site)
    assert mmcv_build.pypi_nvcc_site(sites, '12.8') is None
    fake_toolkit(venv_site / 'nvidia' / 'cuda_nvcc', '12.8', runtime_header=False)
    assert mmcv_build.pypi_nvcc_site(sites, '12.8') == str(venv_site)
    import sys
    own = mmcv_build.site_packages(sys.executable)
    assert own[0].endswith('site-packages') and len(set(own)) == len(own)


def test_toolkit_behind_a_wrapper_script_on_path(tmp_path):
    """An nvcc on PATH that is a wrapper script (``exec /opt/cuda-13.0/bin/nvcc "$@"``) leads to its toolkit."""
    real = fake_toolkit(tmp_path / 'opt' / 'cuda-13.0', '13.0')
    with open(osp.join(real, 'bin', 'nvcc'), 'a') as f:  # nvcc --dryrun reports the folder it runs from
        f.write(f'echo "#\\$ TOP={real}/bin/.." >&2\n')
    wrapper_bin = tmp_path / 'usr' / 'bin'
    wrapper_bin.mkdir(parents=True)
    wrapper = wrapper_bin / 'nvcc'
    wrapper.write_text(f'#!/bin/sh\nexec {real}/bin/nvcc "$@"\n')
    wrapper.chmod(0o755)
    assert mmcv_build.nvcc_top(str(wrapper)) == real
    candidates = mmcv_build.toolkit_candidates('13.0', dict(PATH=str(wrapper_bin)))
    assert mmcv_build.find_toolkit('13.0', candidates) == real
