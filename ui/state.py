"""Session-state keys (declared once), initialisation, and the share link.

The share link keeps the prompt, the lanes (``REF[:key=value,...]``, the CLI's syntax)
and the mode in the URL's query string; opening it restores them without running.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from inference_core import (
    DEFAULT_UTILIZATION,
    default_hourly_usd,
    format_lane,
    lane_settings,
    load_user_catalog,
    split_lane,
)
from inference_core.types import MachinePrice, Settings, TransformersLoad

PROMPT = "prompt"
LANE_IDS = "lane_ids"
NEXT_LANE_ID = "next_lane_id"
MODE = "mode"
RESULTS = "compare_results"
RESULTS_PROMPT = "compare_results_prompt"
RESULTS_RUN_ID = "compare_results_run_id"
"""The saved run of the last comparison (its ?run= link)."""
JOB = "compare_job"
REPLAY_JOB = "replay_job"
COST_JOB = "cost_job"
SWEEP_JOB = "sweep_job"
SWEEP_ROWS = "sweep_rows"
SWEEP_EXPERIMENT = "sweep_experiment"
SWEEP_ENVIRONMENT = "sweep_environment"
SWEEP_RESULTS = "sweep_results"
SWEEP_LEVELS = "sweep_levels"
COST_RESULTS = "cost_results"
SAVE_ERRORS = "save_errors"
ENDPOINTS = "endpoints"
UNLOAD_AFTER = "unload_after"
HOURLY_USD = "hourly_usd"
UTILIZATION_PCT = "utilization_pct"
CUSTOM_MODELS = "custom_models"
LINK_ERRORS = "link_errors"
_LINK_LOADED = "_link_loaded"

DEFAULT_UTILIZATION_PCT = round(DEFAULT_UTILIZATION * 100)
"""The engine's default utilization (``DEFAULT_UTILIZATION``: why 50%), as the sidebar's percent."""
LANE_FIELDS = (
    "model",
    "engine",
    "dtype",
    "int8",
    "max_new_tokens",
    "temperature",
    "seed",
    "attention",
    "cache",
    "compile",
    "decoder",
    "threads",
)
DEFAULT_LANES = (("smollm2-135m-instruct", {}), ("gemma3-270m", {}))
"""Two different embedded models (135M and 270M parameters), streaming at once: the point shows in seconds."""


def _engine() -> Any:
    from ui.resources import engine  # resources reads this module's keys

    return engine()


def default_settings() -> Settings:
    """The engine's defaults, within this deployment's limits."""
    return _engine().default_settings()


def max_lanes() -> int:
    return _engine().limits.max_lanes


def lane_key(lane_id: int, field: str) -> str:
    return f"lane{lane_id}.{field}"


@dataclass(frozen=True)
class LaneInput:
    """A lane as the widgets hold it: a reference and settings, or why they are invalid."""

    lane_id: int
    ref: str
    settings: Settings | None
    error: str = ""

    def link_value(self) -> str:
        return format_lane(self.ref, self.settings or default_settings(), default_settings())


def _set_lane_widgets(lane_id: int, ref: str, settings: Settings) -> None:
    """The editor's widgets showing these settings (a llama.cpp lane's transformers widgets at their defaults)."""
    values = {**TransformersLoad().model_dump(), **settings.flat(), "model": ref, "threads": settings.threads or 0}
    values.update(int8=values["quantize"] == "int8", temperature=float(settings.temperature))
    for field in LANE_FIELDS:
        st.session_state[lane_key(lane_id, field)] = values[field]


def add_lane(ref: str, settings: Settings) -> None:
    if len(st.session_state[LANE_IDS]) >= max_lanes():
        return
    lane_id = st.session_state[NEXT_LANE_ID]
    st.session_state[NEXT_LANE_ID] = lane_id + 1
    st.session_state[LANE_IDS] = [*st.session_state[LANE_IDS], lane_id]
    _set_lane_widgets(lane_id, ref, settings)
    custom = st.session_state[CUSTOM_MODELS]
    if ref not in custom and ":" in ref:
        custom.append(ref)


def remove_lane(lane_id: int) -> None:
    st.session_state[LANE_IDS] = [i for i in st.session_state[LANE_IDS] if i != lane_id]


def lane_inputs() -> list[LaneInput]:
    """The current lanes, read from their widgets' state."""
    lanes = []
    for lane_id in st.session_state[LANE_IDS]:
        value = {f: st.session_state.get(lane_key(lane_id, f)) for f in LANE_FIELDS}
        ref = (value["model"] or "").strip()
        try:
            lanes.append(LaneInput(lane_id, ref, _settings(value)))
        except ValueError as exc:
            lanes.append(LaneInput(lane_id, ref, None, str(exc)))
    return lanes


