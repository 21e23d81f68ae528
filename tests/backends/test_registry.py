"""The backend registry: built-in backends found by name, an unknown engine named in the message."""

from __future__ import annotations

import pytest

from inference_core.backends import BackendContext, HttpLimits, create_backend


@pytest.mark.parametrize("name", ["transformers", "openai", "replay", "llama.cpp"])
def test_every_built_in_backend_is_found_by_name(name):
    backend = create_backend(name, BackendContext())
    assert backend.name == name and callable(backend.run) and callable(backend.count_tokens)


def test_an_unknown_engine_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown engine 'llama': use one of llama.cpp, openai, replay, transformers"):
        create_backend("llama", BackendContext())


@pytest.mark.parametrize(("field", "value"), [("connect_s", 0), ("read_s", float("nan")), ("deadline_s", 1e9)])
def test_http_limits_are_bounded(field, value):
    with pytest.raises(ValueError, match=field):
        HttpLimits(**{field: value})
