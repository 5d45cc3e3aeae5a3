"""mmppml: train OpenMMLab models on human-imperceptible, machine-recognizable images.

Importing the package creates its registries only; models and transforms are imported lazily when a
config first asks for ``type='mmppml.<Name>'``. Without MMEngine installed, the NumPy encryption core
(:mod:`mmppml.crypto`) still works, for data owners who only encrypt.
"""
__version__ = '0.1.0'

try:
    import mmengine  # noqa: F401
except ImportError:  # a data owner's machine: mmppml.crypto needs NumPy only
    pass
else:
    from . import registry  # noqa: F401
