"""Offline encryption of whole datasets by their owner (``tools/encrypt_dataset.py``).

Needs NumPy, OpenCV and Pillow (image headers) only (pycocotools for COCO RLE masks); no torch or OpenMMLab.
"""
from .engine import encrypt_dataset
from .manifest import MANIFEST_NAME, read_manifest
from .options import MAX_FILE_BYTES, MAX_PIXELS, RunOptions, default_report_path
from .spec import EncryptionError, EncryptionSpec, LockedError, OutputError
from .summary import Summary

__all__ = [
    'EncryptionSpec', 'RunOptions', 'EncryptionError', 'OutputError', 'LockedError', 'encrypt_dataset', 'Summary',
    'read_manifest', 'default_report_path', 'MANIFEST_NAME', 'MAX_FILE_BYTES', 'MAX_PIXELS'
]
