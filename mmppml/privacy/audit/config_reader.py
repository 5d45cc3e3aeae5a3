"""What a training config encrypts with: the mode, P, S, its own parameter, a key, and the image size.

The encryption is read where training applies it: the model's data preprocessor
(``mmppml.EncryptingClsDataPreprocessor``, ``mmppml.EncryptingDetDataPreprocessor``: on the device) or
an mmppml step of the training pipeline (the transform a mode's record names, ``mmppml.ModeEncryption``,
and ``mmppml.KeyedScramble`` after it). Defaults a config leaves out are the registered class's own.
The image size is the side the training pipeline leaves before the encryption (its last crop or resize),
with the padding an encrypting data preprocessor adds before it encrypts.
"""
import inspect
from dataclasses import dataclass, field
from typing import Optional, Tuple, Union

from mmppml.crypto import MODE_TABLE, Mode

PREPROCESSORS = ('EncryptingClsDataPreprocessor', 'EncryptingDetDataPreprocessor')
KEYED_TRANSFORM = 'KeyedScramble'
MODE_TRANSFORM = 'ModeEncryption'
# Pipeline steps that set the image size, and the argument that holds it.
SIZE_STEPS = dict(
    RandomResizedCrop='scale',
    CenterCrop='crop_size',
    RandomCrop='crop_size',
    ResizeEdge='scale',
    Resize='scale',
    RandomResize='scale',
    RandomChoiceResize='scales')


@dataclass
class AuditSetting:
    """What a config trains with, as the audit attacks it.

    Args:
        mode (str): a key of :data:`~mmppml.crypto.MODE_TABLE`.
        patch_size (int): P.
        sub_patch_size (int, optional): S of the modes that mix.
        param (dict): the mode's own parameter by name (e.g. ``{'sigma': 16.}``), empty without one.
        key_file (str, optional): the key of a keyed scramble.
        seed (int, optional): a fixed encryption seed in the config (insecure).
        size (int, optional): the short side of the images training encrypts; None when the pipeline
            does not say (then read from the images).
        library (str): ``'mmpretrain'`` or ``'mmdet'``.
        where (str): where the config applies it, e.g. ``'model.data_preprocessor'``.
        pad_size_divisor (int): an encrypting data preprocessor pads each image at the bottom and right to
            a multiple of this before it encrypts (1: no padding).
        pad_value (int): the padding's pixel value (0-255).
    """
    mode: str
    patch_size: int
    sub_patch_size: Optional[int] = None
    param: dict = field(default_factory=dict)
    key_file: Optional[str] = None
    seed: Optional[int] = None
    size: Optional[int] = None
    library: str = 'mmpretrain'
    where: str = ''
    pad_size_divisor: int = 1
    pad_value: int = 0

    @property
    def record(self) -> Mode:
        """The mode's record."""
        return MODE_TABLE[self.mode]

    @property
    def label(self) -> str:
        """``'RS-16'``, ``'MI-16/8'`` (``keyed`` first with a key)."""
        label = self.record.setting_label(self.patch_size, self.sub_patch_size)
        return f'keyed {label}' if self.key_file else label


def _name(step_type) -> str:
    """The registered name of a config ``type`` without its scope: ``'mmppml.MixSubPatches'`` -> ``'MixSubPatches'``."""
    return step_type.split('.')[-1] if isinstance(step_type, str) else getattr(step_type, '__name__', '')


def _defaults(name: str, registry: str) -> dict:
    """The keyword defaults of the mmppml class registered as ``name``."""
    from ...registry import MODELS, TRANSFORMS  # their locations import mmppml.models / mmppml.datasets on get
    cls = dict(MODELS=MODELS, TRANSFORMS=TRANSFORMS)[registry].get(name)
    if cls is None:
        raise ValueError(f'{name} is not registered in mmppml')
    return {
        k: p.default
        for k, p in inspect.signature(cls).parameters.items() if p.default is not inspect.Parameter.empty
    }


def _padding(name: str, args: dict, patch_size: int) -> Tuple[int, int]:
    """(divisor, pixel value) of the padding an encrypting data preprocessor gives an image before it
    encrypts: the detection one pads to a multiple of P with ``pixel_pad_value``; the classification one to
    a multiple of ``pad_size_divisor``, with ``pixel_pad_value`` or else ``pad_value`` taken back from the
    normalised scale (``mean + pad_value * std`` of the first channel)."""
    if name == 'EncryptingDetDataPreprocessor':
        divisor, value = patch_size, args.get('pixel_pad_value') or 0
    else:
        divisor, value = int(args.get('pad_size_divisor') or 1), args.get('pixel_pad_value')
        if value is None:
            mean, std = args.get('mean') or [0.], args.get('std') or [1.]
            value = mean[0] + float(args.get('pad_value') or 0.) * std[0]
    return divisor, int(min(max(round(value), 0), 255))


def _setting(step: dict, mode: Optional[str], registry: str, where: str, library: str) -> AuditSetting:
    """The setting of one encrypting step: its arguments over the class's defaults."""
    name = _name(step['type'])
    args = dict(_defaults(name, registry), **{k: v for k, v in step.items() if k != 'type'})
    mode = args.get('mode') if mode is None else mode
    record = MODE_TABLE.get(mode)
    if record is None or not record.encrypts:
        raise ValueError(f'{where} ({name}) encrypts with mode {mode!r}, which encrypts nothing: nothing to audit')
    p, s = record.check_sizes(args.get('patch_size'), args.get('sub_patch_size') if record.needs_sub_patch else None)
    param = {} if record.param is None else {record.param.name: record.param.value(args.get(record.param.name))}
    divisor, value = _padding(name, args, p) if name in PREPROCESSORS else (1, 0)  # a pipeline pads after it
    return AuditSetting(
        mode,
        p,
        s,
        param,
        key_file=args.get('key_file'),
        seed=args.get('seed'),
        library=library,
        where=where,
        pad_size_divisor=divisor,
        pad_value=value)


