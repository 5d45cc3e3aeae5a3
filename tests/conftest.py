"""Shared by the whole suite: this folder is on ``sys.path``, so tests import the helpers beside it."""
import pytest


@pytest.fixture(scope='module')
def mmdet_scope():
    """mmdet's modules registered and its scope the default while a test module builds mmdet models
    (use it with ``pytestmark = pytest.mark.usefixtures('mmdet_scope')``)."""
    from mmdet.utils import register_all_modules
    from mmengine.registry import DefaultScope
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmdet'):
        yield
