"""The one door into the engine, for the app and the CLI.

An ``Engine`` owns what a server shares (the model pool, the run history, the operator's
generation queue) and keeps them to itself: callers get functions that start comparisons
and sweeps, count tokens, list, unload and clear models, estimate memory and read or write
the history, and value types back (``RunResult``, ``StoredRun``, ``ModelStatus`` ...).
A session's endpoint keys are passed per call and never kept.
"""

from __future__ import annotations

import dataclasses
import gc
import statistics
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import URL

from inference_core.backends import BackendContext, HttpLimits, create_backend, token_pieces
from inference_core.backends import unavailable_reason as llama_unavailable
from inference_core.experiments import (
    REPEATS,
    TOUR_PROMPT,
    Chapter,
    ChapterResult,
    Evaluation,
    Question,
    Sweep,
    SweepPlan,
    Tour,
    chapters,
    eval_rows,
    is_tour,
    lanes_chapter,
    result_row,
    run_chapter,
    tour_data,
    tour_run,
)
from inference_core.history import RunRecorder, RunStore, StoreError, describe, dump_bundle, history_url, open_store
from inference_core.measure import collect_environment, kept_bandwidth_gb_s, lane_title, passport
from inference_core.models import (
    CONTEXT_TOKENS,
    Estimate,
    KeyRing,
    LoadedInfo,
    ModelPool,
    ModelStatus,
    builtin_models,
    clear_converted,
    estimate,
    inventory,
    is_converted,
    ladder,
    ladder_fits,
    loaded_models,
    operator_endpoints,
    resolve_reference,
)
from inference_core.operator import (
    GenerationGate,
    LimitError,
    OperatorSettings,
    operator_settings,
    reference_kind,
    request_problems,
)
from inference_core.price import DEFAULT_UTILIZATION, LatencyObjective, default_pricer, levels_from_rows
from inference_core.runs import Comparison, Finalize, Lane, Samples, compare, engine_for, format_lane, lane_problem
from inference_core.types import Bounds, MachinePrice, ModelSpec, Record, RunResult, RunSummary, Settings, StoredRun

__all__ = ["Access", "Engine", "HttpLimits", "LimitError", "MachinePrice", "Saving", "StoreError"]
OnResult = Callable[[int, RunResult], None]
TOUR_REPEATS = {True: 3, False: 5}
"""Rounds of each tour chapter's conditions: quick, and the full tour."""


@dataclasses.dataclass(frozen=True)
class Access:
    """Who is asking: a session's endpoint keys and whether private endpoints are allowed."""

    keys: KeyRing | None = None
    """None: the keys of the operator's endpoints (INFERENCE_LENS_ENDPOINTS, [[endpoints]] in the secrets)."""
    allow_private_endpoints: bool | None = None
    """None: the operator setting."""
    http: HttpLimits = dataclasses.field(default_factory=HttpLimits)


@dataclasses.dataclass(frozen=True)
class Saving:
    """Save a run to the history as its lanes finish: its kind, title and metadata."""

    kind: str
    prompt: str
    title: str = ""
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def sweep(cls, experiment: str, title: str = "", meta: Mapping[str, Any] | None = None) -> Saving:
        """A sweep's saving: a traffic sweep is its own kind of run, any other experiment a ``sweep``."""
        kind = "traffic" if experiment == "traffic" else "sweep"
        return cls(kind, f"{experiment} sweep", title, {**(meta or {}), "experiment": experiment})


