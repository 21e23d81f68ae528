"""Process-wide resources, shared by every session through ``st.cache_resource``, and per-session access.

The engine is shared: each loaded model carries its own lock, and a cold model is loaded
once however many sessions ask for it. Keys are per session and passed per call.
"""

from __future__ import annotations

import logging

import streamlit as st

from inference_core import (
    Endpoint,
    EndpointError,
    KeyRing,
    OperatorError,
    OperatorSettings,
    builtin_models,
    operator_endpoints,
    operator_settings,
)
from inference_core.engine import Access, Engine, StoreError
from inference_core.types import ModelSpec, Settings
from ui import state
from ui.text import notice


@st.cache_resource(show_spinner=False)
def engine() -> Engine:
    """Shared by every session: the model pool, the history, and the operator's limits and cap on generations
    (read once, when the server makes its engine)."""
    limits, _ = _operator_settings()
    _log_to_stderr(limits.log_level)
    return Engine(secrets=_secrets(), limits=limits)


def _log_to_stderr(level: str) -> None:
    """The engine's log lines (model loads at INFO) on the server's standard error, once per process."""
    engine = logging.getLogger("inference_core")
    engine.setLevel(level)
    if not engine.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        engine.addHandler(handler)


def _operator_settings() -> tuple[OperatorSettings, str]:
    """The deployment's operator settings (environment or ``[inference_lens]`` secrets), or the defaults and why."""
    try:
        return operator_settings(_secrets()), ""
    except OperatorError as exc:
        return OperatorSettings(), str(exc)


def operator() -> OperatorSettings:
    """The operator's settings the engine holds; a bad setting is named on every page until the operator fixes it."""
    if error := _operator_settings()[1]:
        notice("error", f"{error}. Using the defaults until the operator fixes it.")
    return engine().limits


def refused(problems: list[str]) -> bool:
    """Say why a request goes past this deployment's limits (what the engine's ``problems``, ``sweep_problems`` or
    ``evaluation_problems`` found), one message each; True when it does (run nothing)."""
    for message in problems:
        notice("error", message)
    return bool(problems)


@st.cache_data(ttl=300, show_spinner=False)
def catalog() -> list[ModelSpec]:
    return builtin_models()


@st.cache_data(ttl=60, show_spinner="Checking which model sizes fit in memory...")
def size_ladder(dtype: str) -> list[str]:
    """References of the catalog's local models that fit here in ``dtype``, smallest first."""
    return [spec.key for spec in engine().size_ladder(catalog(), Settings(dtype=dtype))]


@st.cache_data(ttl=10, show_spinner=False)
def history_results() -> list:
    """This machine's finished lanes in the history's recent runs (what the Cost page starts from);
    none while the history cannot be read (the History page says why)."""
    try:
        return engine().history_results()
    except StoreError:
        return []


@st.cache_data(ttl=30, show_spinner=False)
def measured_speeds() -> dict[str, tuple[float, float]]:
    """Model -> (TTFT s, decode tok/s) measured on this machine in the history's recent runs."""
    try:
        return engine().measured_speeds()
    except StoreError:
        return {}


def history_unreadable(exc: Exception) -> None:
    """The history is down or misconfigured: say so (the message holds no address or password) and stop."""
    notice("error", f"The history cannot be read right now: {exc}", icon=":material/cloud_off:")
    st.stop()


@st.cache_data(ttl=60, show_spinner=False)
def ladder_fits() -> list[dict]:
    return engine().ladder_fits(catalog())


def model_choices() -> tuple[dict[str, str], list[str]]:
    """Display names by reference, and the references a picker offers: available catalog
    models, then the ones this session added."""
    specs = catalog()
    names = {spec.key: spec.name for spec in specs}
    choices = [spec.key for spec in specs if spec.available] + st.session_state[state.CUSTOM_MODELS]
    return names, list(dict.fromkeys(choices))


def _secrets() -> dict:
    """Streamlit secrets as a plain dict; empty when the app has none."""
    try:
        return dict(st.secrets)
    except Exception:  # no secrets.toml: nothing configured by an operator
        return {}


def operator_endpoint_list() -> list[Endpoint]:
    try:
        return operator_endpoints(_secrets())
    except (EndpointError, KeyError, TypeError) as exc:
        notice("error", f"The operator's endpoint configuration is invalid: {exc}")
        return []


def session_access() -> Access:
    """This session's keys (operator keys for operator URLs, the user's for theirs) and endpoint policy.

    Built per run and never cached, so no session's key reaches another session.
    """
    session = st.session_state.get(state.ENDPOINTS, [])
    return Access(keys=KeyRing([*operator_endpoint_list(), *session]),
                  allow_private_endpoints=operator().allow_private_endpoints)  # fmt: skip


def engine_problem(name: str) -> str:
    """Why an engine cannot run on this server ("" when it can), with the command that installs it."""
    return engine().engine_problem(name)
