"""Continuous batching of one loaded transformers model: concurrent requests share each forward pass.

transformers' own ``ContinuousBatchingManager`` runs the model on its scheduler thread (a paged
KV cache; new requests join the running batch between decode steps). One dispatcher thread
routes its outputs to the request that waits for them. Token times are the manager's own
``perf_counter`` stamps, taken where each token is produced.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from inference_core.measure import kv_cache_bytes

PAGE_TOKENS = 256
KV_BUDGET_BYTES = 256 * 2**20
"""The paged KV cache every batched request shares (SmolLM2 135M float32: about 5,700 tokens)."""
MAX_BATCH_TOKENS = 512
"""Tokens one forward pass may carry (prefill chunks plus one per decoding request)."""
NO_EOS = -1
"""The manager's "never stop at an end token" (a pinned output length)."""


class BatchingError(RuntimeError):
    """The batching scheduler failed; the message is for the user."""


@dataclass(frozen=True)
class BatchStep:
    """New tokens of one request since its previous step, each with its production time."""

    token_ids: tuple[int, ...]
    stamps: tuple[float, ...]
    finished: bool


class ContinuousBatcher:
    """Accepts requests from any thread; each request reads its own tokens as they are produced."""

    def __init__(self, model: Any, eos_token_id: int | list[int] | None, pad_token_id: int | None) -> None:
        from transformers import ContinuousBatchingConfig, GenerationConfig

        per_token = max(1, kv_cache_bytes(model.config, 1, str(model.dtype).removeprefix("torch.")))
        pages = max(4, KV_BUDGET_BYTES // (per_token * PAGE_TOKENS))
        self.capacity_tokens = pages * PAGE_TOKENS
        """Prompt and output tokens the shared cache holds across every request in flight."""
        config = GenerationConfig(do_sample=False, eos_token_id=eos_token_id, pad_token_id=pad_token_id or 0)
        batching = ContinuousBatchingConfig(page_size=PAGE_TOKENS, num_blocks=pages, max_batch_tokens=MAX_BATCH_TOKENS)
        self._manager = model.init_continuous_batching(generation_config=config, continuous_batching_config=batching)
        self._waiting: dict[str, queue.Queue[Any]] = {}
        self._guard = threading.Lock()
        self._closed = threading.Event()
        # Started from a daemon thread, the scheduler's thread is a daemon too (threads inherit the flag),
        # so a process can exit without unloading its models first.
        starter = threading.Thread(target=self._manager.start, daemon=True)
        starter.start()
        starter.join()
        self._dispatcher = threading.Thread(target=self._dispatch, name="batch-dispatch", daemon=True)
        self._dispatcher.start()

    def submit(self, ids: list[int], max_new_tokens: int, pinned: bool) -> str:
        """Queue a request; returns its id for ``steps``."""
        if self._closed.is_set():
            raise BatchingError("the batching scheduler was stopped (the model was unloaded)")
        inbox: queue.Queue[Any] = queue.Queue()
        with self._guard:
            request_id = self._manager.add_request(
                ids, max_new_tokens=max_new_tokens, streaming=True, record_timestamps=True,
                **({"eos_token_id": NO_EOS} if pinned else {}),
            )  # fmt: skip
            if request_id is None:
                raise BatchingError("the batching scheduler refused the request (it is stopping)")
            self._waiting[request_id] = inbox
        return request_id

    def steps(self, request_id: str, stop: threading.Event) -> Iterator[BatchStep]:
        """The request's tokens as they arrive; Stop cancels it in the scheduler."""
        inbox = self._waiting[request_id]
        seen = 0
        try:
            while True:
                try:
                    output = inbox.get(timeout=0.05)
                except queue.Empty:
                    if stop.is_set():
                        self.cancel(request_id)
                        return
                    continue
                if output is None or output.error:
                    raise BatchingError(f"the batching scheduler failed: {getattr(output, 'error', 'it stopped')}")
                tokens = list(output.generated_tokens)
                stamps = list(output.timestamps or [])
                yield BatchStep(tuple(tokens[seen:]), tuple(stamps[seen : len(tokens)]), output.is_finished())
                seen = len(tokens)
                if output.is_finished() or stop.is_set():
                    if not output.is_finished():
                        self.cancel(request_id)
                    return
        finally:
            with self._guard:
                self._waiting.pop(request_id, None)

    def cancel(self, request_id: str) -> None:
        self._manager.cancel_request(request_id)

    def close(self) -> None:
        """Stop the scheduler; requests still waiting fail with a message."""
        self._closed.set()
        self._manager.stop(block=True, timeout=10)
        self._dispatcher.join(timeout=5)

    def _dispatch(self) -> None:
        while not self._closed.is_set():
            output = self._manager.get_result(timeout=0.1)
            if output is None:
                if not self._manager.is_running():
                    break
                continue
            with self._guard:
                inbox = self._waiting.get(output.request_id)
            if inbox is not None:
                inbox.put(output)
        with self._guard:
            for inbox in self._waiting.values():
                inbox.put(None)
