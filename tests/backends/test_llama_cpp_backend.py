"""The llama.cpp engine on the packaged GGUF files, beside transformers on the same files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from inference_core.runs.lanes import Lane
from inference_core.runs.runner import compare
from inference_core.types import Settings, StatusEvent, TokenEvent

LLAMA = Settings(engine="llama.cpp", max_new_tokens=24, min_new_tokens=24)
PROMPT = "What is the capital of France?"


def first_difference(a: list[int], b: list[int]) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def greedy_ids(context, model: str) -> tuple[dict[str, list[int]], dict]:
    """24 greedy token ids per engine for the same prompt, and the two results."""
    token_ids: dict[str, list[int]] = {"llama.cpp": [], "transformers": []}

    def collect(event: TokenEvent | StatusEvent) -> None:
        if isinstance(event, TokenEvent):
            token_ids["llama.cpp" if event.lane == 0 else "transformers"].append(event.token_id)

    lanes = [Lane(model, LLAMA), Lane(model, Settings(max_new_tokens=24, min_new_tokens=24))]  # pinned: no stop
    llama, torch_lane = compare(PROMPT, lanes, context=context, on_event=collect)
    assert llama.ok and torch_lane.ok, (llama.error, torch_lane.error)
    assert llama.tokens_in == torch_lane.tokens_in  # the same chat template, the same tokenizer
    return token_ids, {"llama.cpp": llama, "transformers": torch_lane}


@pytest.mark.slow
def test_greedy_gemma_agrees_token_for_token_across_engines(context):
    """Gemma's Q4_K_M: measured 24 of 24 greedy tokens equal; the floor leaves room for a near tie."""
    token_ids, results = greedy_ids(context, "gemma3-270m")
    agree = first_difference(token_ids["llama.cpp"], token_ids["transformers"])
    print(f"gemma3-270m: {agree} of 24 greedy tokens agree: {results['llama.cpp'].text!r}")
    assert agree >= 20


@pytest.mark.slow
def test_smollm2_engines_agree_token_by_token_when_fed_the_same_answer(context):
    """SmolLM2's Q4_1: llama.cpp multiplies the 4-bit weights with 8-bit-quantized activations, transformers
    with float ones; on this prompt the first token is a near tie ("L" against "The"), so free-running
    answers part at once (measured: 0 of 24 equal). Fed the same answer, each position's choice agrees."""
    from llama_cpp import Llama

    from inference_core.backends.llama_cpp_backend import prompt_tokens

    token_ids, _ = greedy_ids(context, "smollm2-135m-instruct")
    llm = Llama(model_path=llama_file(), n_ctx=256, logits_all=True, verbose=False)
    prompt = prompt_tokens(llm, PROMPT, chat=True)
    answer = token_ids["transformers"]
    llm.eval(prompt + answer)
    chosen = [int(llm.scores[len(prompt) - 1 + i].argmax()) for i in range(len(answer))]
    agree = sum(a == b for a, b in zip(chosen, answer, strict=True))
    first = llm.scores[len(prompt) - 1]
    first_rank = sum(score > first[answer[0]] for score in first)
    print(f"smollm2: teacher-forced agreement {agree} of {len(answer)}; transformers' first token is "
          f"llama.cpp's choice number {first_rank + 1}")  # fmt: skip
    assert agree >= 0.8 * len(answer) and first_rank <= 2


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["sequential", "race"])
def test_a_llama_cpp_lane_and_a_transformers_lane_keep_the_same_invariants(context, mode):
    pinned = Settings(max_new_tokens=12, min_new_tokens=12)
    results = compare(PROMPT, [Lane("smollm2-135m-instruct", pinned.replace(engine="llama.cpp")),
                               Lane("smollm2-135m-instruct", pinned)], context=context, mode=mode)  # fmt: skip
    for result in results:
        assert result.ok, result.error
        assert result.tokens_out == 12 == len(result.token_times_s) == len(result.itl_s) + 1
        assert result.ttft_s > 0 and result.decode_tok_per_s > 0 and result.peak_rss_mb > 0
        assert result.weights_mb > 0 and result.kv_cache_mb > 0
        assert "".join(result.token_texts) == result.text or result.text.startswith("".join(result.token_texts))
    llama = results[0]
    assert llama.backend == "llama.cpp" and llama.weights_format == "Q4_1 (llama.cpp)"
    assert llama.weights_mb == pytest.approx(os.path.getsize(llama_file()) / 2**20)


def llama_file() -> str:
    from inference_core.models.catalog import resolve_reference
    from inference_core.models.paths import locate_gguf

    return str(locate_gguf(resolve_reference("smollm2-135m-instruct")))


def test_stop_during_a_llama_cpp_lane_ends_it_within_a_second_and_keeps_its_tokens(context):
    stop = threading.Event()
    seen: list[TokenEvent] = []

    def on_event(event: TokenEvent | StatusEvent) -> None:
        if isinstance(event, TokenEvent):
            seen.append(event)
            if len(seen) == 5:
                stop.set()
                seen_stop.append(time.perf_counter())

    seen_stop: list[float] = []
    long = Settings(engine="llama.cpp", max_new_tokens=400, min_new_tokens=400)
    [result] = compare("Write a long story.", [Lane("smollm2-135m-instruct", long)], context=context,
                       on_event=on_event, stop=stop)  # fmt: skip
    assert time.perf_counter() - seen_stop[0] < 1.0
    assert result.ok and result.stopped and 5 <= result.tokens_out < 400 and result.text


def test_llama_cpp_needs_a_gguf_file(context, smollm2_dir):
    [result] = compare(PROMPT, [Lane(f"local:{smollm2_dir}", LLAMA)], context=context)
    assert not result.ok and "llama.cpp needs a GGUF file" in result.error


@pytest.mark.slow
def test_without_llama_cpp_python_the_cli_refuses_the_lane_with_the_install_command(tmp_path):
    (tmp_path / "llama_cpp.py").write_text("raise ImportError('blocked by the test')\n")
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    done = subprocess.run([sys.executable, "-m", "inference_core", "compare", "--prompt", "hi", "--model",
                           "smollm2-135m-instruct:engine=llama.cpp"], capture_output=True, text=True, env=env,
                          timeout=60)  # fmt: skip
    assert done.returncode == 2 and "bash scripts/install_llama.sh" in done.stderr
    plain = subprocess.run([sys.executable, "-m", "inference_core", "compare", "--prompt", "hi", "--json",
                            "--max-new-tokens", "2", "--model", "smollm2-135m-instruct"], capture_output=True,
                           text=True, env=env, timeout=300)  # fmt: skip
    assert plain.returncode == 0 and json.loads(plain.stdout)["ok"]