def _as_config(cfg):
    """An :class:`mmengine.Config` of a config file, a dict or a Config."""
    from mmengine.config import Config
    if isinstance(cfg, str):
        return Config.fromfile(cfg)
    return cfg if isinstance(cfg, Config) else Config(cfg)


def _inner_dataset(dataset: dict) -> dict:
    """The dataset a wrapper (RepeatDataset, ClassBalancedDataset, ...) holds, or ``dataset``."""
    while isinstance(dataset, dict) and 'pipeline' not in dataset and isinstance(dataset.get('dataset'), dict):
        dataset = dataset['dataset']
    return dataset


def _side(value) -> Optional[int]:
    """The short side of a size argument: an int, (w, h), or a list of sizes (the smallest)."""
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, (list, tuple)) and value:
        if all(isinstance(v, (int, float)) for v in value):
            return int(min(value))
        sides = [_side(v) for v in value]
        return min(s for s in sides if s is not None) if any(s is not None for s in sides) else None
    return None


def pipeline_size(pipeline) -> Optional[int]:
    """The short side the pipeline's steps leave before its encryption: its last crop or resize (None if none)."""
    size = None
    for step in pipeline or []:
        name = _name(step.get('type'))
        if name in SIZE_STEPS and step.get(SIZE_STEPS[name]) is not None:
            size = _side(step[SIZE_STEPS[name]])
        elif name == MODE_TRANSFORM or any(name == m.transform for m in MODE_TABLE.values()):
            break
    return size


def _library(cfg) -> str:
    """``'mmdet'`` for a detection config (its scope or its data preprocessor say so), else ``'mmpretrain'``."""
    model = cfg.get('model') or {}
    preprocessor = _name((model.get('data_preprocessor') or {}).get('type', ''))
    return 'mmdet' if cfg.get('default_scope') == 'mmdet' or preprocessor.startswith('Det') or 'DetData' in \
        preprocessor else 'mmpretrain'


def read_setting(cfg: Union[str, dict]) -> AuditSetting:
    """Read what a config trains with: "what you train with is what is audited".

    Args:
        cfg (str | dict | mmengine.Config): a config file or a loaded config.

    Returns:
        AuditSetting: with ``size`` from the training pipeline (None when it sets none).

    Raises:
        ValueError: when the config encrypts nowhere, or in two places.
    """
    cfg = _as_config(cfg)
    library = _library(cfg)
    found = []
    model = cfg.get('model') or {}
    # A model's own data preprocessor wins over the top-level one.
    where, preprocessor = next(
        ((where, pre)
         for where, pre in (('model.data_preprocessor', model.get('data_preprocessor')),
                            ('data_preprocessor', cfg.get('data_preprocessor'))) if isinstance(pre, dict)), ('', {}))
    if _name(preprocessor.get('type')) in PREPROCESSORS:
        found.append(_setting(preprocessor, None, 'MODELS', where, library))
    dataset = _inner_dataset((cfg.get('train_dataloader') or {}).get('dataset') or {})
    pipeline = dataset.get('pipeline') or []
    key_file = None
    for i, step in enumerate(pipeline):
        name = _name(step.get('type'))
        where = f'train_dataloader.dataset.pipeline[{i}]'
        if name == KEYED_TRANSFORM:
            key_file = step.get('key_file')
        elif name == MODE_TRANSFORM:
            found.append(_setting(step, None, 'TRANSFORMS', where, library))
        else:
            mode = next((m.name for m in MODE_TABLE.values() if m.transform == name), None)
            if mode is not None:
                found.append(_setting(step, mode, 'TRANSFORMS', where, library))
    if not found:
        names = sorted({m.transform for m in MODE_TABLE.values() if m.transform} | {MODE_TRANSFORM})
        raise ValueError(
            'no encryption found in the config: model.data_preprocessor is not one of '
            f'{["mmppml." + n for n in PREPROCESSORS]} and no step of train_dataloader.dataset.pipeline '
            f'is one of {["mmppml." + n for n in names]}; the audit attacks what training encrypts (for data '
            'encrypted offline, audit a config that encrypts online with the same settings)')
    if len(found) > 1:
        raise ValueError(f'the config encrypts in {len(found)} places ({", ".join(s.where for s in found)}); '
                         'an audit needs exactly one')
    setting = found[0]
    setting.key_file = setting.key_file or key_file
    setting.size = pipeline_size(pipeline)
    return setting


def dataset_cfg(cfg, split: str) -> Tuple[dict, str]:
    """The (unwrapped) dataset config of ``'train'`` or ``'val'`` (the test set when there is no val set)
    and the config's default scope."""
    cfg = _as_config(cfg)
    names = ('train_dataloader', ) if split == 'train' else ('val_dataloader', 'test_dataloader')
    for name in names:
        loader = cfg.get(name)
        if loader and loader.get('dataset'):
            return _inner_dataset(loader['dataset'].to_dict() if hasattr(loader['dataset'], 'to_dict') else dict(
                loader['dataset'])), cfg.get('default_scope') or _library(cfg)
    raise ValueError(f'the config has no {" or ".join(names)}.dataset: give the images with --'
                     f'{"public" if split == "train" else "private"}')