class Engine:
    """Models, history and the generation queue of one process."""

    def __init__(
        self, store_path: Path | None = None, secrets: Mapping | None = None, limits: OperatorSettings | None = None
    ) -> None:
        """``store_path``: a SQLite file for the history; else the database a deployment configured
        (``$INFERENCE_LENS_DATABASE_URL`` or ``[connections.history]`` in ``secrets``), else the embedded file.
        ``limits``: the operator's (else read from the environment and ``secrets``; OperatorError names a bad one);
        every run this engine starts is held to them, whoever asks."""
        self._pool = ModelPool()
        self._store_path = store_path
        self._secrets = dict(secrets or {})
        self.limits = limits or operator_settings(self._secrets)
        self._gate = GenerationGate(self.limits.max_concurrent_generations)

    # Policy --------------------------------------------------------------------------------

    def default_settings(self) -> Settings:
        """The schema's defaults, within the operator's limits (a default never asks past a limit)."""
        return Settings(max_new_tokens=self.bounds("max_new_tokens").default)

    def bounds(self, name: str, record: type[Record] = Settings) -> Bounds:
        """A field's lowest and highest value and its default as this deployment offers them (what the UI's
        widgets and the CLI's defaults read): the record's declaration, within the operator's limits. Two
        quantities are not fields: ``repeats`` (a sweep's runs per point) and ``context`` (tokens an estimate
        plans for)."""
        low, high, default = {"repeats": REPEATS, "context": CONTEXT_TOKENS}.get(name) or record.bounds(name)
        caps = {"repeats": self.limits.max_repeats}
        if record is Settings:
            caps["max_new_tokens"] = self.limits.max_new_tokens
        if record is Samples:
            caps["count"] = self.limits.max_lanes - 1  # a sample set also runs its greedy lane
        if (cap := caps.get(name)) is not None:
            high = max(low, min(high, cap))
            default = min(default, high)
        return Bounds(low, high, default)

    def problems(self, prompt: str, lanes: Sequence[Lane], repeats: int = 1, *, sweep: bool = False) -> list[str]:
        """Why a request goes past the operator's limits, each naming the setting and its limit (empty: none).
        A sweep's points count as one lane per model (the lane cap counts models, not points); a replay lane
        generates nothing, so it counts against no cap (only against the references the operator allows)."""
        keys = [spec.key for spec in builtin_models()]
        replays = [lane.ref for lane in lanes if reference_kind(lane.ref, keys) == "replay"]
        asked = [(lane.ref, lane.settings.max_new_tokens) for lane in lanes if lane.ref not in replays]
        if sweep:
            longest: dict[str, int] = {}
            for ref, tokens in asked:
                longest[ref] = max(longest.get(ref, 0), tokens)
            asked = list(longest.items())
        found = request_problems(self.limits, prompt, asked, keys, repeats)
        if replays and "replay" not in self.limits.allowed_references:
            found.append(f"replay references are not allowed on this deployment "
                         f"(allowed_references: {', '.join(self.limits.allowed_references)})")  # fmt: skip
        return found

    def sweep_problems(self, plan: SweepPlan) -> list[str]:
        """Why a sweep goes past the operator's limits: its models, longest prompt, repeats, and each point's
        output length (a traffic request's own drawn length included)."""
        lanes = [point.lane for point in plan.points]
        if plan.traffic and plan.traffic.output_lengths.high:
            longest = plan.traffic.output_lengths.high
            lanes = [Lane(lane.ref, lane.settings.replace(max_new_tokens=max(longest, lane.settings.max_new_tokens)))
                     for lane in lanes]  # fmt: skip
        prompt = max((point.prompt for point in plan.points), key=len, default="")
        return self.problems(prompt, lanes, plan.repeats, sweep=True)

    def evaluation_problems(self, questions: Sequence[Question], lanes: Sequence[Lane]) -> list[str]:
        """Why a question set goes past the operator's limits (its longest question counts as the prompt)."""
        return self.problems(max((q.prompt for q in questions), key=len, default=""), lanes)

    @staticmethod
    def admit(problems: list[str]) -> None:
        """Refuse what ``problems``, ``sweep_problems`` or ``evaluation_problems`` found: LimitError naming the
        first; nothing when they found none."""
        if problems:
            raise LimitError(problems[0])

    @staticmethod
    def _pricer(price: MachinePrice | None) -> Finalize:
        """Every run is priced by the machine time it took: at ``price``, else the default machine's rate."""
        price = price or MachinePrice()
        return default_pricer(price.hourly_usd, price.utilization or DEFAULT_UTILIZATION)

    def _context(self, access: Access) -> BackendContext:
        try:
            history = self._history_url()
        except StoreError:
            history = None  # a replay lane then says the history cannot be opened
        private = access.allow_private_endpoints
        if private is None:  # the operator's setting, as this engine holds it
            private = self.limits.allow_private_endpoints
        http = dataclasses.replace(access.http, max_token_bytes=self.limits.max_token_bytes,
                                   max_answer_bytes=self.limits.max_answer_bytes)  # fmt: skip
        keys = access.keys if access.keys is not None else KeyRing(operator_endpoints(self._secrets))
        return BackendContext(pool=self._pool, store_path=history, keys=keys, http=http, gate=self._gate,
                              allow_private_endpoints=private)  # fmt: skip

    # Running -------------------------------------------------------------------------------

    def recorder(self, saving: Saving | None) -> RunRecorder | None:
        """A recorder saving each finished lane, or None; its ``errors`` say what was not saved."""
        if saving is None:
            return None
        try:
            store = self._store()
        except StoreError as exc:  # the database is down or misconfigured: the run goes on, unsaved
            return RunRecorder(None, saving.kind, saving.prompt, unavailable=str(exc))
        return RunRecorder(store, saving.kind, saving.prompt, title=saving.title, meta=saving.meta)

    def comparison(
        self,
        prompt: str,
        lanes: Sequence[Lane],
        *,
        access: Access | None = None,
        mode: str = "sequential",
        price: MachinePrice | None = None,
        on_result: OnResult | None = None,
        unload_after: bool = False,
    ) -> Comparison:
        """A comparison to start (``.start()``) and drain; nothing runs until then. LimitError: past a limit."""
        self.admit(self.problems(prompt, lanes))
        return Comparison(prompt, lanes, context=self._context(access or Access()), mode=mode,
                          finalize=self._pricer(price), on_result=on_result, unload_after=unload_after)  # fmt: skip

    def compare(
        self,
        prompt: str,
        lanes: Sequence[Lane],
        *,
        access: Access | None = None,
        mode: str = "sequential",
        price: MachinePrice | None = None,
        on_event: Callable[[Any], None] | None = None,
        on_result: OnResult | None = None,
    ) -> list[RunResult]:
        """Run a comparison in the calling thread; results in lane order. LimitError: past a limit."""
        self.admit(self.problems(prompt, lanes))
        return compare(prompt, lanes, context=self._context(access or Access()), mode=mode,
                       finalize=self._pricer(price), on_event=on_event or (lambda event: None),
                       on_result=on_result)  # fmt: skip

    def sweep(
        self,
        plan: SweepPlan,
        *,
        access: Access | None = None,
        price: MachinePrice | None = None,
        on_row: Callable[[int, RunResult, dict[str, Any]], None] | None = None,
    ) -> Sweep:
        """A sweep to start or run in place. LimitError: past a limit (lanes, output length, repeats)."""
        self.admit(self.sweep_problems(plan))
        return Sweep(plan, self._context(access or Access()), finalize=self._pricer(price), on_row=on_row)

    @staticmethod
    def engine_problem(name: str) -> str:
        """Why an engine cannot run here ("" when it can), with the command that installs it."""
        return llama_unavailable() if name == "llama.cpp" else ""

    @staticmethod
    def lane_title(ref: str, settings: Settings) -> str:
        """What a lane runs, in words (its model, weights and engine); the reference itself when unknown."""
        try:
            spec = resolve_reference(ref)
        except ValueError:
            return ref
        return lane_title(spec.name, spec.gguf_file, settings)

    @staticmethod
    def lane_problem(ref: str, settings: Settings) -> str:
        """What makes a lane impossible before it runs (an engine that is not installed, a model it cannot
        run); "" when nothing does, or when the reference itself is wrong (that lane then fails alone)."""
        try:
            spec = resolve_reference(ref)
        except ValueError:
            return ""
        return lane_problem(spec, settings)

    def count_tokens(self, ref: str, prompt: str) -> int:
        """Tokens the model reads for this prompt, chat template included (its backend counts them).
        LimitError: a reference kind or a prompt past the operator's limits."""
        self.admit(self.problems(prompt, [Lane(ref, self.default_settings())]))
        spec = resolve_reference(ref)
        return create_backend(engine_for(spec, Settings()), self._context(Access())).count_tokens(spec, prompt)

    def tokenize(self, ref: str, text: str) -> list[tuple[int, str, str]]:
        """The text as a local model's tokenizer cuts it, special tokens aside: (id, piece, decoded text).
        LimitError: a reference kind or a text past the operator's limits."""
        self.admit(self.problems(text, [Lane(ref, self.default_settings())]))
        spec = resolve_reference(ref)
        if spec.source in ("endpoint", "replay"):
            raise ValueError(f"{spec.name} runs elsewhere: its tokenizer is not here")
        loaded = self._pool.get(spec, Settings())
        with loaded.lock:  # a tokenizer shared across sessions is not thread-safe
            return token_pieces(loaded.tokenizer, text)

    def evaluation(self, questions: Sequence[Question], lanes: Sequence[Lane], *, access: Access | None = None,
                   price: MachinePrice | None = None, on_row: Callable | None = None) -> Evaluation:  # fmt: skip
        """A background job asking every question of every lane (``start()`` it, or ``run()`` in place).
        LimitError: past a limit (the longest question counts as the prompt)."""
        self.admit(self.evaluation_problems(questions, lanes))
        return Evaluation(questions, lanes, self._context(access or Access()), self._pricer(price), on_row)

    # Models --------------------------------------------------------------------------------

    def inventory(self, specs: Sequence[ModelSpec]) -> list[ModelStatus]:
        return inventory(specs, self._pool)

    def loaded(self) -> list[LoadedInfo]:
        return loaded_models(self._pool)

    def unload(self, model_key: str) -> int:
        """Drop every loaded variant of a model; returns how many were dropped."""
        dropped = self._pool.unload(model_key)
        gc.collect()
        return dropped

    def clear_cache(self, spec: ModelSpec) -> bool:
        """Unload a model and delete its converted cache; True when something was removed."""
        self.unload(spec.key)
        return clear_converted(spec)

    @staticmethod
    def converted(spec: ModelSpec) -> bool:
        return spec.source in ("packaged", "gguf") and is_converted(spec)

    @staticmethod
    def estimate(spec: ModelSpec, settings: Settings, context: int | None = None) -> Estimate:
        """Memory a model needs at these settings and context (None: the default), against what is free."""
        return estimate(spec, settings, context=CONTEXT_TOKENS.default if context is None else context)

    def size_ladder(self, specs: list[ModelSpec], settings: Settings) -> list[ModelSpec]:
        """The local models that fit here at these settings, smallest first: at most the operator's max_lanes,
        spread from the smallest to the largest (a default never asks past a limit)."""
        fitting = ladder(specs, settings)
        most = self.limits.max_lanes
        if len(fitting) <= most:
            return fitting
        picks = sorted({round(i * (len(fitting) - 1) / max(most - 1, 1)) for i in range(most)})
        return [fitting[i] for i in picks]

    @staticmethod
    def ladder_fits(specs: list[ModelSpec]) -> list[dict[str, Any]]:
        return ladder_fits(specs)

    # The tour ------------------------------------------------------------------------------

    def tour_chapters(self, quick: bool = False) -> list[Chapter]:
        """The explainer's chapters, in order, within the operator's limits; one those limits refuse is
        ``blocked`` with the reason (the tour skips it)."""
        found = chapters(quick, most_tokens=self.bounds("max_new_tokens").high, most_lanes=self.limits.max_lanes)
        return [dataclasses.replace(chapter, blocked=problems[0])
                if not chapter.blocked and (problems := self.tour_problems([chapter], quick)) else chapter
                for chapter in found]  # fmt: skip

    def tour_problems(self, chapters: Sequence[Chapter], quick: bool = False) -> list[str]:
        """Why these chapters go past the operator's limits (each condition counts as a comparison)."""
        found = [chapter.blocked for chapter in chapters if chapter.blocked]
        found += [problem for chapter in chapters for condition in chapter.conditions
                  for problem in self.problems(condition.prompt, [Lane(condition.model, condition.settings)]
                                               * condition.copies, self._tour_repeats(quick))]  # fmt: skip
        return list(dict.fromkeys(found))

    def _tour_repeats(self, quick: bool) -> int:
        return min(TOUR_REPEATS[quick], self.limits.max_repeats)

    def _ladder_estimates(self) -> list[dict[str, Any]]:
        """The shape-only ladder to 7B, at most max_lanes rungs spread over it (the largest always): weights memory
        and the decode speed this machine's measured memory bandwidth allows (estimated, never run)."""
        shapes = sorted((spec for spec in builtin_models() if spec.weights == "random"), key=lambda s: s.params_m or 0)
        most = min(self.limits.max_lanes, len(shapes))
        picks = sorted({len(shapes) - 1 - round(i * (len(shapes) - 1) / max(most - 1, 1)) for i in range(most)})
        bandwidth = kept_bandwidth_gb_s()
        rows = []
        for spec in (shapes[i] for i in picks):
            weights = estimate(spec, Settings()).weights_mb
            rows.append({"model": spec.name.removesuffix(" (shape only)"), "params_m": spec.params_m,
                         "weights_mb": round(weights, 1), "bandwidth_gb_s": round(bandwidth, 2),
                         "decode_bound_tok_per_s": bandwidth * 1000 / weights})  # fmt: skip
        return rows

    def tour_chapter(self, chapter: Chapter, quick: bool = False, price: MachinePrice | None = None,
                     on_event: Callable[[Any], None] | None = None) -> ChapterResult:  # fmt: skip
        """One chapter measured here: each run admitted and priced like any comparison; ``on_event`` hears
        every token (the first chapter draws them as they arrive). LimitError: past a limit."""
        self.admit(self.tour_problems([chapter], quick))

        def run(prompt: str, lanes: list[Lane], mode: str) -> list[RunResult]:
            return self.compare(prompt, lanes, mode=mode, price=price, on_event=on_event)

        return run_chapter(chapter, run, self._tour_repeats(quick), estimates=self._ladder_estimates)

    def tour_job(self, quick: bool = False, price: MachinePrice | None = None, access: Access | None = None) -> Tour:
        """Every chapter in order, as a background job (``start()`` it, or ``run()`` in place); a chapter the
        operator's limits refuse is skipped (``blocked``). LimitError: they refuse every chapter."""
        found = self.tour_chapters(quick)
        if all(chapter.blocked for chapter in found):
            self.admit(self.tour_problems(found, quick))
        return Tour(found, self._context(access or Access()), self._pricer(price), self._tour_repeats(quick),
                    self._ladder_estimates)  # fmt: skip

    def _tour_run(self, results: Sequence[ChapterResult], quick: bool) -> StoredRun:
        run = tour_run(results, quick, collect_environment())
        return run.replace(meta={**run.meta, "passport": self.passport(run)})

    def save_tour(self, results: Sequence[ChapterResult], quick: bool) -> tuple[StoredRun, list[str]]:
        """The tour as one run in the history, with the machine's passport; returns the run (as saved, or as
        it would be when the history cannot save it) and what was not saved."""
        run = self._tour_run(results, quick)
        if not results:
            return run, ["nothing was measured, so nothing was saved"]
        recorder = self.recorder(Saving(run.kind, run.prompt, run.title, run.meta))
        assert recorder is not None
        for lane in run.lanes:
            recorder(lane.lane, lane.result, lane.extra)
        try:
            saved = self.run(recorder.run_id) if recorder.run_id and not recorder.errors else None
        except StoreError as exc:
            return run, [*recorder.errors, str(exc)]
        return saved or run, recorder.errors

    def chapters_report(self, results: Sequence[ChapterResult], quick: bool) -> str:
        """The report of chapters measured one by one (not saved): the same page a saved tour gives."""
        return self.report(self._tour_run(results, quick))

    def recorded_tours(self, limit: int = 20) -> list[RunSummary]:
        """The history's most recent tours (every machine), newest first."""
        return [run for run in self._store().list_runs(text=TOUR_PROMPT, limit=limit) if run.kind == "tour"]

    eval_rows = staticmethod(eval_rows)
    is_tour = staticmethod(is_tour)
    tour_data = staticmethod(tour_data)

    def passport(self, run: StoredRun) -> dict[str, Any]:
        """The machine and engine a run was measured with: its environment, the memory bandwidth measured here
        (when the run was measured on this machine), the lanes' settings and the operator's limits."""
        lanes = sorted({format_lane(r.model, r.settings) for r in run.results})
        measured = run.results[0].environment if run.results else {}
        if measured and measured.get("machine") != collect_environment().get("machine"):  # no measuring here then
            return {"memory_bandwidth_gb_s": "not measured with this run", "engine_settings": {"lanes": lanes},
                    **measured}  # fmt: skip
        return {**passport({"lanes": lanes, "operator_limits": self.limits.model_dump(mode="json")}), **measured}

    def report(self, run: StoredRun) -> str:
        """A saved run (a tour, or any other) as one self-contained HTML page that imports back."""
        if is_tour(run):
            found, title = tour_data(run), None
        else:
            found, title = [lanes_chapter(run)], run.title or run.prompt.splitlines()[0][:80] or "A saved run"
        from inference_core.charts import tour_report  # altair: only when a report is asked for

        environment = run.meta.get("passport") or self.passport(run)
        return tour_report(found, environment, run.created_at, run.model_dump(mode="json"), title)

    # History -------------------------------------------------------------------------------

    def _history_url(self) -> URL:
        return history_url(self._store_path, self._secrets)

    @property
    def history_where(self) -> str:
        """Where the history is, safe to show: no URL, no password."""
        return describe(self._history_url())

    def _store(self) -> RunStore:
        """Opened on first use, then kept per database (StoreError says why it cannot be)."""
        return open_store(self._history_url())

    def runs(
        self, text: str = "", models: Sequence[str] = (), limit: int = 500, machines: Sequence[str] = ()
    ) -> list[RunSummary]:
        return self._store().list_runs(text=text, models=models, machines=machines, limit=limit)

    def history_machines(self) -> list[str]:
        """The machines the saved runs were measured on (a shared history mixes them)."""
        return self._store().machines()

    def run(self, run_id: str) -> StoredRun | None:
        return self._store().get_run(run_id)

    def recent_runs(self, limit: int = 200) -> list[StoredRun]:
        """The history's most recent runs, whole (every machine), tours aside (their traffic chapter crowds the
        machine on purpose: its lanes are no figure of this machine's speed)."""
        summaries = [summary for summary in self._store().list_runs(limit=limit) if summary.kind != "tour"]
        runs = (self._store().get_run(summary.id) for summary in summaries)
        return [run for run in runs if run is not None]

    def history_results(self, recent_runs: int = 40) -> list[RunResult]:
        """The finished lanes of the history's most recent runs that were measured on this machine."""
        here = collect_environment().get("machine")
        return [r for run in self.recent_runs(recent_runs) for r in run.results
                if r.ok and r.environment.get("machine") == here]  # fmt: skip

    def measured_speeds(self, recent_runs: int = 40) -> dict[str, tuple[float, float]]:
        """Model -> (median TTFT s, median decode tok/s) over the history's recent runs on this machine."""
        found: dict[str, list[tuple[float, float]]] = {}
        for result in self.history_results(recent_runs):
            if result.decode_tok_per_s and result.ttft_s is not None:
                found.setdefault(result.model, []).append((result.ttft_s, result.decode_tok_per_s))
        return {model: (statistics.median(t for t, _ in pairs), statistics.median(d for _, d in pairs))
                for model, pairs in found.items()}  # fmt: skip

    def traffic_levels(self, model: str, objective: LatencyObjective, recent_runs: int = 200) -> tuple[Any, str]:
        """The load levels of the latest saved traffic run that measured ``model`` (any lane settings),
        judged by ``objective``, and that run's id; an empty frame and "" when there is none."""
        import pandas as pd

        for run in self.recent_runs(recent_runs):
            if run.kind not in ("traffic", "sweep") or run.meta.get("experiment") != "traffic":  # sweep: saved before
                continue
            rows = [result_row(r, "traffic", e.get("variable", ""), e.get("value"), e.get("repeat", 0)) | e
                    for r, e in zip(run.results, run.extras, strict=False) if r.model == model]  # fmt: skip
            if rows:
                frame = pd.DataFrame(rows).assign(ttft_slo_s=objective.ttft_s, tpot_slo_s=objective.tpot_s)
                return levels_from_rows(frame), run.id
        return pd.DataFrame(), ""

    def history_models(self) -> list[str]:
        return self._store().models()

    def delete_runs(self, run_ids: Sequence[str]) -> int:
        return self._store().delete_runs(run_ids)

    def import_bundle(self, raw: bytes | str) -> tuple[int, int]:
        """(runs imported, runs already present); BundleError refuses a bad bundle whole."""
        return self._store().import_bundle(raw)

    def export_bundle(self, run_ids: Sequence[str] | None = None) -> str:
        """The runs as a standard-JSON bundle (all runs when None); StoreError names a missing run."""
        return dump_bundle(self._store().export_bundle(run_ids))
