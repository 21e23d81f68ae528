"""The fused decode loop against transformers' own forward passes: the packaged SmolLM2 through the backend,
and small Llama/Qwen2 models (biases, grouped heads) built here, token by token."""

from __future__ import annotations

import json
import threading

import pytest
import torch
from transformers import AutoModelForCausalLM, DynamicCache, Gemma3TextConfig, LlamaConfig, Qwen2Config

from inference_core.backends import create_backend
from inference_core.measure.report import weights_label
from inference_core.models.fused_decoder import FusedDecoder, fusable
from inference_core.types import GenerationRequest, RunResult, Settings

PROMPT = "Name three things a lighthouse keeper does every day."
SMALL = {"hidden_size": 96, "intermediate_size": 160, "num_hidden_layers": 3, "num_attention_heads": 6,
         "num_key_value_heads": 2, "vocab_size": 300, "max_position_embeddings": 256}  # fmt: skip


def run(context, spec, settings):
    backend = create_backend("transformers", context)
    return backend.run(0, spec, GenerationRequest(PROMPT, settings), lambda event: None, threading.Event())


def small_model(config):
    torch.manual_seed(0)
    return AutoModelForCausalLM.from_config(config, attn_implementation="sdpa").eval()


def transformers_logits(model, ids: list[int]) -> list[torch.Tensor]:
    """Next-token logits after the prompt and after each following token, from transformers' forward."""
    cache, rows = DynamicCache(config=model.config), []
    with torch.inference_mode():
        rows.append(model(input_ids=torch.tensor([ids[:4]]), cache=cache).logits[0, -1])
        for token in ids[4:]:
            rows.append(model(input_ids=torch.tensor([[token]]), cache=cache).logits[0, -1])
    return rows


def fused_logits(decoder: FusedDecoder, ids: list[int]) -> list[torch.Tensor]:
    cache = decoder.new_cache(len(ids))
    with torch.inference_mode():
        rows = [decoder.forward(torch.tensor(ids[:4]), 0, cache)[0]]
        rows += [decoder.forward(torch.tensor([token]), position, cache)[0] for position, token in enumerate(ids)
                 if position >= 4]  # fmt: skip
    return rows


@pytest.mark.parametrize(
    "config",
    [LlamaConfig(**SMALL), LlamaConfig(**SMALL, attention_bias=True, tie_word_embeddings=True), Qwen2Config(**SMALL)],
    ids=["llama", "llama-biases-tied", "qwen2"],
)
def test_every_step_equals_transformers_forward(config):
    model = small_model(config)
    ids = torch.randint(0, config.vocab_size, (12,), generator=torch.Generator().manual_seed(1)).tolist()
    before = transformers_logits(model, ids)
    assert fusable(model) == ""
    decoder = FusedDecoder(model)
    for ours, theirs in zip(fused_logits(decoder, ids), before, strict=True):
        torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-5)
    # transformers' modules now read views of the fused matrices, and still compute the same
    attention = model.model.layers[0].self_attn
    assert attention.q_proj.weight.untyped_storage().data_ptr() == decoder.qkv[0].untyped_storage().data_ptr()
    for after, was in zip(transformers_logits(model, ids), before, strict=True):
        torch.testing.assert_close(after, was, rtol=1e-4, atol=1e-5)
    head, embedding = model.lm_head.weight, model.model.embed_tokens.weight
    assert head.untyped_storage().data_ptr() == decoder.head.untyped_storage().data_ptr()
    assert (head is embedding) == config.tie_word_embeddings  # a tied embedding reads the transposed head


def test_minimum_length_rules_equal_transformers_own():
    from transformers.generation.logits_process import MinLengthLogitsProcessor, MinNewTokensLengthLogitsProcessor

    from inference_core.models.fused_decoder import _cheaper

    scores = torch.randn(1, 300, generator=torch.Generator().manual_seed(2))
    rules = [MinLengthLogitsProcessor(7, [3, 5]), MinNewTokensLengthLogitsProcessor(4, 3, 5)]
    for rule in rules:
        for length in (4, 6, 7, 8):  # below, at and past each rule's threshold
            ids = torch.zeros(1, length, dtype=torch.long)
            torch.testing.assert_close(_cheaper(rule)(ids, scores), rule(ids, scores), rtol=0, atol=0)


