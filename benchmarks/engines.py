"""Engines and settings, each through the app against the same engine used raw, side by side in one run.

SmolLM2 135M (the packaged Q4_1 GGUF), the same prompt, threads and pinned output length for
every row; rounds alternate app and raw runs (which goes first alternates too) so drift on this
noisy machine hits both alike. Prints, per engine/setting: decode tokens/s through the app and raw
(median), their ratio (median of pairs, with its quartiles), TTFT through the app minus raw TTFT
(median of pairs), and decode speed as a share of the memory-bandwidth roofline at that setting's
weight bytes (bandwidth read right before and after that setting's runs, averaged, since it drifts
on a shared machine). Then the fastest setting the app offers against raw llama-cpp-python, and
load and lane-switch times.

    .venv/bin/python -m benchmarks.engines [--rounds 3] [--tokens 128] [--settings float32,fused,eager,static,...]

Every transformers row decodes with ``generate`` (the app's default) except ``fused``, the fused decoder.

``compiled`` (torch.compile, static cache) compiles for minutes at load; its compile time is printed apart.
On a machine with a CUDA GPU, ``--settings cuda-float16,cuda-bfloat16`` runs the transformers engine there
(the card's name and ``torch.cuda.max_memory_allocated`` printed with each row; no roofline).
"""

from __future__ import annotations

import argparse
import functools
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import torch

from benchmarks.overhead import PROMPT
from inference_core.backends import BackendContext, create_backend
from inference_core.backends.llama_cpp_backend import load_llama, prompt_tokens
from inference_core.backends.transformers_backend import generation_config, prompt_ids
from inference_core.measure.memory import memory_bandwidth_gb_s
from inference_core.models.catalog import resolve_reference
from inference_core.runs.lanes import settings_from_text
from inference_core.types import GenerationRequest, Settings

SETTINGS = {
    "float32": "dtype=float32",
    "fused": "dtype=float32,decoder=fused",
    "eager": "dtype=float32,attention=eager",
    "static": "dtype=float32,cache=static",
    "compiled": "dtype=float32,cache=static,compile=true",
    "bfloat16": "dtype=bfloat16",
    "int8": "quantize=int8",
    "llama.cpp": "engine=llama.cpp",
    "float32-1t": "dtype=float32,threads=1",
    "llama.cpp-1t": "engine=llama.cpp,threads=1",
    "cuda-float16": "device=cuda,dtype=float16",
    "cuda-bfloat16": "device=cuda,dtype=bfloat16",
}
CPU_SETTINGS = [name for name in SETTINGS if not name.startswith("cuda")]
Timing = tuple[float, float]
"""(TTFT s, decode tok/s) of one run."""


def from_times(started: float, stamps: list[float]) -> Timing:
    return stamps[0] - started, (len(stamps) - 1) / (stamps[-1] - stamps[0])


def raw_transformers(loaded, settings: Settings) -> Timing:
    """Plain generate (with the fused loop where the setting runs it) and a streamer that only stamps tokens;
    tokenizing counts in TTFT as in the app."""
    from transformers.generation.streamers import BaseStreamer

    stamps: list[float] = []

    class Stamp(BaseStreamer):
        first = True

        def put(self, value) -> None:
            if self.first:
                self.first = False
                return
            stamps.extend([time.perf_counter()] * value.numel())

        def end(self) -> None:
            return None

    fused = settings.load.decoder == "fused" and settings.load.cache == "dynamic" and loaded.decoder is not None
    streamer = Stamp()
    custom = functools.partial(loaded.decoder.generate, streamer=streamer) if fused else None
    previous = torch.get_num_threads()
    torch.set_num_threads(settings.threads or previous)  # as the app does for a lane with its own threads
    started = time.perf_counter()
    input_ids = torch.tensor([prompt_ids(loaded.tokenizer, PROMPT, loaded.spec.chat)], device=loaded.model.device)
    with torch.inference_mode():
        loaded.model.generate(
            input_ids=input_ids, attention_mask=torch.ones_like(input_ids), streamer=streamer,
            generation_config=generation_config(loaded, settings), custom_generate=custom,
        )  # fmt: skip
    torch.set_num_threads(previous)
    return from_times(started, stamps)


