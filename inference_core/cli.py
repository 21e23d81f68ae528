"""python -m inference_core: the same engine as the app, headless (compare, sweep, estimate, history)."""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from pydantic import ValidationError

from inference_core import capacity_cli
from inference_core.engine import Access, Engine, HttpLimits, LimitError, Saving
from inference_core.experiments import EXPERIMENTS
from inference_core.history import finite_tree
from inference_core.models import (
    EXAMPLES,
    ModelReferenceError,
    UserFileError,
    builtin_models,
    read_user_file,
    resolve_reference,
)
from inference_core.operator import OperatorError
from inference_core.price import DEFAULT_TPOT_SLO_S, DEFAULT_TTFT_SLO_S
from inference_core.runs import MODES, Lane, lane_problem, lane_settings, split_lane
from inference_core.types import GenerationRequest, RunResult, Settings, StatusEvent, TokenEvent, problem

SUMMARY_FIELDS = (
    ("tokens_in", "{:d}"),
    ("tokens_out", "{:d}"),
    ("ttft_s", "{:.3f}"),
    ("tpot_s", "{:.4f}"),
    ("e2e_s", "{:.2f}"),
    ("decode_tok_per_s", "{:.1f}"),
    ("prefill_tok_per_s", "{:.0f}"),
    ("peak_rss_mb", "{:.0f}"),
    ("weights_mb", "{:.0f}"),
    ("usd_per_1m_out", "{:.2f}"),
)


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit status 2."""


SETTING_FLAGS = ("max_new_tokens", "min_new_tokens", "temperature", "top_p", "seed", "dtype", "quantize", "device",
                 "threads", "engine", "logprobs")  # fmt: skip
"""The settings a flag can set for every lane; each defaults to the engine's (schema and operator limits)."""


def _settings_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--max-new-tokens", type=int, help="default: the engine's, within the operator's limit")
    parser.add_argument("--min-new-tokens", type=int)
    parser.add_argument("--temperature", type=float, help="0: greedy (the default)")
    parser.add_argument("--top-p", type=float)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--dtype", help="float32 (the default), bfloat16 (float16 on CUDA)")
    parser.add_argument("--quantize", help="none (the default) or int8 (CPU)")
    parser.add_argument("--device", help="cpu (the default) or cuda")
    parser.add_argument("--threads", type=int, help="default: every core")
    parser.add_argument("--engine", help="transformers (the default) or llama.cpp (GGUF models)")
    parser.add_argument("--logprobs", type=int, metavar="K",
                        help="record token_logprobs and the top K alternatives per token (top_logprobs)")  # fmt: skip


def base_settings(args: argparse.Namespace, engine: Engine) -> Settings:
    """The flags given, over the engine's defaults."""
    given = capacity_cli.given_flags(args, **{name: name for name in SETTING_FLAGS})
    try:
        return Settings.model_validate({**engine.default_settings().flat(), **given})
    except ValidationError as exc:
        raise UsageError(problem(exc)) from None


def parse_lanes(texts: Sequence[str], base: Settings) -> list[Lane]:
    """``REF[:key=value,...]`` -> validated lanes; any bad one is a UsageError."""
    if not texts:
        raise UsageError("give at least one --model")
    models = builtin_models()
    lanes = []
    for text in texts:
        try:
            ref, overrides = split_lane(text)
            settings = lane_settings(base, overrides)
            problem = lane_problem(resolve_reference(ref, models), settings)
            if problem:
                raise ModelReferenceError(problem)
            lanes.append(Lane(ref, settings))
        except ValueError as exc:
            raise UsageError(f"--model {text!r}: {exc}") from None
    return lanes


def _http_args(parser: argparse.ArgumentParser) -> None:
    limits = HttpLimits()
    parser.add_argument("--connect-timeout", type=float, default=limits.connect_s, metavar="S",
                        help="endpoints: seconds to connect")  # fmt: skip
    parser.add_argument("--read-timeout", type=float, default=limits.read_s, metavar="S",
                        help="endpoints: longest wait for the next chunk")  # fmt: skip
    parser.add_argument("--deadline", type=float, default=limits.deadline_s, metavar="S",
                        help="endpoints: longest a whole request may take")  # fmt: skip


def http_limits(args: argparse.Namespace) -> HttpLimits:
    try:
        return HttpLimits(connect_s=args.connect_timeout, read_s=args.read_timeout, deadline_s=args.deadline)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def check_prompt(prompt: str) -> None:
    try:
        GenerationRequest(prompt)
    except ValueError as exc:
        raise UsageError(f"--prompt: {exc}") from None


