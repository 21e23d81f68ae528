"""History: saved runs in SQLite or PostgreSQL, run bundles (export/import) and the user's model catalog file.

The names below are the wing's public face; its modules are private to it (other wings import from here)."""

from __future__ import annotations

from inference_core import lazy_face

_FACE = {
    "bundle": (
        "BundleError",
        "MAX_BUNDLE_BYTES",
        "dump_bundle",
        "finite_tree",
        "read_limited",
    ),
    "catalog_file": (
        "load_user_catalog",
        "remember",
    ),
    "database": ("describe",),
    "store": (
        "RunRecorder",
        "RunStore",
        "StoreError",
        "history_url",
        "open_store",
    ),
}
__all__, __getattr__ = lazy_face(__name__, _FACE)
