"""The default scope and custom imports the tools give a config."""
from mmengine.config import Config

DEFAULT_SCOPE = 'mmpretrain'


def setup_default_scope_and_imports(cfg: Config, default_scope: str = DEFAULT_SCOPE) -> Config:
    """Give ``cfg`` a default scope (``default_scope`` if it has none) and import mmppml.

    ``custom_imports`` gains ``'mmppml'`` when missing, so a dumped config works on its own and
    ``type='mmppml.Name'`` resolves from any scope.
    """
    if cfg.get('default_scope') is None:
        cfg.default_scope = default_scope
    custom_imports = cfg.get('custom_imports') or dict(imports=[], allow_failed_imports=False)
    imports = custom_imports.get('imports', [])
    imports = [imports] if isinstance(imports, str) else list(imports)
    if 'mmppml' not in imports:
        imports.append('mmppml')
    custom_imports['imports'] = imports
    cfg.custom_imports = custom_imports
    from ..registry import DATASETS, MODELS, TRANSFORMS  # noqa: F401  (creates them; Config.fromfile imported the rest)
    return cfg