def check_writable(path: str, flag: str) -> None:
    """Before any work: an output file is a regular file or a new one, in an existing writable folder that holds
    files (not /proc or /sys, whose files a root process can open for writing but not write)."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise UsageError(f"{flag} {path} is a folder; give a file name")
    if os.path.exists(path) and not stat.S_ISREG(os.stat(path).st_mode):
        raise UsageError(f"{flag} {path} is not a regular file (a device or pipe cannot hold the output)")
    if not os.path.isdir(folder):
        raise UsageError(f"{flag} {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"{flag} {path}: the folder {folder} is not writable")
    if os.statvfs(folder).f_blocks == 0:  # proc, sysfs: a filesystem with no storage
        raise UsageError(f"{flag} {path}: {folder} is a system folder with no storage; write the file elsewhere")


def _traffic_args(sweep: argparse.ArgumentParser) -> None:
    traffic = sweep.add_argument_group("traffic", "load levels for --experiment traffic")
    traffic.add_argument("--concurrency", help="requests kept in flight per level, comma-separated (1,4,16)")
    traffic.add_argument("--rate", help="Poisson arrivals per level in requests per second (0.5,1,2)")
    traffic.add_argument("--requests", type=int, help="requests per level (default: 2 x concurrency, at least 8)")
    traffic.add_argument("--time-limit", type=float, help="seconds per level before it stops (default: 120)")
    traffic.add_argument(
        "--output-tokens",
        default="",
        metavar="N|LOW-HIGH",
        help="each request's pinned output length: the lane's own, N, or uniform in LOW-HIGH",
    )
    traffic.add_argument(
        "--ttft-slo",
        type=float,
        metavar="SECONDS",
        help=f"goodput's objective for time to first token (default: {DEFAULT_TTFT_SLO_S:g})",
    )
    traffic.add_argument(
        "--tpot-slo",
        type=float,
        metavar="SECONDS",
        help=f"goodput's objective for time per output token (default: {DEFAULT_TPOT_SLO_S:g})",
    )
    traffic.add_argument("--summary-out", help="CSV file with one row per load level")


def _sweep_parser(commands: Any) -> None:
    sweep = commands.add_parser("sweep", help="measure a curve: output or input length, model size, settings, traffic")
    sweep.add_argument("--experiment", required=True, choices=list(EXPERIMENTS))
    sweep.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="REF[:key=value,...]",
        help="a lane, as for compare; its own max_new_tokens sets the pinned output length",
    )
    sweep.add_argument("--lengths", help="comma-separated token counts (16,64,256); for traffic, --concurrency")
    _traffic_args(sweep)
    sweep.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="key=value[,key=value]",
        help="for --experiment settings; default: dtype=float32, dtype=bfloat16, quantize=int8",
    )
    sweep.add_argument("--repeats", type=int, help="runs per point (default: the engine's, within the operator's)")
    sweep.add_argument("--out", help="CSV file for the rows (default: standard output)")
    sweep.add_argument("--save", action="store_true", help="save every counted run to the history")
    _settings_args(sweep)
    _http_args(sweep)


class Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line (``error: argument --users: invalid int value: 'nan'``) and exit
    status 2, not the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m inference_core", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    models = commands.add_parser("models", help="list the catalog with availability")
    models.add_argument("--json", action="store_true")

    comp = commands.add_parser("compare", help="run one prompt on several models")
    comp.add_argument("--prompt", default=EXAMPLES["Short question"], help="default: %(default)r")
    comp.add_argument("--model", action="append", default=[], metavar="REF[:key=value,...]")
    comp.add_argument("--mode", choices=MODES, default="sequential")
    comp.add_argument("--json", action="store_true", help="print one JSON object per lane")
    comp.add_argument("--save", action="store_true", help="save the run to the history ($INFERENCE_LENS_DATA)")
    _settings_args(comp)
    _http_args(comp)

    _sweep_parser(commands)

    capacity_cli.add_parser(commands)
    guess = commands.add_parser("estimate", help="will a model fit? memory needed against memory free")
    guess.add_argument("ref", help="catalog key, hf:ORG/NAME, local:/dir (a config.json is enough) or gguf:/file")
    guess.add_argument("--dtype", help="default: float32")
    guess.add_argument("--quantize", help="default: none")
    guess.add_argument("--context", type=int, help="tokens of KV cache to plan for (default: 2048)")
    guess.add_argument("--json", action="store_true")

    export = commands.add_parser("export", help="write saved runs to a JSON bundle")
    export.add_argument("--out", required=True, help="bundle file to write")
    export.add_argument("--run", action="append", default=None, metavar="RUN_ID", help="only these runs")

    load = commands.add_parser("import", help="add the runs of a JSON bundle to the history")
    load.add_argument("bundle", help="bundle file to read")

    tour = commands.add_parser("tour", help="the explainer's claims measured here, as a self-contained HTML report")
    tour.add_argument("--out", required=True, help="HTML file to write (overwritten)")
    tour.add_argument("--quick", action="store_true", help="shorter answers and fewer repeats")

    quality = commands.add_parser(
        "eval", help="how often each model answers a question set correctly, and at what cost"
    )
    quality.add_argument("--set", default="builtin", help="builtin, or a CSV file with prompt,expected,check")
    quality.add_argument("--model", action="append", default=[], metavar="REF[:key=value,...]")
    quality.add_argument("--json", action="store_true", help="one JSON object per answer, then the summary")
    quality.add_argument("--save", action="store_true", help="save every answer to the history")
    _settings_args(quality)
    return parser


def _print_models(as_json: bool) -> None:
    specs = builtin_models()
    if as_json:
        for spec in specs:
            print(json.dumps(spec.model_dump()))
        return
    for spec in specs:
        params = f"{spec.params_m:,.0f}M" if spec.params_m else "?"
        status = "available" if spec.available else f"unavailable: {spec.unavailable_reason}"
        print(f"{spec.key:26} {params:>7}  {spec.source:9} {spec.license:14} {status}")


def _format_summary(result: RunResult) -> str:
    if not result.ok:
        return f"error: {result.error}"
    parts = []
    for name, pattern in SUMMARY_FIELDS:
        value = getattr(result, name)
        if value is not None:
            parts.append(f"{name}={pattern.format(value)}")
    return ("stopped  " if result.stopped else "") + "  ".join(parts)


def _run_compare(args: argparse.Namespace) -> int:
    check_prompt(args.prompt)
    engine = Engine()
    lanes = parse_lanes(args.model, base_settings(args, engine))
    access = Access(http=http_limits(args))
    streaming = not args.json

    def on_event(event: TokenEvent | StatusEvent) -> None:
        if not streaming:
            return
        if isinstance(event, TokenEvent):
            sys.stdout.write(event.text)
            sys.stdout.flush()
        elif event.state == "prefill":
            print(f"\n== lane {event.lane}: {lanes[event.lane].ref}", flush=True)
        elif event.state == "error":
            print(f"\n== lane {event.lane}: {lanes[event.lane].ref}: error: {event.detail}")

    engine.admit(engine.problems(args.prompt, lanes))  # before anything is saved
    recorder = _recorder(engine, args, Saving("compare", args.prompt, meta={"mode": args.mode, "lanes": args.model}))
    results = engine.compare(args.prompt, lanes, access=access, mode=args.mode, on_event=on_event,
                             on_result=recorder)  # fmt: skip
    _report_saved(engine, recorder)
    if args.json:
        from inference_core.measure import result_record

        for result in results:
            print(json.dumps(finite_tree(result_record(result)), allow_nan=False))
    else:
        print("\n")
        for lane, result in zip(lanes, results, strict=True):
            print(f"{lane.ref}: {_format_summary(result)}")
    return 0 if any(r.ok for r in results) else 1


def _history(action: Callable[[], Any], what: str = "") -> Any:
    """Run a history action; a history that cannot be opened or a missing run is a UsageError."""
    from inference_core.history import BundleError, StoreError

    try:
        return action()
    except (StoreError, BundleError) as exc:
        raise UsageError(f"{what}{exc}") from None


def _recorder(engine: Engine, args: argparse.Namespace, saving: Saving) -> Any:
    """A recorder when ``--save`` was given, else None."""
    return _history(lambda: engine.recorder(saving)) if args.save else None


def _report_saved(engine: Engine, recorder: Any) -> None:
    if recorder is None:
        return
    for error in recorder.errors:
        print(f"warning: {error}", file=sys.stderr)
    if recorder.run_id is not None:
        print(f"saved as run {recorder.run_id} in {engine.history_where}", file=sys.stderr)


def _run_export(args: argparse.Namespace) -> int:
    check_writable(args.out, "--out")
    text = _history(lambda: Engine().export_bundle(args.run), "nothing exported: ")
    with open(args.out, "w", encoding="utf-8") as out:
        out.write(text)
    bundle = json.loads(text)
    print(f"{len(bundle['runs'])} run(s) written to {args.out}", file=sys.stderr)
    return 0


def _run_import(args: argparse.Namespace) -> int:
    from inference_core.history import MAX_BUNDLE_BYTES, BundleError

    try:
        raw = read_user_file(args.bundle, MAX_BUNDLE_BYTES, "the bundle")
        imported, present = _history(lambda: Engine().import_bundle(raw))
    except UserFileError as exc:
        raise UsageError(str(exc)) from None
    except BundleError as exc:
        raise UsageError(f"{args.bundle}: nothing imported: {exc}") from None
    print(f"imported {imported} run(s); {present} already present")
    return 0


def _run_estimate(args: argparse.Namespace) -> int:
    ref = f"local:{args.ref}" if os.path.isdir(args.ref) else args.ref
    try:
        settings = Settings(**capacity_cli.given_flags(args, dtype="dtype", quantize="quantize"))
        found = Engine.estimate(resolve_reference(ref), settings, context=args.context)
    except (ValueError, OSError) as exc:
        raise UsageError((str(exc).splitlines() or [type(exc).__name__])[0]) from None
    if args.json:
        print(json.dumps(found.to_dict()))
    else:
        print(found.summary())
    return 0 if found.verdict != "does-not-fit" else 3


def _traffic_options(args: argparse.Namespace) -> tuple[Any, str | None]:
    """The traffic options and the levels' text; UsageError when they do not fit the experiment."""
    from inference_core.experiments import OutputLengths, TrafficOptions
    from inference_core.price import LatencyObjective

    given = [f"--{n.replace('_', '-')}" for n in ("concurrency", "rate", "requests", "summary_out") if getattr(args, n)]
    if args.experiment != "traffic":
        if given:
            raise UsageError(f"{given[0]} applies to --experiment traffic")
        return None, args.lengths
    if args.rate and (args.concurrency or args.lengths):
        raise UsageError("give --rate or --concurrency, not both")
    objective = LatencyObjective(**capacity_cli.given_flags(args, ttft_s="ttft_slo", tpot_s="tpot_slo"))
    options = TrafficOptions(
        kind="rate" if args.rate else "concurrency",
        output_lengths=OutputLengths.parse(args.output_tokens),
        objective=objective,
        **capacity_cli.given_flags(args, requests="requests", time_limit_s="time_limit"),
    )
    return options, args.rate or args.concurrency or args.lengths


