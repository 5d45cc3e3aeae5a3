"""Runtime helpers for the tools and for users' own training scripts."""
from .checkpoint import register_safe_globals
from .dist_utils import close_distributed, init_distributed
from .setup_env import setup_default_scope_and_imports

__all__ = ['register_safe_globals', 'setup_default_scope_and_imports', 'init_distributed', 'close_distributed']
