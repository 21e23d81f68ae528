"""Local generation with transformers, timed per token on the generation thread."""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Callable, Iterator
from threading import Event
from typing import Any

from transformers.generation.streamers import BaseStreamer

from inference_core.backends.batching import BatchingError, ContinuousBatcher
from inference_core.backends.registry import BackendContext, EventSink, register_backend
from inference_core.backends.results import failed_result, measured_result, model_memory_mb, run_loaded
from inference_core.measure import PeakRssSampler, cuda_peak_mb, kv_cache_bytes
from inference_core.models import COMPLETION_NOTE, LoadedModel, answer_ended, completion_prompt, trim_answer
from inference_core.types import (
    GenerationRequest,
    ModelSpec,
    RunResult,
    Settings,
    StatusEvent,
    TokenEvent,
)


class TimestampStreamer(BaseStreamer):
    """Stamps each generated token with ``perf_counter`` where generate produces it.

    ``generate`` first puts the prompt ids; those are skipped, so a BOS token is never
    counted as generated.
    """

    def __init__(self, on_token: Callable[[int, float], None]) -> None:
        self._on_token = on_token
        self._prompt_seen = False

    def put(self, value: Any) -> None:
        stamp = time.perf_counter()
        if not self._prompt_seen:
            self._prompt_seen = True
            return
        for token_id in value.reshape(-1).tolist():
            self._on_token(int(token_id), stamp)

    def end(self) -> None:
        return None


def _stop_criteria(stop: Event, answer_so_far: Callable[[], str] | None = None) -> Any:
    """Stop on the user's Stop, and (base models, unpinned) once the answer has ended."""
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    class StopOnEvent(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            done = stop.is_set() or (answer_so_far is not None and answer_ended(answer_so_far()))
            return torch.full((input_ids.shape[0],), done, dtype=torch.bool, device=input_ids.device)

    return StoppingCriteriaList([StopOnEvent()])


def prompt_ids(tokenizer: Any, prompt: str, chat: bool) -> list[int]:
    """Token ids of a prompt: the chat template for chat models, plain text otherwise."""
    if chat and getattr(tokenizer, "chat_template", None):
        encoded = tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], add_generation_prompt=True, return_dict=True
        )
        return list(encoded["input_ids"])
    return list(tokenizer(completion_prompt(prompt))["input_ids"])


def token_pieces(tokenizer: Any, text: str) -> list[tuple[int, str, str]]:
    """(id, the tokenizer's own piece, the text it decodes to) per token, special tokens aside."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    pieces = tokenizer.convert_ids_to_tokens(ids)
    return [(int(i), str(piece), tokenizer.decode([i])) for i, piece in zip(ids, pieces, strict=True)]


def generation_config(loaded: LoadedModel, settings: Settings) -> Any:
    """A fresh config, so a model's own sampling defaults never change the comparison."""
    from transformers import GenerationConfig

    own = loaded.model.generation_config
    eos = own.eos_token_id if own.eos_token_id is not None else loaded.tokenizer.eos_token_id
    pad = loaded.tokenizer.pad_token_id
    sampling = {} if settings.greedy else {"temperature": settings.temperature, "top_p": settings.top_p}
    static = {"cache_implementation": "static"} if settings.load.cache == "static" else {}
    scored = {"output_logits": True, "return_dict_in_generate": True} if settings.logprobs else {}
    return GenerationConfig(
        **static,
        **scored,
        max_new_tokens=settings.max_new_tokens,
        min_new_tokens=settings.min_new_tokens or None,
        do_sample=not settings.greedy,
        eos_token_id=eos,
        pad_token_id=pad if pad is not None else (eos[0] if isinstance(eos, list) else eos),
        **sampling,
    )


class _TextAssembler:
    """Token ids -> text deltas in constant time per token.

    Decodes a short window (the last emitted tokens plus the new ones) rather than the
    whole answer, and holds back incomplete UTF-8 sequences until they resolve.
    """

    def __init__(self, tokenizer: Any) -> None:
        self._tokenizer = tokenizer
        self.ids: list[int] = []
        self._prefix_offset = 0
        self._read_offset = 0

    def _decode(self, ids: list[int]) -> str:
        return self._tokenizer.decode(ids, skip_special_tokens=True)

    def add(self, token_id: int) -> str:
        self.ids.append(token_id)
        prefix = self._decode(self.ids[self._prefix_offset : self._read_offset])
        text = self._decode(self.ids[self._prefix_offset :])
        if len(text) <= len(prefix) or text.endswith("\ufffd"):
            return ""
        self._prefix_offset, self._read_offset = self._read_offset, len(self.ids)
        return text[len(prefix) :]