def test_says_which_models_it_cannot_run():
    gemma = small_model(Gemma3TextConfig(**SMALL, head_dim=16))
    assert "not gemma3_text" in fusable(gemma)
    assert "float32" in fusable(small_model(LlamaConfig(**SMALL)).to(torch.bfloat16))
    assert "sliding" in fusable(small_model(Qwen2Config(**SMALL, use_sliding_window=True, sliding_window=8,
                                                        max_window_layers=0)))  # fmt: skip


def test_greedy_answer_equals_the_generate_loop(context, smollm2):
    settings = Settings(max_new_tokens=48, min_new_tokens=48, decoder="fused")
    fused, plain = run(context, smollm2, settings), run(context, smollm2, settings.replace(decoder="generate"))
    assert fused.ok and plain.ok
    assert (fused.settings.decode_loop, plain.settings.decode_loop) == ("fused", "generate")
    assert fused.text == plain.text and fused.tokens_out == plain.tokens_out == 48
    assert len(fused.itl_s) == 47 and fused.decode_tok_per_s > 0
    assert weights_label(fused) == "float32 fused decoder" and weights_label(plain) == "float32"  # named as such


def test_another_threads_load_cannot_change_the_dtype_of_a_run():
    """transformers sets torch's default dtype for the whole process while it builds a model: a run on
    another thread at that moment must still make every tensor in its own model's dtype."""
    decoder = FusedDecoder(small_model(LlamaConfig(**SMALL)))
    ids = list(range(3, 12))
    before = fused_logits(decoder, ids)
    torch.set_default_dtype(torch.bfloat16)  # as during a bfloat16 load on another thread
    try:
        during = fused_logits(FusedDecoder(decoder.model), ids)
    finally:
        torch.set_default_dtype(torch.float32)
    assert all(row.dtype == torch.float32 for row in during)
    assert all(torch.equal(a, b) for a, b in zip(before, during, strict=True))


@pytest.mark.slow
def test_sampling_and_log_probabilities_follow_transformers(context, smollm2):
    sampled = Settings(max_new_tokens=24, temperature=0.9, seed=7, decoder="fused")
    assert run(context, smollm2, sampled).text == run(context, smollm2, sampled.replace(decoder="generate")).text
    scored = Settings(max_new_tokens=16, logprobs=3, decoder="fused")
    fused, plain = run(context, smollm2, scored), run(context, smollm2, scored.replace(decoder="generate"))
    assert fused.text == plain.text and len(fused.token_logprobs) == fused.tokens_out
    assert fused.token_logprobs == pytest.approx(plain.token_logprobs, abs=1e-3)


@pytest.mark.slow
def test_other_models_and_settings_run_generate_and_say_why(context, smollm2, gemma3):
    gemma = run(context, gemma3, Settings(max_new_tokens=4, min_new_tokens=4, decoder="fused"))
    assert gemma.ok and gemma.settings.decode_loop == "generate"
    assert any("generate loop" in note and "gemma3" in note for note in gemma.notes)
    static = run(context, smollm2, Settings(max_new_tokens=4, cache="static", decoder="fused"))
    assert static.ok and static.settings.decode_loop == "generate"
    assert any("cache=static" in note for note in static.notes)
    asked = run(context, smollm2, Settings(max_new_tokens=4))  # the default
    assert not any("generate loop" in note for note in asked.notes)  # asked for: nothing to explain


def test_the_loaded_model_holds_its_weights_once(context, smollm2):
    loaded = context.pool.get(smollm2, Settings(decoder="fused"))
    assert loaded.decoder is not None
    decoder = loaded.decoder
    fused_mb = sum(t.numel() * 4 for t in (*decoder.qkv, *decoder.out, *decoder.gate_up, *decoder.down,
                                            decoder.head)) / 2**20  # fmt: skip
    assert fused_mb < loaded.weights_mb  # the fused matrices are the model's weights, counted once
    assert abs(loaded.weights_mb - 513.1) < 1


def test_results_saved_before_the_fused_decoder_say_generate_ran(context, smollm2):
    result = run(context, smollm2, Settings(max_new_tokens=2, decoder="fused"))
    assert result.settings.decode_loop == "fused"
    old = result.model_dump(mode="json")
    old["settings"] = {**old["settings"].pop("load"), **old["settings"]}  # flat, as saved before ``load``
    del old["settings"]["decoder"]  # as saved before this setting existed
    assert RunResult.model_validate(old).settings.decode_loop == "generate"
    old["settings"]["decoder"] = None  # as bundles exported then wrote it
    assert RunResult.model_validate_json(json.dumps(old)).settings.decode_loop == "generate"
