"""Model utilities: adapting checkpoints to PEViT models, with a report of what happened to each tensor."""
from .checkpoint import LoadReport, adapt_vit_state_dict, load_checkpoint_with_report, select_state_dict

__all__ = ['LoadReport', 'adapt_vit_state_dict', 'load_checkpoint_with_report', 'select_state_dict']
