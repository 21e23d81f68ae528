"""Local generation with llama.cpp (``llama-cpp-python``) on the GGUF file itself, timed per token.

llama.cpp runs the file's quantized weights directly (transformers dequantizes them to
float first), so the same model file is compared engine against engine. Each run starts
from an empty KV cache (no prefix reuse between runs), so TTFT always includes prefill.
"""

from __future__ import annotations

import codecs
import os
import threading
import time
from collections.abc import Callable
from threading import Event
from types import SimpleNamespace
from typing import Any

from inference_core.backends.registry import BackendContext, EventSink, register_backend
from inference_core.backends.results import failed_result, measured_result, model_memory_mb, run_loaded
from inference_core.measure import MB, PeakRssSampler, kv_cache_bytes
from inference_core.models import (
    COMPLETION_NOTE,
    OVERHEAD_MB,
    AdmissionError,
    LoadedModel,
    Progress,
    answer_ended,
    available_memory_mb,
    completion_prompt,
    load_config,
    locate_gguf,
    trim_answer,
    verdict,
)
from inference_core.types import GenerationRequest, ModelSpec, RunResult, Settings, StatusEvent, TokenEvent

ENGINE = "llama.cpp"
INSTALL = "bash scripts/install_llama.sh (compiles llama.cpp: about 6 minutes on two cores, once)"
MAX_CONTEXT = 8192
"""Tokens of KV cache a llama.cpp model is loaded with (llama.cpp allocates them up front)."""
KV_DTYPE = "float16"
LOGPROBS_NOTE = "logprobs: not recorded on llama.cpp here (the transformers engine and endpoints record them)"


def unavailable_reason() -> str:
    """Why the engine cannot run here ("" when it can)."""
    try:
        import llama_cpp  # noqa: F401 - imported once per process, then cached by Python
    except (ImportError, OSError) as exc:  # not installed, or its compiled library cannot load
        what = "is not installed" if isinstance(exc, ImportError) else f"cannot load ({exc})"
        return f"llama-cpp-python {what}: {INSTALL}"
    return ""


def file_quantization(llm: Any) -> str:
    """The GGUF file type, e.g. ``Q4_1`` or ``Q4_K_M``."""
    from gguf import LlamaFileType

    code = llm.metadata.get("general.file_type")
    try:
        return LlamaFileType(int(code)).name.removeprefix("MOSTLY_")
    except (TypeError, ValueError):
        return "GGUF"


