"""Model utilities: loading a checkpoint into another model with a report of what was adapted."""
from .checkpoint_report import load_checkpoint_with_report

__all__ = ['load_checkpoint_with_report']
