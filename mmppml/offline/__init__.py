"""Offline encryption of whole datasets by their owner (``tools/encrypt_dataset.py``).

Needs NumPy and OpenCV only (pycocotools for COCO RLE masks); no torch or OpenMMLab.
"""
from .engine import Summary, encrypt_dataset
from .manifest import MANIFEST_NAME, REPORT_NAME, read_manifest
from .spec import EncryptionError, EncryptionSpec

__all__ = ['EncryptionSpec', 'EncryptionError', 'encrypt_dataset', 'Summary', 'read_manifest', 'MANIFEST_NAME',
           'REPORT_NAME']
