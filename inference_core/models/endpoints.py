"""OpenAI-compatible endpoints: URL safety, operator configuration and API keys.

Keys are held in :class:`Secret` objects whose ``repr``/``str`` never show the value, and
an operator's key is only ever sent to the exact base URL the operator configured it for.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

ALLOW_PRIVATE_ENV = "INFERENCE_LENS_ALLOW_PRIVATE_ENDPOINTS"
# Credentials a server may echo back: "Bearer <token>", OpenAI/Anthropic-style "sk-..." keys.
_TOKEN_SHAPES = re.compile(r"(Bearer\s+|\bsk-)[A-Za-z0-9._~+/=-]{4,}", re.IGNORECASE)
ENDPOINTS_ENV = "INFERENCE_LENS_ENDPOINTS"


class EndpointError(ValueError):
    """A base URL or endpoint that must not or cannot be used; the message is for the user."""


class Secret:
    """A value that never appears in reprs, logs, exceptions or pickles."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("secrets are not picklable")

    def __bool__(self) -> bool:
        return bool(self._value)


def allow_private_default(secrets: Mapping[str, Any] | None = None) -> bool:
    """The operator setting, from Streamlit secrets or the environment."""
    from inference_core.operator import operator_settings

    return operator_settings(secrets).allow_private_endpoints


def normalize_base_url(url: str) -> str:
    """Scheme and host lower-cased, no trailing slash: the form keys are matched on."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}"


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, IPv4-compatible or NAT64), if any."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip in _NAT64 or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _blocked(address: str) -> str | None:
    """Why an address is not a public one (None when it is globally routable)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.sixtofour is not None or ip.teredo is not None:
            return "tunnelled (6to4 or Teredo)"
        if ip.is_site_local:
            return "site-local"
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            ip = embedded
    for label, test in (
        ("loopback", ip.is_loopback), ("link-local (cloud metadata lives here)", ip.is_link_local),
        ("unspecified", ip.is_unspecified), ("multicast", ip.is_multicast), ("reserved", ip.is_reserved),
        ("private", ip.is_private), ("non-public", not ip.is_global),
    ):  # fmt: skip
        if test:
            return label
    return None


@dataclass(frozen=True)
class CheckedUrl:
    """An endpoint URL that passed the checks, and the address that was checked.

    ``address`` is where to connect (the host is never resolved again, so a resolver
    cannot answer a public address to the check and a private one to the connection);
    None when private endpoints are allowed and ordinary resolution is fine.
    """

    base_url: str
    host: str
    address: str | None = None


def url_parts(url: str) -> tuple[Any, int]:
    """What can be told of an endpoint URL without connecting: (its parts, its port), else EndpointError.

    Parsable, http or https, a host, a port in 1..65535, no credentials in it."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise EndpointError(f"invalid endpoint URL {url!r}: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise EndpointError(f"only http and https endpoints are allowed, got {parts.scheme or 'no scheme'!r}")
    if not parts.hostname:
        raise EndpointError(f"the endpoint URL has no host: {url!r}")
    if parts.username or parts.password:
        raise EndpointError("put API keys in the key field, not in the URL")
    if parts.port == 0:
        raise EndpointError(f"invalid endpoint URL {url!r}: port 0")
    return parts, port


def check_base_url(url: str, *, allow_private: bool, resolve: Callable[..., Any] | None = None) -> CheckedUrl:
    """The normalized URL and the address to use, else EndpointError.

    The URL's shape (``url_parts``), then every address the host resolves to must be
    globally routable unless the operator allows private endpoints.
    """
    parts, port = url_parts(url)
    if allow_private:
        return CheckedUrl(normalize_base_url(url), parts.hostname)
    try:
        infos = (resolve or socket.getaddrinfo)(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise EndpointError(f"cannot resolve {parts.hostname}: {exc}") from None
    if not infos:
        raise EndpointError(f"cannot resolve {parts.hostname}: no address")
    for info in infos:
        reason = _blocked(info[4][0])
        if reason:
            raise EndpointError(
                f"{parts.hostname} resolves to a {reason} address ({info[4][0]}); private endpoints are off here "
                f"(an operator can allow them with {ALLOW_PRIVATE_ENV}=1)"
            )
    return CheckedUrl(normalize_base_url(url), parts.hostname, infos[0][4][0])


@dataclass(frozen=True)
class Endpoint:
    """A named OpenAI-compatible endpoint; ``operator`` ones come from secrets or the environment."""

    name: str
    base_url: str
    model: str
    api_key: Secret | None = field(default=None, repr=False, compare=False)
    operator: bool = False

    @property
    def ref(self) -> str:
        return f"openai:{self.model}@{self.base_url}"


def operator_endpoints(secrets: Mapping[str, Any] | None = None) -> list[Endpoint]:
    """Endpoints an operator configured: ``[[endpoints]]`` in Streamlit secrets, or the
    ``INFERENCE_LENS_ENDPOINTS`` JSON list (keys named by ``api_key_env``)."""
    entries: list[Mapping[str, Any]] = list((secrets or {}).get("endpoints", []) or [])
    raw = os.environ.get(ENDPOINTS_ENV)
    if raw:
        try:
            entries += json.loads(raw)
        except ValueError as exc:
            raise EndpointError(f"{ENDPOINTS_ENV} is not valid JSON: {exc}") from None
    endpoints = []
    for entry in entries:
        key = entry.get("api_key") or os.environ.get(str(entry.get("api_key_env", "")), "")
        endpoint = Endpoint(
            name=str(entry["name"]),
            base_url=normalize_base_url(str(entry["base_url"])),
            model=str(entry["model"]),
            api_key=Secret(key) if key else None,
            operator=True,
        )
        endpoints.append(endpoint)
    return endpoints


class KeyRing:
    """API keys by exact (normalized) base URL: operator keys for operator URLs, session keys for the user's."""

    def __init__(self, endpoints: list[Endpoint] | None = None) -> None:
        self._keys: dict[str, Secret] = {}
        for endpoint in endpoints or []:
            if endpoint.api_key:
                self._keys[normalize_base_url(endpoint.base_url)] = endpoint.api_key

    def key_for(self, base_url: str) -> Secret | None:
        return self._keys.get(normalize_base_url(base_url))

    def redact(self, text: str) -> str:
        """Text with every key of this ring, and anything shaped like a bearer token, replaced by ***."""
        for secret in self._keys.values():
            value = secret.reveal()
            if len(value) >= 4:
                text = text.replace(value, "***")
        return _TOKEN_SHAPES.sub(lambda match: f"{match.group(1)}***", text)

    def __repr__(self) -> str:
        return f"KeyRing({len(self._keys)} key(s))"