def raw_llama(llm, settings: Settings, chat: bool) -> Timing:
    """llama-cpp-python's generate loop with the end of text banned; template and tokenizing count in TTFT."""
    from llama_cpp import LogitsProcessorList

    eos = llm.token_eos()

    def ban(_ids, scores):
        scores[eos] = -float("inf")
        return scores

    started = time.perf_counter()
    ids = prompt_tokens(llm, PROMPT, chat)
    llm.reset()
    stamps: list[float] = []
    for _token in llm.generate(ids, temp=0.0, top_k=1, min_p=0.0, repeat_penalty=1.0,
                               logits_processor=LogitsProcessorList([ban])):  # fmt: skip
        stamps.append(time.perf_counter())
        if len(stamps) == settings.max_new_tokens:
            break
    return from_times(started, stamps)


def raw_llama_chat_completion(llm, settings: Settings) -> Timing:
    """The usual way to call llama-cpp-python: a streamed chat completion, one chunk per token."""
    started = time.perf_counter()
    stamps = []
    for chunk in llm.create_chat_completion(
        [{"role": "user", "content": PROMPT}], stream=True, temperature=0.0, max_tokens=settings.max_new_tokens,
        logit_bias={llm.token_eos(): -1e9},
    ):  # fmt: skip
        if chunk["choices"][0]["delta"].get("content"):
            stamps.append(time.perf_counter())
    return from_times(started, stamps)


def measure(rounds: int, app: Callable[[], Timing], raw: Callable[[], Timing]) -> dict[str, float]:
    """Medians over ``rounds`` pairs; the order within a pair alternates (app first, then raw first), so
    whatever one run leaves behind for the next (garbage, cache state) falls on both sides alike."""
    app(), raw()  # warm-up, not counted
    app_runs, raw_runs = [], []
    for index in range(rounds):
        if index % 2:
            raw_runs.append(raw())
            app_runs.append(app())
        else:
            app_runs.append(app())
            raw_runs.append(raw())
    median = statistics.median
    pairs = list(zip(app_runs, raw_runs, strict=True))
    ratios = [a[1] / b[1] for a, b in pairs]
    return {
        "app_ttft_s": median(t for t, _ in app_runs), "raw_ttft_s": median(t for t, _ in raw_runs),
        "app_decode": median(r for _, r in app_runs), "raw_decode": median(r for _, r in raw_runs),
        "ratio": median(ratios), "ratio_iqr": _quartiles(ratios), "ttft_gap_s": median(a[0] - b[0] for a, b in pairs),
    }  # fmt: skip


