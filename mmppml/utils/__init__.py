"""Runtime helpers for the tools and for users' own training scripts."""
from .default_scope import setup_default_scope_and_imports
from .dist_utils import close_distributed, init_distributed
from .safe_globals import register_safe_globals

__all__ = ['register_safe_globals', 'setup_default_scope_and_imports', 'init_distributed', 'close_distributed']
