"""Where the files service keeps objects: one interface (`base.Storage`), four backends (local
disk, S3, Supabase Storage, Cloudinary) and `factory.build_storage` choosing one from settings."""

from files.storage.base import InvalidKey, ObjectNotFound, Storage, StorageError
from files.storage.factory import build_storage

__all__ = ["InvalidKey", "ObjectNotFound", "Storage", "StorageError", "build_storage"]