def _settings(value: dict[str, Any]) -> Settings:
    """A lane's settings from its widgets' values (the schema checks them)."""
    chosen = {"engine": value["engine"] or "transformers", "temperature": float(value["temperature"] or 0.0),
              "max_new_tokens": int(value["max_new_tokens"] or default_settings().max_new_tokens),
              "seed": int(value["seed"] or 0), "threads": int(value["threads"] or 0) or None}  # fmt: skip
    if chosen["engine"] == "transformers":  # llama.cpp runs the file's own quantization: the rest do not apply
        chosen.update({field: value[field] for field in ("dtype", "attention", "cache", "decoder") if value[field]},
                      quantize="int8" if value["int8"] else "none", compile=bool(value["compile"]))  # fmt: skip
    return default_settings().replace(**chosen)


def _load_link() -> None:
    """Restore prompt, lanes and mode from the query string (once per session)."""
    params = st.query_params
    errors: list[str] = []
    if params.get("prompt"):
        st.session_state[PROMPT] = params["prompt"]
    if params.get("mode") in ("sequential", "race"):
        st.session_state[MODE] = params["mode"]
    lanes = params.get_all("lane")[: max_lanes()]
    for text in lanes:
        try:
            ref, overrides = split_lane(text)
            add_lane(ref, lane_settings(default_settings(), overrides))
        except ValueError as exc:
            errors.append(f"lane {text[:200]!r} in the link was skipped: {exc}")
    if not st.session_state[LANE_IDS]:
        for ref, changes in DEFAULT_LANES:
            add_lane(ref, default_settings().replace(**changes))
    st.session_state[LINK_ERRORS] = errors


PAGES = (
    ("tour", "Tour", ":material/route:", "Why does AI still cost money after training?"),
    ("compare", "Compare", ":material/compare:", "Which answer, how fast, at what price?"),
    ("experiments", "Experiments", ":material/science:", "How do time and price grow, and with what?"),
    ("cost", "Cost", ":material/payments:", "What does it cost, and how many machines?"),
    ("quality", "Tokens & quality", ":material/fact_check:", "What does it read, how sure, how often right?"),
    ("history", "History", ":material/history:", "What was measured before, and what does it add up to?"),
    ("models", "Models", ":material/memory:", "What can run here, and will it fit?"),
)
"""The app's pages, in menu order: ``pages/<name>.py`` is served at ``/<name>`` under its short label, and its
heading asks the question it answers; the first is the landing page."""
PAGE_PATHS = tuple(name for name, *_ in PAGES)
PAGES_DIR = Path(__file__).resolve().parents[1] / "pages"
ROUTED = "_routed"
"""Set by the router on every run, taken by the page it runs: a page that finds it missing was run without it."""
RUN_ALONE = "_run_alone"
"""True in a session that runs one page on its own, without the router (the pages' tests)."""


def page(name: str) -> st.Page:
    """One of ``PAGES``, by its file name (absolute, so it also resolves when a page runs on its own)."""
    [(title, icon)] = [(title, icon) for key, title, icon, _ in PAGES if key == name]
    return st.Page(PAGES_DIR / f"{name}.py", title=title, icon=icon, default=name == PAGES[0][0])


def heading(name: str) -> str:
    """A page's heading: the question it answers (its menu label names it)."""
    [text] = [question for key, _, _, question in PAGES if key == name]
    return text


def pages() -> list[st.Page]:
    return [page(name) for name in PAGE_PATHS]


def _go_through_the_router() -> None:
    """Rerun a page that Streamlit ran without the router (``app.py``) so that the rerun goes through it.

    Streamlit serves the scripts of a ``pages/`` folder beside the entry script as a legacy multipage app until
    some session calls ``st.navigation``; then "your app will ignore the ``pages/`` directory (across all
    sessions)" (``st.navigation``'s documentation). So on a fresh server the first request for ``/experiments``
    runs ``pages/experiments.py`` alone: no sidebar, no wide layout, the legacy menu. Such a page calls
    ``st.navigation`` with the app's pages itself and reruns: the rerun keeps the URL path and the query string,
    runs ``app.py`` and so opens the page through the router. Public API only (``st.navigation``, ``st.rerun``).
    Once: a page whose rerun does not reach the router either (it is the entry script itself) then runs alone.
    """
    if st.session_state.pop(ROUTED, False) or st.session_state.get(RUN_ALONE):
        return
    st.session_state[RUN_ALONE] = True  # until the router runs: no second rerun if it never does
    st.navigation(pages(), position="hidden")
    st.rerun()


