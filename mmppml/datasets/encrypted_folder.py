"""An image folder encrypted by ``tools/encrypt_dataset.py``, read with a pipeline that keeps it intact."""
import json
from typing import Optional

from mmengine.fileio import exists, get_text, join_path
from mmengine.logging import print_log
from mmpretrain.datasets import CustomDataset

from mmppml.offline.manifest import MANIFEST_FORMAT, MANIFEST_NAME
from mmppml.registry import DATASETS
from .pipeline_check import check_encrypted_pipeline


@DATASETS.register_module()
class EncryptedImageFolder(CustomDataset):
    """mmpretrain's ``CustomDataset`` over an encrypted copy (class subfolders), checked on build.

    The copy's ``manifest.json`` (in the image folder, ``data_root`` joined with ``data_prefix``)
    must exist and say the copy is complete. The pipeline is checked with
    :func:`check_encrypted_pipeline`: only flips (none for a keyed copy), photometric and packing
    transforms are accepted, since resizing or cropping an encrypted image cuts through its patches.

    Args:
        manifest (str, optional): path of the manifest when it is not in the image folder.
        **kwargs: as :class:`mmpretrain.datasets.CustomDataset` (``data_root``, ``data_prefix``,
            ``pipeline``, ``lazy_init``, ...). ``ann_file`` lists are supported if they name the
            encrypted files.
    """

    def __init__(self, *args, manifest: Optional[str] = None, lazy_init: bool = False, **kwargs) -> None:
        super().__init__(*args, lazy_init=True, **kwargs)
        self.manifest = self._read_manifest(manifest or join_path(self.img_prefix, MANIFEST_NAME))
        check_encrypted_pipeline(
            self.pipeline.transforms,
            encrypted_input=True,
            keyed_input=self.manifest['settings'].get('keyed_scramble') is not None)
        if not lazy_init:
            self.full_init()

    @staticmethod
    def _read_manifest(path: str) -> dict:
        if not exists(path):
            raise FileNotFoundError(f'{path} not found: EncryptedImageFolder reads copies made by '
                                    'tools/encrypt_dataset.py (use CustomDataset for other folders)')
        try:
            manifest = json.loads(get_text(path))
        except ValueError as e:
            raise ValueError(f'{path} is not readable JSON ({type(e).__name__}: {e})') from None
        settings = manifest.get('settings') if isinstance(manifest, dict) else None
        if not isinstance(settings, dict) or manifest.get('format') != MANIFEST_FORMAT \
                or not isinstance(settings.get('encryption'), dict):
            raise ValueError(f'{path} is not an mmppml encrypted-dataset manifest')
        if not manifest.get('complete'):
            raise ValueError(f'the encrypted copy at {path} is incomplete (its encryption was interrupted): '
                             'rerun the same tools/encrypt_dataset.py command to finish it')
        if manifest['settings'].get('layout') != 'image-folder':
            raise ValueError(f'{path} describes a {manifest["settings"].get("layout")} copy, not an image folder')
        enc, counts = manifest['settings']['encryption'], manifest.get('counts', {})
        keyed = manifest['settings'].get('keyed_scramble') is not None
        print_log(
            f'encrypted copy: mode={enc["mode"]}, patch_size={enc["patch_size"]}, '
            f'sub_patch_size={enc["sub_patch_size"]}, keyed={keyed}, {counts.get("encrypted")} images '
            f'({counts.get("skipped", 0)} source files skipped by the owner)',
            logger='current')
        return manifest