@register_backend("transformers")
class TransformersBackend:
    """Runs ``model.generate`` on the calling thread with a timestamping streamer."""

    name = "transformers"

    def __init__(self, context: BackendContext) -> None:
        self._pool = context.pool

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

        return run_loaded(self.name, self._pool, None, lane, spec, request.settings, on_event, generate)

    def count_tokens(self, spec: ModelSpec, prompt: str) -> int:
        loaded = self._pool.get(spec, Settings())
        with loaded.lock:  # a tokenizer shared across sessions is not thread-safe
            return len(prompt_ids(loaded.tokenizer, prompt, spec.chat))

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
        spec, settings = loaded.spec, request.settings
        with _threads(settings.threads):
            ids = prompt_ids(loaded.tokenizer, request.prompt, spec.chat)
            problem = _context_problem(spec, len(ids), settings)
            if problem:
                on_event(StatusEvent(lane, "error", problem))
                return failed_result(spec, settings, self.name, problem, started_at=started_at)
            tokens = _Tokens(lane, loaded.tokenizer, on_event, requested)
            on_event(StatusEvent(lane, "prefill", f"{len(ids)} prompt tokens"))
            decoder, why_not = _decoder(loaded, settings)
            if settings.batched:
                rss = _generate_batched(loaded, ids, settings, tokens, stop)
            else:
                settings = settings.replace(decoder="fused" if decoder else "generate")  # the loop that ran
                rss = _generate_timed(loaded, ids, settings, tokens, stop, decoder)
        stopped = stop.is_set()
        on_event(StatusEvent(lane, "stopped" if stopped else "done"))
        notes = _notes(loaded) + ((f"transformers' generate loop: {why_not}",) if why_not else ())
        text = loaded.tokenizer.decode(tokens.assembler.ids, skip_special_tokens=True)
        return measured_result(
            spec, settings, self.name, text=text if spec.chat or settings.min_new_tokens else trim_answer(text),
            tokens_in=len(ids), token_times_s=tokens.times, token_texts=tuple(tokens.pieces), stopped=stopped,
            peak_rss_mb=rss.peak_mb, rss_delta_mb=rss.delta_mb, weights_mb=loaded.weights_mb,
            model_memory_mb=model_memory_mb(loaded, rss.delta_mb),
            kv_cache_mb=kv_cache_bytes(loaded.model.config, len(ids) + len(tokens.times), settings.load.dtype) / 2**20,
            load_s=load_s, params_m=spec.params_m or _count_params_m(loaded.model), started_at=started_at,
            request_epoch_s=time.time() - (time.perf_counter() - requested),
            notes=notes, **tokens.scores,
        )  # fmt: skip


def _decoder(loaded: LoadedModel, settings: Settings) -> tuple[Any, str]:
    """The fused decode loop when the lane asks for it and it runs here; else None and why (when asked)."""
    if settings.load.decoder != "fused" or settings.batched:
        return None, ""
    if settings.load.cache != "dynamic":
        return None, "the fused decoder keeps its own cache (cache=static runs generate)"
    if loaded.decoder is None:
        return None, loaded.decoder_problem
    return loaded.decoder, ""


def _notes(loaded: LoadedModel) -> tuple[str, ...]:
    notes = [] if loaded.spec.chat else [COMPLETION_NOTE]
    cuda_mb = cuda_peak_mb() if loaded.model.device.type == "cuda" else None
    if cuda_mb is not None:
        notes.append(f"CUDA peak allocated {cuda_mb:.0f} MB")
    if loaded.compile_s is not None:
        notes.append(f"torch.compile took {loaded.compile_s:.0f} s at load (not in these figures)")
    return tuple(notes)


class _Tokens:
    """Each generated token: its time, its text delta, and the events that stream it."""

    def __init__(self, lane: int, tokenizer: Any, on_event: EventSink, requested: float) -> None:
        self.lane, self.on_event, self.requested = lane, on_event, requested
        self.assembler = _TextAssembler(tokenizer)
        self.times: list[float] = []
        self.pieces: list[str] = []
        self.scores: dict[str, tuple] = {}
        """Log-probabilities, top alternatives and entropies, when asked for (``token_scores``)."""

    def text(self) -> str:
        return "".join(self.pieces)

    def __call__(self, token_id: int, stamp: float) -> None:
        if not self.times:
            self.on_event(StatusEvent(self.lane, "decoding"))
        self.times.append(stamp - self.requested)
        delta = self.assembler.add(token_id)
        self.pieces.append(delta)
        self.on_event(TokenEvent(self.lane, len(self.times) - 1, token_id, delta, stamp, stamp - self.requested))