def _quartiles(values: list[float]) -> tuple[float, float]:
    """First and third quartiles (the values themselves below four)."""
    if len(values) < 4:
        return min(values), max(values)
    first, _, third = statistics.quantiles(values, n=4)
    return first, third


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--settings", default=",".join(CPU_SETTINGS))
    args = parser.parse_args()
    if "cuda" in args.settings and not torch.cuda.is_available():
        parser.error("the cuda-* settings need a CUDA GPU, and torch sees none here")
    spec = resolve_reference("smollm2-135m-instruct")
    context = BackendContext()
    bandwidth = memory_bandwidth_gb_s()
    print(
        f"{spec.name}: {args.tokens} pinned tokens, {torch.get_num_threads()} threads, bandwidth {bandwidth:.1f} GB/s"
    )
    print(f"{'setting':>10} {'app tok/s':>10} {'raw tok/s':>10} {'ratio (quartiles)':>20} {'TTFT app-raw':>13}")
    rows: dict[str, dict[str, float]] = {}
    app_runs: dict[str, Callable[[], Timing]] = {}
    base = Settings(max_new_tokens=args.tokens, min_new_tokens=args.tokens)
    for name in args.settings.split(","):
        settings = settings_from_text(SETTINGS[name], base)
        backend = create_backend(settings.engine, context)
        request = GenerationRequest(PROMPT, settings)
        loader = load_llama if settings.engine == "llama.cpp" else None
        started = time.perf_counter()
        loaded = context.pool.get(spec, settings, loader=loader)
        if loaded.compile_s is not None:
            print(
                f"{name}: loaded in {time.perf_counter() - started:.0f} s, of which compiling {loaded.compile_s:.0f} s"
            )

        def app(backend=backend, request=request) -> Timing:
            result = backend.run(0, spec, request, lambda event: None, threading.Event())
            assert result.ok and result.tokens_out == args.tokens, result.error
            return result.ttft_s, result.decode_tok_per_s

        if settings.engine == "llama.cpp":
            raw = lambda loaded=loaded, settings=settings: raw_llama(loaded.model, settings, spec.chat)  # noqa: E731
        else:
            raw = lambda loaded=loaded, settings=settings: raw_transformers(loaded, settings)  # noqa: E731
        before = memory_bandwidth_gb_s()
        row = rows[name] = measure(args.rounds, app, raw)
        row["bandwidth"] = (before + memory_bandwidth_gb_s()) / 2  # read right before and after this row's runs
        row["bytes"] = loaded.weights_mb * 2**20
        app_runs[name] = app
        low, high = row["ratio_iqr"]
        gpu = (f"  ({torch.cuda.get_device_name()}, max allocated {torch.cuda.max_memory_allocated() / 2**20:.0f} MB)"
               if settings.device == "cuda" else "")  # fmt: skip
        print(f"{name:>10} {row['app_decode']:10.1f} {row['raw_decode']:10.1f} {row['ratio']:6.3f} "
              f"({low:.3f}-{high:.3f}) {row['ttft_gap_s'] * 1000:+11.1f} ms{gpu}")  # fmt: skip
    if "llama.cpp" in rows:
        llm = context.pool.get(spec, Settings(engine="llama.cpp"), loader=load_llama).model
        chat = measure(args.rounds, app_runs["llama.cpp"], lambda: raw_llama_chat_completion(llm, base))
        fastest = max(rows, key=lambda n: rows[n]["app_decode"])
        print(f"\nfastest app setting: {fastest} at {rows[fastest]['app_decode']:.1f} tok/s; against raw "
              f"llama-cpp-python generate (alternating) {rows['llama.cpp']['ratio']:.3f}; against raw "
              f"create_chat_completion (alternating): app {chat['app_decode']:.1f} / raw {chat['raw_decode']:.1f} "
              f"tok/s, ratio {chat['ratio']:.3f}, TTFT {chat['app_ttft_s'] * 1000:.0f} / "
              f"{chat['raw_ttft_s'] * 1000:.0f} ms")  # fmt: skip
    print("\nshare of the roofline (memory bandwidth read right before and after each row's runs)")
    for name, row in rows.items():
        if name.startswith("cuda"):
            print(f"{name:>10}: not computed (the probe reads this machine's CPU memory, not the card's)")
            continue
        roofline = row["bandwidth"] * 1e9 / row["bytes"]
        print(f"{name:>10}: {row['app_decode']:.1f} tok/s = {row['app_decode'] / roofline:.0%} of the roofline "
              f"({roofline:.1f} tok/s at {row['bytes'] / 1e6:.0f} MB per token, "
              f"{row['bandwidth']:.1f} GB/s)")  # fmt: skip
    print_load_times(context, spec)


def print_load_times(context: BackendContext, spec) -> None:
    """Cold loads from the converted cache and of the GGUF into llama.cpp; switching between loaded models."""
    from inference_core.models.weights import load_model

    gemma = resolve_reference("gemma3-270m")
    for label, load in (("transformers, converted cache", lambda s: load_model(s, Settings(), lambda *a: None)),
                        ("llama.cpp, GGUF file", lambda s: load_llama(s, Settings(engine="llama.cpp"),
                                                                      lambda *a: None))):  # fmt: skip
        for model in (spec, gemma):
            seconds = []
            for _ in range(3):  # one load is one sample of a noisy machine
                started = time.perf_counter()
                load(model)
                seconds.append(time.perf_counter() - started)
            print(f"cold load, {label}: {model.key} median {statistics.median(seconds):.2f} s "
                  f"({min(seconds):.2f}-{max(seconds):.2f} s over 3)")  # fmt: skip
    for model in (spec, gemma):
        print(f"first load in a fresh process (importing transformers' model code included): {model.key} "
              f"{fresh_process_load_s(model.key):.2f} s")  # fmt: skip
    context.pool.get(gemma, Settings())
    switches = []
    for model in (spec, gemma) * 3:
        started = time.perf_counter()
        context.pool.get(model, Settings())
        switches.append(time.perf_counter() - started)
    print(f"switching between two loaded models: median {statistics.median(switches) * 1000:.2f} ms")


def fresh_process_load_s(key: str) -> float:
    """Seconds ``load_model`` takes as a new process's first load (after ``import inference_core.models.weights``)."""
    code = ("import time; from inference_core.models.weights import load_model; "
            "from inference_core.models.catalog import resolve_reference; "
            f"from inference_core.types import Settings; s = resolve_reference({key!r}); "
            "t = time.perf_counter(); load_model(s, Settings()); print(time.perf_counter() - t)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
