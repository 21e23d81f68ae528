"""The user's own catalog: model references kept across sessions in the data folder."""

from __future__ import annotations

import json
from pathlib import Path

from inference_core.history.store import data_root, scrub


def user_catalog_path() -> Path:
    return data_root() / "catalog.json"


def load_user_catalog() -> list[str]:
    """Saved references; an unreadable file counts as empty (it is rewritten on the next save)."""
    try:
        refs = json.loads(user_catalog_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [ref for ref in refs if isinstance(ref, str)] if isinstance(refs, list) else []


def remember(ref: str) -> None:
    """Add a reference (credentials scrubbed) to the user catalog file."""
    refs = load_user_catalog()
    clean = scrub(ref)
    if clean not in refs:
        refs.append(clean)
        path = user_catalog_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(refs, indent=1), encoding="utf-8")
        temporary.replace(path)
