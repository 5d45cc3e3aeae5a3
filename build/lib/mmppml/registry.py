"""mmppml's registries, children of MMEngine's root registries.

Being children of the root, they are reachable from any default scope: after
``custom_imports=dict(imports=['mmppml'])`` an mmpretrain or mmdet config can write
``type='mmppml.PEViT'``. Each registry imports its modules lazily (``locations``) on first use,
so ``import mmppml`` stays light.
"""
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import Registry

# Data: datasets and the encryption transforms.
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, locations=['mmppml.datasets'])
TRANSFORMS = Registry('transform', parent=MMENGINE_TRANSFORMS, locations=['mmppml.datasets'])

# Models: backbones, necks, heads, detectors, losses, data preprocessors.
MODELS = Registry('model', parent=MMENGINE_MODELS, locations=['mmppml.models'])
