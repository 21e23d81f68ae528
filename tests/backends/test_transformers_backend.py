"""The transformers backend on the real packaged models: streaming, timing, cancel, caching."""

from __future__ import annotations

import threading
import time

import pytest
import torch

from inference_core.backends import create_backend
from inference_core.backends.transformers_backend import generation_config, prompt_ids
from inference_core.models.paths import is_converted
from inference_core.models.weights import ModelPool
from inference_core.types import GenerationRequest, Settings, StatusEvent, TokenEvent

PROMPT = "Explain in one sentence why the sky is blue."


def run(context, spec, settings, on_event=lambda e: None, stop=None):
    backend = create_backend("transformers", context)
    return backend.run(0, spec, GenerationRequest(PROMPT, settings), on_event, stop or threading.Event())


def raw_generate_ids(context, spec, settings) -> list[int]:
    loaded = context.pool.get(spec, settings)
    ids = prompt_ids(loaded.tokenizer, PROMPT, spec.chat)
    with loaded.lock, torch.inference_mode():
        out = loaded.model.generate(
            input_ids=torch.tensor([ids]),
            attention_mask=torch.ones(1, len(ids), dtype=torch.long),
            generation_config=generation_config(loaded, settings),
        )
    return out[0, len(ids) :].tolist()


@pytest.mark.parametrize("model", ["smollm2", "gemma3"])
def test_streamed_greedy_text_equals_plain_generate(request, context, model):
    spec = request.getfixturevalue(model)
    settings = Settings(max_new_tokens=24, min_new_tokens=24 if not spec.chat else 0)  # a base model's stop aside
    events: list[TokenEvent] = []
    result = run(context, spec, settings, lambda e: events.append(e) if isinstance(e, TokenEvent) else None)
    assert result.ok, result.error
    loaded = context.pool.get(spec, settings)
    raw_ids = raw_generate_ids(context, spec, settings)
    assert result.text == loaded.tokenizer.decode(raw_ids, skip_special_tokens=True)
    assert result.tokens_out == len(raw_ids) == len(events)
    assert "".join(e.text for e in events) == result.text
    assert result.text.strip()


def test_token_timing_invariants(context, smollm2):
    result = run(context, smollm2, Settings(max_new_tokens=32, min_new_tokens=32))
    assert result.ok, result.error
    assert result.tokens_out == 32
    assert len(result.itl_s) == result.tokens_out - 1
    assert 0 < result.ttft_s <= result.e2e_s
    assert result.ttft_s + sum(result.itl_s) == pytest.approx(result.e2e_s, rel=0.01)
    assert result.tpot_s == pytest.approx((result.e2e_s - result.ttft_s) / 31)
    assert result.decode_tok_per_s == pytest.approx(31 / (result.e2e_s - result.ttft_s))
    assert result.prefill_tok_per_s == pytest.approx(result.tokens_in / result.ttft_s)
    assert result.itl_p50_s <= result.itl_p95_s
    assert result.weights_mb > 400  # 135M float32 parameters, tied embeddings counted once
    assert result.kv_cache_mb == pytest.approx(2 * 30 * 3 * 64 * 4 * (result.tokens_in + 32) / 2**20)
    assert result.peak_rss_mb >= result.rss_delta_mb >= 0
    env = result.environment
    assert env["cores"] >= 1 and env["versions"]["torch"] and env["torch_threads"] >= 1


def test_chat_model_gets_template_and_base_model_a_completion(context, smollm2, gemma3):
    chat = context.pool.get(smollm2, Settings())
    base = context.pool.get(gemma3, Settings())
    chat_text = chat.tokenizer.decode(prompt_ids(chat.tokenizer, "Hello", True))
    assert "<|im_start|>user" in chat_text and chat_text.rstrip().endswith("assistant")
    expected = base.tokenizer("Question: Hello\nAnswer:")["input_ids"]
    assert prompt_ids(base.tokenizer, "Hello", gemma3.chat) == expected


def test_cancel_after_five_tokens_stops_within_a_second(context, smollm2):
    stop = threading.Event()
    stopped_at: list[float] = []

    def on_event(event):
        if isinstance(event, TokenEvent) and event.index == 4:
            stopped_at.append(time.perf_counter())
            stop.set()

    result = run(context, smollm2, Settings(max_new_tokens=200, min_new_tokens=200), on_event, stop)
    elapsed = time.perf_counter() - stopped_at[0]
    assert elapsed < 1.0
    assert result.ok and result.stopped
    assert 5 <= result.tokens_out < 200
    assert result.text


