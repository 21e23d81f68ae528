"""Building results: one way for every backend, and errors as one plain line."""

from __future__ import annotations

from inference_core.backends.results import failed_result, measured_result, plain_error
from inference_core.models.sizing import AdmissionError
from inference_core.types import ModelSpec, Settings

SPEC = ModelSpec(key="m", name="M", source="local", location="/m", params_m=1.0)


def test_metrics_come_from_token_times_and_a_chunk_count_can_override_them():
    per_token = measured_result(SPEC, Settings(), "x", text="abc", tokens_in=4, token_times_s=[0.5, 0.6, 0.7])
    assert per_token.tokens_out == 3 and round(per_token.tpot_s, 6) == 0.1 and per_token.prefill_tok_per_s == 8
    per_chunk = measured_result(SPEC, Settings(), "x", text="abc", tokens_in=4, token_times_s=[0.5, 0.7], tokens_out=5)
    assert per_chunk.tokens_out == 5 and round(per_chunk.tpot_s, 6) == 0.05 and round(per_chunk.decode_tok_per_s) == 20


def test_a_failed_result_keeps_what_it_knows():
    result = failed_result(None, Settings(), "x", "no such model", model="ref", model_name="ref")
    assert not result.ok and result.model == "ref" and result.error == "no such model" and result.environment


def test_plain_errors_are_one_line_and_user_errors_pass_through():
    assert plain_error(RuntimeError("first line\nsecond line")) == "RuntimeError: first line"
    assert plain_error(MemoryError()).startswith("out of memory")
    assert plain_error(AdmissionError("not loaded: too big")) == "not loaded: too big"


def test_a_local_backend_never_raises_when_its_model_cannot_load():
    from inference_core.backends.results import run_loaded
    from inference_core.types import StatusEvent

    class BrokenPool:
        def get(self, *args, **kwargs):
            raise RuntimeError("disk on fire")

    events: list[StatusEvent] = []
    result = run_loaded("x", BrokenPool(), None, 0, SPEC, Settings(), events.append, lambda *args: None)
    assert not result.ok and result.error == "RuntimeError: disk on fire" and result.backend == "x"
    assert [e.state for e in events] == ["loading", "error"]