@contextlib.contextmanager
def _threads(count: int | None) -> Iterator[None]:
    """torch's thread count for one generation (process-wide: not meaningful in race mode)."""
    import torch

    previous = torch.get_num_threads()
    if count:
        torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _context_problem(spec: ModelSpec, prompt_tokens: int, settings: Settings) -> str:
    if prompt_tokens + settings.max_new_tokens <= spec.context_length:
        return ""
    return (f"prompt ({prompt_tokens} tokens) + max_new_tokens ({settings.max_new_tokens}) "
            f"exceeds the context length of {spec.name} ({spec.context_length} tokens)")  # fmt: skip


def _generate_timed(
    loaded: LoadedModel, ids: list[int], settings: Settings, tokens: _Tokens, stop: Event, decoder: Any = None
) -> Any:
    """Run ``generate`` (its loop, or ``decoder``'s) with the timestamping streamer; returns the peak-RSS sampler."""
    import torch

    ends_answers = not loaded.spec.chat and not settings.min_new_tokens
    device = loaded.model.device
    input_ids = torch.tensor([ids], device=device)
    if not settings.greedy:
        torch.manual_seed(settings.seed)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    with PeakRssSampler() as rss, torch.inference_mode():
        if device.type == "cuda":
            torch.cuda.synchronize()
        if not stop.is_set():
            streamer = TimestampStreamer(tokens)
            # transformers 5.24 hands a custom_generate callable none of generate's own streamer: bind it
            custom = functools.partial(decoder.generate, streamer=streamer) if decoder is not None else None
            out = loaded.model.generate(
                input_ids=input_ids,
                attention_mask=torch.ones_like(input_ids),
                generation_config=generation_config(loaded, settings),
                streamer=streamer,
                stopping_criteria=_stop_criteria(stop, tokens.text if ends_answers else None),
                custom_generate=custom,
            )
            if settings.logprobs:
                tokens.scores = token_scores(loaded.tokenizer, out.logits, tokens.assembler.ids, settings.logprobs)
    return rss


def _generate_batched(loaded: LoadedModel, ids: list[int], settings: Settings, tokens: _Tokens, stop: Event) -> Any:
    """Submit to the model's batching scheduler and take its tokens as they come (no model lock held)."""
    batcher = _batcher(loaded)
    if len(ids) + settings.max_new_tokens > batcher.capacity_tokens:
        raise BatchingError(f"prompt + max_new_tokens ({len(ids) + settings.max_new_tokens}) exceed the batching "
                            f"cache of {batcher.capacity_tokens:,} tokens")  # fmt: skip
    ends_answers = not loaded.spec.chat and not settings.min_new_tokens
    with PeakRssSampler() as rss:
        request_id = batcher.submit(ids, settings.max_new_tokens, pinned=bool(settings.min_new_tokens))
        for step in batcher.steps(request_id, stop):
            for token_id, stamp in zip(step.token_ids, step.stamps, strict=True):
                tokens(token_id, stamp)
            if ends_answers and answer_ended(tokens.text()):
                batcher.cancel(request_id)
                break
    return rss


_BATCHER_GUARD = threading.Lock()


def _batcher(loaded: LoadedModel) -> ContinuousBatcher:
    """The model's scheduler, started once by its first batched request."""
    with _BATCHER_GUARD:
        if loaded.batcher is None:
            own = loaded.model.generation_config
            eos = own.eos_token_id if own.eos_token_id is not None else loaded.tokenizer.eos_token_id
            loaded.batcher = ContinuousBatcher(loaded.model, eos, loaded.tokenizer.pad_token_id)
        return loaded.batcher


def token_scores(tokenizer: Any, logits: Any, ids: list[int], k: int) -> dict[str, tuple]:
    """Per generated token: its log-probability under the model's raw next-token distribution, the ``k``
    most likely tokens (text, log-probability), and the distribution's entropy in nats."""
    import torch

    chosen, top, entropy = [], [], []
    for step, token_id in zip(logits, ids, strict=False):
        logp = torch.log_softmax(step[0].float(), dim=-1)
        values, indices = logp.topk(k)
        chosen.append(float(logp[token_id]))
        top.append(tuple((tokenizer.decode([int(i)]), float(v)) for v, i in zip(values, indices, strict=True)))
        entropy.append(float(-(logp.exp() * logp).nan_to_num().sum()))
    return {"token_logprobs": tuple(chosen), "top_logprobs": tuple(top), "token_entropy": tuple(entropy)}


def _count_params_m(model: Any) -> float:
    return sum(p.numel() for p in model.parameters()) / 1e6
