"""Endpoint safety: address ranges, DNS rebinding, and keys redacted from whatever a server echoes."""

from __future__ import annotations

import json
import socket

import pytest

from inference_core.backends import BackendContext, HttpLimits
from inference_core.history.store import RunRecorder, RunStore
from inference_core.models import endpoints
from inference_core.models.endpoints import Endpoint, EndpointError, KeyRing, Secret, check_base_url
from inference_core.runs.lanes import Lane
from inference_core.runs.runner import compare
from inference_core.types import Settings, StatusEvent, TokenEvent
from tests.backends.fault_server import FaultServer

GREEDY = Settings(max_new_tokens=16)
LIMITS = HttpLimits(connect_s=1, read_s=1, deadline_s=3, retries=0)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://100.64.0.1/v1", "non-public"),  # carrier-grade NAT (shared address space)
        ("http://100.100.100.200/latest", "non-public"),  # a cloud metadata address inside it
        ("http://[2002:7f00:1::]/v1", "tunnelled"),  # 6to4 carrying 127.0.0.1
        ("http://[2002:a00:1::]/v1", "tunnelled"),  # 6to4 carrying 10.0.0.1
        ("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/v1", "tunnelled"),  # Teredo
        ("http://[fec0::1]/v1", "site-local"),
        ("http://[64:ff9b::7f00:1]/v1", "loopback"),  # NAT64 carrying 127.0.0.1
        ("http://[::ffff:169.254.169.254]/v1", "link-local"),
        ("http://198.18.0.1/v1", "non-public|private"),  # benchmarking range
        ("http://[fd00::1]/v1", "private"),
    ],
)
def test_every_address_that_is_not_globally_routable_is_refused(url, message):
    with pytest.raises(EndpointError, match=message):
        check_base_url(url, allow_private=False)


def test_a_public_address_passes_and_is_pinned():
    fake_dns = lambda *args, **kwargs: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443))]  # noqa: E731
    checked = check_base_url("https://api.example.com/v1/", allow_private=False, resolve=fake_dns)
    assert checked.base_url == "https://api.example.com/v1"
    assert checked.host == "api.example.com" and checked.address == "93.184.216.34"


@pytest.fixture
def rebinding(monkeypatch):
    """Two servers on one port: 127.0.0.2 plays a public host, 127.0.0.1 the private target a
    rebinding resolver answers once the check has passed."""
    public = FaultServer(host="127.0.0.2").start()
    private = FaultServer(host="127.0.0.1", port=public.port).start()
    real = socket.getaddrinfo
    answers: list[str] = []

    def resolver(host, port, *args, **kwargs):
        if host != "rebind.test":
            return real(host, port, *args, **kwargs)
        answers.append("127.0.0.2" if not answers else "127.0.0.1")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[-1], port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    monkeypatch.setattr(endpoints, "_blocked", lambda address: "loopback" if address == "127.0.0.1" else None)
    yield public.port, answers
    public.stop()
    private.stop()


def test_dns_rebinding_cannot_redirect_a_checked_request(context, rebinding):
    port, answers = rebinding
    private_context = BackendContext(pool=context.pool, allow_private_endpoints=False, http=LIMITS)
    [result] = compare("Hi", [Lane(f"openai:m@http://rebind.test:{port}/ok/v1", GREEDY)], context=private_context)
    assert result.ok, result.error
    assert answers == ["127.0.0.2"]  # resolved once, by the check; the connection used that address
    # A resolver that answers the private address first is refused outright.
    [refused] = compare("Hi", [Lane(f"openai:m@http://rebind.test:{port}/ok/v1", GREEDY)], context=private_context)
    assert not refused.ok and "loopback" in refused.error


@pytest.mark.parametrize("fault", ["echo-key-401", "echo-key-stream"])
def test_a_key_a_server_echoes_back_is_redacted_everywhere(context, fault_server, tmp_path, fault):
    canary = "sk-canary-2b8e6d4f0a"
    url = fault_server.url(fault)
    ring = KeyRing([Endpoint("mine", url, "m", api_key=Secret(canary))])
    store = RunStore(tmp_path / "runs.sqlite3")
    recorder = RunRecorder(store, "compare", "Hi")
    events: list[TokenEvent | StatusEvent] = []
    [result] = compare(
        "Hi", [Lane(f"openai:m@{url}", GREEDY)], on_event=events.append, on_result=recorder,
        context=BackendContext(pool=context.pool, allow_private_endpoints=True, http=LIMITS, keys=ring),
    )  # fmt: skip
    assert not result.ok and "***" in result.error, result.error
    shown = json.dumps(result.model_dump(mode="json"), default=str) + repr(events) + json.dumps(store.export_bundle())
    assert canary not in shown and canary[3:] not in shown
    for file in tmp_path.glob("runs.sqlite3*"):
        assert canary.encode() not in file.read_bytes()


def test_redact_hides_bearer_tokens_and_sk_keys_it_does_not_hold():
    ring = KeyRing([Endpoint("x", "https://api.example.com/v1", "m", api_key=Secret("plain-secret-value"))])
    text = "got Bearer abc.def-123 and sk-proj-XYZ987654 and plain-secret-value"
    assert ring.redact(text) == "got Bearer *** and sk-*** and ***"