def _run_sweep(args: argparse.Namespace) -> int:
    from inference_core.experiments import DEFAULT_SETTINGS_VARIANTS, parse_levels, plan_sweep
    from inference_core.measure import fit_output_length

    for option in ("out", "summary_out"):
        if getattr(args, option):
            check_writable(getattr(args, option), f"--{option.replace('_', '-')}")
    access = Access(http=http_limits(args))
    engine = Engine()
    try:
        traffic, levels = _traffic_options(args)
        plan = plan_sweep(
            args.experiment,
            args.model,
            base=base_settings(args, engine),
            lengths=parse_levels(levels.split(","), whole=not args.rate) if levels else None,
            variants=args.setting or DEFAULT_SETTINGS_VARIANTS,
            repeats=engine.bounds("repeats")[2] if args.repeats is None else args.repeats,
            traffic=traffic,
        )
    except ValueError as exc:  # SweepError, LoadError, ModelReferenceError, bad settings
        raise UsageError(str(exc)) from None
    for note in plan.notes:
        print(f"note: {note}", file=sys.stderr)

    def progress(p) -> None:
        eta = f", about {p.eta_s:.0f} s left" if p.eta_s else ""
        print(f"[{p.done}/{p.total}] {p.current}{eta}", file=sys.stderr, flush=True)

    engine.admit(engine.sweep_problems(plan))  # before anything is saved
    meta = {"models": args.model, "repeats": plan.repeats}
    recorder = _recorder(engine, args, Saving.sweep(args.experiment, meta=meta))
    sweep = engine.sweep(plan, access=access, on_row=recorder)
    sweep.run(progress)
    _report_saved(engine, recorder)
    frame = sweep.frame().drop(columns=["text"])
    try:
        if args.out:
            frame.to_csv(args.out, index=False)
            print(f"{len(frame)} rows written to {args.out}", file=sys.stderr)
    except OSError as exc:  # checked before the run, but the disk can still fill up: the rows are not lost
        print(f"error: --out {args.out}: {exc.strerror}; the rows follow on standard output", file=sys.stderr)
        args.out = None
    if not args.out:
        sys.stdout.write(frame.to_csv(index=False))
    _write_levels(sweep.levels_frame(), args.summary_out)
    if args.experiment == "output-length":
        for fit in fit_output_length(sweep.frame()):
            print(f"{fit.model_name} · {fit.setting}: {fit.describe()}", file=sys.stderr)
    failed = [r for r in sweep.results if not r.ok]
    for result in failed:
        print(f"error: {result.model}: {result.error}", file=sys.stderr)
    return 1 if failed else 0


