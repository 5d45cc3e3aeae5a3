"""Load a checkpoint into a model (e.g. a plain detector's into the MI detector) and report each key's fate."""
import re
from collections import OrderedDict
from typing import Dict, Union

import torch.nn as nn
from mmengine.runner.checkpoint import CheckpointLoader

from mmppml.utils import register_safe_globals

_SIZE_MISMATCH = re.compile(r'size mismatch for ([^:]+): (.*)')


def load_checkpoint_with_report(model: nn.Module, checkpoint: Union[str, dict], map_location: str = 'cpu') -> Dict:
    """Load ``checkpoint`` non-strictly into ``model`` and say what happened to every key.

    Modules with a checkpoint-adapting pre-hook (PEViT and its subclasses: position embedding
    resized or dropped, plain patch conv converted into a linear MI embedding or dropped) adapt
    their part first; tensors whose shape still differs are left as initialised, not raised on.
    This is how the weights of a plain-trained PEViT detector enter the MI detector; with
    ``load_from`` in a config the runner loads the same way and the backbone logs the same report.

    Args:
        model (nn.Module): The model to load into, e.g. a built ``RetinaNet`` with a ``PEViT``.
        checkpoint (str | dict): A path / URL, or a loaded checkpoint (``{'state_dict': ...}`` or a
            bare state dict).
        map_location (str): Defaults to ``'cpu'``.

    Returns:
        dict: ``loaded`` (sorted names loaded as they are), ``converted`` and ``skipped`` (full name ->
        how / why), ``missing`` (sorted model names the checkpoint did not fill).
    """
    if isinstance(checkpoint, str):
        register_safe_globals()  # Runner checkpoints carry its message hub
        checkpoint = CheckpointLoader.load_checkpoint(checkpoint, map_location=map_location)
    state_dict = checkpoint.get('state_dict', checkpoint)
    state_dict = OrderedDict((k[len('module.'):] if k.startswith('module.') else k, v) for k, v in state_dict.items())

    adapting = {name: module for name, module in model.named_modules() if hasattr(module, '_converted_on_load')}
    for module in adapting.values():
        module._skipped_on_load, module._converted_on_load = {}, {}
    missing, unexpected, errors = [], [], []

    def load(module: nn.Module, prefix: str = '') -> None:
        # strict=True only makes torch list missing / unexpected keys; size mismatches are listed, not raised.
        module._load_from_state_dict(state_dict, prefix, {}, True, missing, unexpected, errors)
        for name, child in module._modules.items():
            if child is not None:
                load(child, prefix + name + '.')

    names = list(state_dict)
    load(model)  # pre-hooks edit state_dict in place
    skipped, converted = {}, {}
    for module_name, module in adapting.items():
        prefix = module_name + '.' if module_name else ''
        skipped.update({prefix + name: reason for name, reason in module._skipped_on_load.items()})
        converted.update({prefix + name: how for name, how in module._converted_on_load.items()})
    for message in errors:
        match = _SIZE_MISMATCH.match(message)
        if match is None:
            raise RuntimeError(message)
        skipped[match.group(1)] = match.group(2)
        missing.append(match.group(1))  # left as initialised too
    skipped.update({name: 'the model has no such parameter' for name in unexpected})
    loaded = sorted(name for name in names if name not in skipped and name not in converted)
    return dict(loaded=loaded, converted=converted, skipped=skipped, missing=sorted(missing))
