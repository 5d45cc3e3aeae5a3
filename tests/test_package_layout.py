"""Every module of the installed package works wherever it is installed: it names no data folder of one
machine, does not locate the repository from its own file, imports neither the package top from inside
(``import mmppml``, ``import mmppml.x`` without ``as``, ``from mmppml import``, ``from .. import`` up to it)
nor the repository's projects/ and tools/, which are not installed."""
import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / 'mmppml'
MODULES = sorted(p for p in PACKAGE.rglob('*.py') if '.mim' not in p.relative_to(PACKAGE).parts)
# Two levels up from a module's own file (or more): the repository, not the package.
REPO_FROM_FILE = re.compile(r'dirname\([^\n]*dirname\([^\n]*__file__|__file__[^\n]*(\.parents\[|\.parent\.parent|'
                            r"'\.\.')")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix('').parts
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def imported_modules(path: Path):
    """(line, module) of each import, relative ones resolved against the module's package; ``import a.b``
    without ``as`` binds ``a``, and gives ``a``."""
    name = module_name(path)
    package = name.split('.') if path.name == '__init__.py' else name.split('.')[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name if alias.asname else alias.name.split('.')[0]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            yield node.lineno, '.'.join(base + ([node.module] if node.module else []))


def test_the_package_has_modules():
    assert len(MODULES) > 50 and PACKAGE / 'crypto' / 'modes.py' in MODULES


@pytest.mark.parametrize('path', MODULES, ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_module_is_free_of_checkout_and_machine(path):
    text = path.read_text()
    assert '/usr/share' not in text, 'a data folder of one machine: let the caller pass it'
    assert not REPO_FROM_FILE.search(text), 'the repository located from the module\'s file'
    for line, module in imported_modules(path):
        if path != PACKAGE / '__init__.py':
            assert module != 'mmppml', f'line {line}: imports the package top; import the module it needs'
        assert module.split('.')[0] not in ('projects', 'tools'), f'line {line}: {module} is not installed'


@pytest.mark.parametrize('source, found', [
    ("ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))", True),
    ("ROOT = Path(__file__).resolve().parents[2]", True),
    ("ROOT = osp.join(osp.dirname(__file__), '..')", True),
    ("path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '.mim')", False),
])
def test_the_root_pattern(source, found):
    assert bool(REPO_FROM_FILE.search(source)) == found


def test_imports_resolve_against_their_package():
    module = PACKAGE / 'utils' / 'default_scope.py'
    found = [m for _, m in imported_modules(module)]
    assert 'mmppml.registry' in found and 'mmengine.config' in found
    init = PACKAGE / 'utils' / '__init__.py'
    assert 'mmppml.utils.default_scope' in [m for _, m in imported_modules(init)]
