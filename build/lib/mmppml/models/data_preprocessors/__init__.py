from .encrypting_preprocessor import EncryptingClsDataPreprocessor, mix_batch, shuffle_batch

__all__ = ['EncryptingClsDataPreprocessor', 'shuffle_batch', 'mix_batch']