LEVEL_COLUMNS = ("model", "setting", "value", "completed", "failures", "ttft_p50_s", "tpot_p50_s",
                 "output_tok_per_s", "goodput_rps")  # fmt: skip


def _write_levels(levels: Any, path: str | None) -> None:
    """A traffic sweep's summary per level: to ``path`` as CSV, and a short table on standard error."""
    if levels.empty:
        return
    if path:
        levels.to_csv(path, index=False)
        print(f"{len(levels)} load levels written to {path}", file=sys.stderr)
    print(levels[list(LEVEL_COLUMNS)].to_string(index=False, float_format=lambda v: f"{v:.3g}"), file=sys.stderr)


def _questions(source: str) -> list:
    from inference_core.experiments import MAX_CSV_BYTES, QuestionError, builtin_questions, parse_questions

    try:
        if source == "builtin":
            return builtin_questions()
        return parse_questions(read_user_file(source, MAX_CSV_BYTES, "the question set"))
    except UserFileError as exc:
        raise UsageError(f"--set: {exc}") from None
    except QuestionError as exc:
        raise UsageError(f"--set {source}: {exc}") from None


def _run_eval(args: argparse.Namespace) -> int:
    from inference_core.experiments import eval_summary

    questions = _questions(args.set)
    engine = Engine()
    lanes = parse_lanes(args.model, base_settings(args, engine))
    engine.admit(engine.evaluation_problems(questions, lanes))  # before anything is saved
    recorder = _recorder(engine, args, Saving("eval", f"Quality: {args.set}", title=f"Quality: {args.set}",
                                              meta={"questions": len(questions), "models": args.model}))  # fmt: skip
    job = engine.evaluation(questions, lanes, on_row=recorder)
    rows = job.run(lambda p: print(f"[{p.done}/{p.total}] {p.current}", file=sys.stderr, flush=True))
    _report_saved(engine, recorder)
    summary = eval_summary(rows)
    if args.json:
        for row in rows:
            print(json.dumps(finite_tree(row), allow_nan=False))
        print(json.dumps({"summary": finite_tree(summary.to_dict("records"))}, allow_nan=False))
    else:
        sys.stdout.write(summary.to_string(index=False) + "\n")
    return 0


