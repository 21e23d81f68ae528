"""Shared fixtures: real packaged models, converted once per cache folder, offline."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Nothing may download at test time; hub code paths are exercised on local folders.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("INFERENCE_LENS_CACHE", str(Path.home() / ".cache" / "inference-lens"))
# Saved runs go to a throw-away history, never the user's.
os.environ["INFERENCE_LENS_DATA"] = tempfile.mkdtemp(prefix="inference-lens-test-data-")

SMOLLM2 = "smollm2-135m-instruct"
GEMMA3 = "gemma3-270m"


@pytest.fixture(scope="session")
def context():
    from inference_core.backends import BackendContext

    return BackendContext()


@pytest.fixture(scope="session")
def models():
    from inference_core.catalog import builtin_models

    return builtin_models()


@pytest.fixture(scope="session")
def smollm2(models):
    return next(m for m in models if m.key == SMOLLM2)


@pytest.fixture(scope="session")
def gemma3(models):
    return next(m for m in models if m.key == GEMMA3)


@pytest.fixture(scope="session")
def smollm2_dir(smollm2) -> Path:
    """The converted SmolLM2 folder (a real transformers model directory)."""
    from inference_core.weights import convert_gguf

    return convert_gguf(smollm2)


@pytest.fixture
def output_dir(request) -> Path:
    """A per-test folder for screenshots and other artefacts, kept after the run."""
    folder = Path(__file__).resolve().parent.parent / "test-output" / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