@pytest.mark.slow
def test_int8_and_bfloat16_shrink_the_weights(context, smollm2):
    fp32 = run(context, smollm2, Settings(max_new_tokens=4))
    bf16 = run(context, smollm2, Settings(max_new_tokens=4, dtype="bfloat16"))
    int8 = run(context, smollm2, Settings(max_new_tokens=4, quantize="int8"))
    assert all(r.ok for r in (fp32, bf16, int8))
    assert bf16.weights_mb == pytest.approx(fp32.weights_mb / 2, rel=0.02)
    assert int8.weights_mb < 0.6 * fp32.weights_mb


def test_prompt_longer_than_context_is_a_plain_error(context, smollm2):
    result = run(context, smollm2, Settings(max_new_tokens=8200))
    assert not result.ok
    assert "exceeds the context length" in result.error


@pytest.mark.slow
def test_second_load_uses_the_converted_cache(tmp_path, monkeypatch, smollm2):
    monkeypatch.setenv("INFERENCE_LENS_CACHE", str(tmp_path))
    settings = Settings(max_new_tokens=12)
    stages: list[str] = []
    first_pool = ModelPool()
    first = first_pool.get(smollm2, settings, lambda msg, frac: stages.append(msg))
    assert any(s.startswith("converting") for s in stages)
    assert is_converted(smollm2)
    del first

    stages.clear()
    started = time.perf_counter()
    second_pool = ModelPool()
    second_pool.get(smollm2, settings, lambda msg, frac: stages.append(msg))
    load_s = time.perf_counter() - started
    assert not any(s.startswith("converting") for s in stages)
    assert load_s < 2.0

    from inference_core.backends import BackendContext

    a = run(BackendContext(first_pool), smollm2, settings)
    b = run(BackendContext(second_pool), smollm2, settings)
    assert a.ok and b.ok and a.text == b.text


def test_status_events_follow_the_lane_lifecycle(context, smollm2):
    states: list[str] = []
    run(context, smollm2, Settings(max_new_tokens=4), lambda e: isinstance(e, StatusEvent) and states.append(e.state))
    assert states[0] == "loading"
    assert states.index("prefill") < states.index("decoding") < states.index("done")


@pytest.mark.slow
def test_log_probabilities_are_the_models_own_and_the_greedy_token_is_the_argmax(context, smollm2):
    import math

    import torch

    settings = Settings(max_new_tokens=12, logprobs=5)
    result = run(context, smollm2, settings)
    assert result.ok and len(result.token_logprobs) == len(result.top_logprobs) == result.tokens_out
    loaded = context.pool.get(smollm2, settings)
    for chosen, top in zip(result.token_logprobs, result.top_logprobs, strict=True):
        assert 0 < math.exp(chosen) <= 1
        assert [lp for _, lp in top] == sorted((lp for _, lp in top), reverse=True)  # best first
        assert chosen == pytest.approx(top[0][1])  # greedy: the generated token is the most likely one
    # A plain forward pass over prompt + answer gives the same log-probabilities.
    prompt = prompt_ids(loaded.tokenizer, PROMPT, True)
    answer = raw_generate_ids(context, smollm2, settings.replace(logprobs=0))  # the same greedy ids
    with torch.inference_mode():
        logits = loaded.model(torch.tensor([prompt + answer])).logits[0].float()
    forward = torch.log_softmax(logits[len(prompt) - 1 : -1], dim=-1)
    expected = [float(forward[i, token]) for i, token in enumerate(answer)]
    assert result.token_logprobs[: len(expected)] == pytest.approx(expected, abs=1e-3)
    assert all(h >= 0 for h in result.token_entropy)


def test_token_pieces_count_as_the_tokenizer_does_without_special_tokens(context, smollm2):
    from inference_core.backends.transformers_backend import token_pieces

    loaded = context.pool.get(smollm2, Settings())
    text = "<b>Hi</b>\x07 naïve 🙂"
    pieces = token_pieces(loaded.tokenizer, text)
    assert [i for i, _, _ in pieces] == loaded.tokenizer(text, add_special_tokens=False)["input_ids"]
    assert "".join(decoded for _, _, decoded in pieces) == text