def _run_tour(args: argparse.Namespace) -> int:
    check_writable(args.out, "--out")
    engine = Engine()

    def said(chapter: Any) -> None:
        print(f"{chapter.chapter.claim}\n  {chapter.sentence}", file=sys.stderr, flush=True)

    results = engine.tour_job(quick=args.quick).run(on_chapter=said)
    run, errors = engine.save_tour(results, args.quick)
    for message in errors:
        print(f"not saved to the history: {message}", file=sys.stderr)
    page = engine.report(run)
    with open(args.out, "w", encoding="utf-8") as out:
        out.write(page)
    saved = "" if errors else f"; saved to the history as run {run.id}"
    print(f"report written to {args.out} ({len(page.encode()) / 2**20:.1f} MB, opens offline){saved}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers: dict[str, Any] = {
        "models": lambda a: _print_models(a.json) or 0,
        "compare": _run_compare,
        "sweep": _run_sweep,
        "estimate": _run_estimate,
        "export": _run_export,
        "import": _run_import,
        "eval": _run_eval,
        "tour": _run_tour,
        "estimate-capacity": lambda a: capacity_cli.run(a, Engine(), UsageError),
    }
    try:
        return handlers[args.command](args)
    except (UsageError, LimitError, OperatorError) as exc:  # a limit names the setting and its limit
        one_line = str(exc).replace("\r", "\\r").replace("\n", "\\n")  # user input may hold line breaks
        print(f"error: {one_line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