def init_state(router: bool = False) -> None:
    """Idempotent: the router and every page call it, so each page also runs on its own."""
    if router:
        st.session_state[ROUTED] = True
        st.session_state.pop(RUN_ALONE, None)
    else:
        _go_through_the_router()
    defaults = {
        PROMPT: "",
        LANE_IDS: [],
        NEXT_LANE_ID: 0,
        MODE: "race",
        RESULTS: [],
        RESULTS_PROMPT: "",
        RESULTS_RUN_ID: None,
        HOURLY_USD: default_hourly_usd(),
        UTILIZATION_PCT: DEFAULT_UTILIZATION_PCT,
        CUSTOM_MODELS: [],
        LINK_ERRORS: [],
        SWEEP_ROWS: [],
        SWEEP_EXPERIMENT: "",
        SWEEP_ENVIRONMENT: {},
        SWEEP_RESULTS: [],
        SWEEP_LEVELS: [],
        COST_RESULTS: [],
        SAVE_ERRORS: [],
        ENDPOINTS: [],
        UNLOAD_AFTER: False,
    }
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)
    if "_user_catalog_loaded" not in st.session_state:
        st.session_state["_user_catalog_loaded"] = True
        for ref in load_user_catalog():
            if ref not in st.session_state[CUSTOM_MODELS]:
                st.session_state[CUSTOM_MODELS].append(ref)
    if not st.session_state.get(_LINK_LOADED):
        st.session_state[_LINK_LOADED] = True
        _load_link()


def keep_widget_values() -> None:
    """Widget values vanish when their page is not shown; re-assigning them keeps them.

    Called once per run by the router, before any widget is drawn."""
    keys = [PROMPT, MODE, HOURLY_USD, UTILIZATION_PCT]
    keys += [lane_key(i, f) for i in st.session_state[LANE_IDS] for f in LANE_FIELDS]
    for key in keys:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def app_address() -> str:
    """The app's own address (scheme, host and path), without any query string."""
    return (st.context.url or "").split("?")[0]


def setup_link(lanes: list[LaneInput]) -> str:
    """The link that reopens this prompt, these lanes and this mode (without running them)."""
    from urllib.parse import urlencode

    query = {"prompt": st.session_state[PROMPT], "lane": [lane.link_value() for lane in lanes if lane.ref],
             "mode": st.session_state[MODE]}  # fmt: skip
    return f"{app_root()}/compare?{urlencode({k: v for k, v in query.items() if v}, doseq=True)}"


def app_root() -> str:
    """The app's address without its page's path: where the landing page is."""
    address = app_address().rstrip("/")
    head, _, last = address.rpartition("/")
    return head if last in PAGE_PATHS else address


RUN_ID = re.compile(r"[0-9a-f]{32}")
"""What a saved run's id looks like in a link (anything else names no run: the history is not asked)."""


def run_link(run_id: str) -> str:
    """The link that opens a saved run (answers, figures, charts) on the Compare page, running nothing."""
    return f"{app_root()}/compare?run={run_id}"


def tour_link(run_id: str) -> str:
    """The link that opens a saved tour on the landing page (the Tour), running nothing."""
    return f"{app_root()}/?tour={run_id}"


def save_link(lanes: list[LaneInput]) -> None:
    """Mirror the current prompt, lanes and mode into the query string."""
    wanted = {
        "prompt": st.session_state[PROMPT],
        "lane": [lane.link_value() for lane in lanes if lane.ref],
        "mode": st.session_state[MODE],
    }
    current = {"prompt": st.query_params.get("prompt", ""), "lane": st.query_params.get_all("lane"),
               "mode": st.query_params.get("mode", "race")}  # fmt: skip
    if current != wanted:
        st.query_params.from_dict({k: v for k, v in wanted.items() if v})


def machine_price() -> MachinePrice:
    """The machine the sidebar prices runs on: its $ per hour and utilization."""
    return MachinePrice(hourly_usd=st.session_state[HOURLY_USD], utilization=st.session_state[UTILIZATION_PCT] / 100)