def kv_geometry(llm: Any) -> SimpleNamespace:
    """Layers, heads and widths from the GGUF metadata, in the shape ``kv_cache_bytes`` reads."""
    meta = llm.metadata
    arch = meta.get("general.architecture", "llama")
    heads = int(meta.get(f"{arch}.attention.head_count", 1))
    width = int(meta.get(f"{arch}.embedding_length", heads))
    return SimpleNamespace(
        num_hidden_layers=int(meta.get(f"{arch}.block_count", 0)),
        num_attention_heads=heads,
        num_key_value_heads=int(meta.get(f"{arch}.attention.head_count_kv", heads)),
        head_dim=int(meta.get(f"{arch}.attention.key_length", width // heads)),
        hidden_size=width,
    )


def context_for(spec: ModelSpec) -> int:
    return min(spec.context_length, MAX_CONTEXT)


def _admit(spec: ModelSpec, file_mb: float) -> None:
    """Refuse a GGUF that would not fit: the file, a float16 KV cache at the loaded context, overhead."""
    kv_mb = kv_cache_bytes(load_config(spec), context_for(spec), KV_DTYPE) / MB
    total = file_mb + kv_mb + OVERHEAD_MB
    free = available_memory_mb()
    if verdict(total, free) == "does-not-fit":
        raise AdmissionError(f"not loaded, it would not fit: {spec.name} on llama.cpp needs about {total:,.0f} MB "
                             f"(file {file_mb:,.0f} MB + KV cache {kv_mb:,.0f} MB + overhead {OVERHEAD_MB:,.0f} MB); "
                             f"{free:,.0f} MB available")  # fmt: skip


def load_llama(
    spec: ModelSpec, settings: Settings, progress: Progress, cancel: threading.Event | None = None
) -> LoadedModel:
    """Load the GGUF into llama.cpp (read fully, not memory-mapped, so its pages count now)."""
    if unavailable_reason():
        raise RuntimeError(unavailable_reason())
    if spec.source not in ("packaged", "gguf"):
        raise ValueError(f"llama.cpp needs a GGUF file; {spec.name} is a {spec.source} model (use a packaged model "
                         "or a gguf: reference)")  # fmt: skip
    from llama_cpp import Llama

    started = time.perf_counter()
    progress("locating GGUF file", 0.0)
    path = locate_gguf(spec)
    _admit(spec, path.stat().st_size / MB)
    progress(f"loading {path.name} into llama.cpp", 0.5)
    threads = settings.threads or os.cpu_count() or 1  # llama-cpp-python's own default is half the cores
    llm = Llama(model_path=str(path), n_ctx=context_for(spec), n_threads=threads, n_threads_batch=threads,
                n_batch=512, use_mmap=False, verbose=False)  # fmt: skip
    progress("ready", 1.0)
    return LoadedModel(spec=spec, settings_key=settings.load_key, model=llm, tokenizer=None,
                       weights_mb=path.stat().st_size / MB, load_s=time.perf_counter() - started)  # fmt: skip


def prompt_tokens(llm: Any, prompt: str, chat: bool) -> list[int]:
    """The GGUF's own chat template for chat models (rendered as transformers renders it), else plain text."""
    template = llm.metadata.get("tokenizer.chat_template")
    if chat and template:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        model = llm._model
        formatter = Jinja2ChatFormatter(template, eos_token=model.token_get_text(model.token_eos()),
                                        bos_token=model.token_get_text(model.token_bos()))  # fmt: skip
        text = formatter(messages=[{"role": "user", "content": prompt}]).prompt
        return llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
    return llm.tokenize(completion_prompt(prompt).encode("utf-8"), add_bos=True, special=False)


def _end_of_generation(llm: Any) -> Callable[[int], bool]:
    import llama_cpp

    vocab = llm._model.vocab
    return lambda token: bool(llama_cpp.llama_vocab_is_eog(vocab, token))


def _pin(min_new_tokens: int, produced: list[int], end_ids: list[int]) -> Any:
    """A logits processor banning every end-of-generation token until ``min_new_tokens`` are out."""
    from llama_cpp import LogitsProcessorList

    def ban(_input_ids: Any, scores: Any) -> Any:
        if len(produced) < min_new_tokens:
            scores[end_ids] = -float("inf")
        return scores

    return LogitsProcessorList([ban]) if min_new_tokens else None


@register_backend(ENGINE)
class LlamaCppBackend:
    """Runs ``Llama.generate`` on the calling thread; each yielded token is stamped as it comes out."""

    name = ENGINE

    def __init__(self, context: BackendContext) -> None:
        self._pool = context.pool

    def count_tokens(self, spec: ModelSpec, prompt: str) -> int:
        loaded = self._pool.get(spec, Settings(engine=ENGINE), loader=load_llama)
        with loaded.lock:
            return len(prompt_tokens(loaded.model, prompt, spec.chat))

    def run(
        self,
        lane: int,
        spec: ModelSpec,
        request: GenerationRequest,
        on_event: EventSink,
        stop: Event,
    ) -> RunResult:
        def generate(loaded: LoadedModel, requested: float, load_s: float, started_at: str) -> RunResult:
            return self._generate(lane, loaded, request, on_event, stop, load_s, started_at, requested)

        return run_loaded(self.name, self._pool, load_llama, lane, spec, request.settings, on_event, generate)

    def _generate(
        self,
        lane: int,
        loaded: LoadedModel,
        request: GenerationRequest,
        on_event: EventSink,
        stop: Event,
        load_s: float,
        started_at: str,
        requested: float,
    ) -> RunResult:
        """Generate under the model's lock; times count from ``requested`` (queue + prefill)."""
        llm, spec, settings = loaded.model, loaded.spec, request.settings
        ids = prompt_tokens(llm, request.prompt, spec.chat)
        if len(ids) + settings.max_new_tokens > llm.n_ctx():
            message = (f"prompt ({len(ids)} tokens) + max_new_tokens ({settings.max_new_tokens}) exceeds the "
                       f"{llm.n_ctx()} tokens {spec.name} is loaded with on llama.cpp")  # fmt: skip
            on_event(StatusEvent(lane, "error", message))
            return failed_result(spec, settings, self.name, message, started_at=started_at)
        on_event(StatusEvent(lane, "prefill", f"{len(ids)} prompt tokens"))
        tokens = _Tokens(lane, llm, on_event, requested)
        with PeakRssSampler() as rss:
            _stream(llm, ids, settings, tokens, stop, ends_answers=not spec.chat and not settings.min_new_tokens)
        stopped = stop.is_set() and len(tokens.ids) < settings.max_new_tokens
        on_event(StatusEvent(lane, "stopped" if stopped else "done"))
        return measured_result(
            spec, settings, self.name, text=tokens.text() if spec.chat or settings.min_new_tokens else
            trim_answer(tokens.text()), tokens_in=len(ids), token_times_s=tokens.times,
            token_texts=tuple(tokens.pieces), stopped=stopped, peak_rss_mb=rss.peak_mb, rss_delta_mb=rss.delta_mb,
            model_memory_mb=model_memory_mb(loaded, rss.delta_mb),
            weights_mb=loaded.weights_mb, weights_format=f"{file_quantization(llm)} ({ENGINE})",
            kv_cache_mb=kv_cache_bytes(kv_geometry(llm), len(ids) + len(tokens.times), KV_DTYPE) / MB,
            load_s=load_s, params_m=spec.params_m, started_at=started_at,
            request_epoch_s=time.time() - (time.perf_counter() - requested),
            notes=(() if spec.chat else (COMPLETION_NOTE,)) + ((LOGPROBS_NOTE,) if settings.logprobs else ()),
        )  # fmt: skip


class _Tokens:
    """Generated ids, their times and UTF-8-safe text deltas, streamed as events."""

    def __init__(self, lane: int, llm: Any, on_event: EventSink, requested: float) -> None:
        self.lane, self.llm, self.on_event, self.requested = lane, llm, on_event, requested
        self.ids: list[int] = []
        self.times: list[float] = []
        self.pieces: list[str] = []
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def add(self, token: int, stamp: float) -> None:
        if not self.ids:
            self.on_event(StatusEvent(self.lane, "decoding"))
        self.ids.append(token)
        self.times.append(stamp - self.requested)
        delta = self._decoder.decode(self.llm.detokenize([token]))
        self.pieces.append(delta)
        self.on_event(TokenEvent(self.lane, len(self.ids) - 1, token, delta, stamp, stamp - self.requested))

    def text(self) -> str:
        return self.llm.detokenize(self.ids).decode("utf-8", errors="replace")


def _stream(llm: Any, ids: list[int], settings: Settings, tokens: _Tokens, stop: Event, ends_answers: bool) -> None:
    """Sample until max_new_tokens, an end-of-generation token (after min_new_tokens), the end of a base
    model's answer (``ends_answers``) or stop."""
    is_end = _end_of_generation(llm)
    end_ids = [t for t in (llm.token_eos(), llm._model.token_eot()) if t is not None and t >= 0]
    llm.reset()  # no prefix reuse: every run pays its own prefill
    llm.set_seed(settings.seed)
    if settings.greedy:
        sampling = {"temp": 0.0, "top_k": 1}
    else:
        sampling = {"temp": settings.temperature, "top_p": settings.top_p, "top_k": 0}
    pin = _pin(settings.min_new_tokens, tokens.ids, end_ids)
    generator = llm.generate(ids, min_p=0.0, repeat_penalty=1.0, reset=True, logits_processor=pin, **sampling)
    if stop.is_set():
        return
    for token in generator:
        stamp = time.perf_counter()
        if is_end(token) and len(tokens.ids) >= settings.min_new_tokens:
            break
        tokens.add(token, stamp)
        if len(tokens.ids) >= settings.max_new_tokens or stop.is_set():
            break
        if ends_answers and answer_ended("".join(tokens.pieces)):
            break
