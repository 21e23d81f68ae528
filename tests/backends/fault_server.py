"""A fault-injecting OpenAI-compatible server on loopback (for fault cases only).

Each fault lives under its own base URL: ``http://127.0.0.1:PORT/<fault>/v1``. Every
connection is bounded in time; the server stops with the test session.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_HOLD_S = 20.0  # no fault keeps a connection longer than this


def chunk(content: str | None = None, finish: str | None = None) -> bytes:
    delta = {"content": content} if content is not None else {}
    body = {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(body)}\n\n".encode()


HAPPY = chunk("Hello") + chunk(" there") + chunk(finish="stop") + b"data: [DONE]\n\n"


class FaultHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen_auth: list[tuple[str, str | None]] = []  # noqa: RUF012 - shared record of headers received

    def log_message(self, *args: object) -> None:  # keep test output quiet
        return None

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream_headers(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        fault = self.path.strip("/").split("/")[0]
        FaultHandler.seen_auth.append((fault, self.headers.get("Authorization")))
        started = time.monotonic()
        if fault == "silent":
            while time.monotonic() - started < MAX_HOLD_S and not self.server.closing.is_set():
                time.sleep(0.05)
            return
        if fault == "trickle":
            self._stream_headers()
            while time.monotonic() - started < MAX_HOLD_S and not self.server.closing.is_set():
                try:
                    self.wfile.write(b": keep-alive\n")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.2)
            return
        if fault == "no-pinning" and b"min_tokens" in body:  # a server without vLLM's pinning fields
            self._json(400, {"error": {"message": "Unexpected fields: min_tokens, ignore_eos", "type": "test"}})
            return
        if fault in ("ok", "echo-auth", "no-pinning"):
            self._stream_headers()
            self.wfile.write(HAPPY)
            return
        if fault == "logprobs":  # OpenAI's logprobs.content per chunk (one malformed entry, skipped)
            self._stream_headers()
            for text, logprob in (("Hello", -0.1), (" there", -1.5)):
                top = [{"token": text, "logprob": logprob}, {"token": "<b>", "logprob": logprob - 1}]
                body = {
                    "choices": [
                        {
                            "index": 0,
                            "delta": {"content": text},
                            "finish_reason": None,
                            "logprobs": {
                                "content": [{"token": text, "logprob": logprob, "top_logprobs": top}, {"logprob": "x"}]
                            },
                        }
                    ]
                }
                self.wfile.write(f"data: {json.dumps(body)}\n\n".encode())
            self.wfile.write(chunk(finish="stop") + b"data: [DONE]\n\n")
            return
        if fault == "timings":  # llama.cpp's server reports its own timings in the last chunk
            self._stream_headers()
            last = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                    "timings": {"prompt_ms": 42.5, "predicted_ms": 80.0}}  # fmt: skip
            self.wfile.write(chunk("Hello") + chunk(" there") + f"data: {json.dumps(last)}\n\n".encode())
            return
        if fault == "split":  # valid events cut at awkward places across writes
            self._stream_headers()
            for start in range(0, len(HAPPY), 7):
                self.wfile.write(HAPPY[start : start + 7])
                self.wfile.flush()
                time.sleep(0.005)
            return
        if fault == "malformed":
            self._stream_headers()
            self.wfile.write(chunk("Hi") + b"data: {this is not json\n\n")
            return
        if fault == "error-object":
            self._stream_headers()
            self.wfile.write(
                chunk("Hi") + b'data: {"error": {"message": "model overloaded", "type": "server_error"}}\n\n'
            )
            return
        if fault == "no-done":
            self._stream_headers()
            self.wfile.write(chunk("Hi") + chunk(" there"))
            return
        if fault == "html":
            page = b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"
            self.send_response(502)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        if fault == "wrong-types":  # content that is not a string
            self._stream_headers()
            self.wfile.write(chunk("Hi") + b'data: {"choices": [{"index": 0, "delta": {"content": 42}}]}\n\n')
            return
        if fault == "bad-choices":
            self._stream_headers()
            self.wfile.write(chunk("Hi") + b'data: {"choices": "nope"}\n\n')
            return
        if fault == "close-mid":  # breaks off after two chunks, no finish_reason, no [DONE]
            self._stream_headers()
            self.wfile.write(chunk("Hi") + chunk(" there"))
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault in ("endless", "slow"):  # never finishes: fast chunks, or one every 0.3 s
            self._stream_headers()
            pause = 0.3 if fault == "slow" else 0.0
            while time.monotonic() - started < MAX_HOLD_S and not self.server.closing.is_set():
                try:
                    self.wfile.write(chunk("la "))
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(pause)
            return
        if fault == "echo-key-401":  # a careless server that quotes the key back
            self._json(401, {"error": {"message": f"invalid key: {self.headers.get('Authorization')}"}})
            return
        if fault == "echo-key-stream":
            self._stream_headers()
            error = {"error": {"message": f"rejected {self.headers.get('Authorization')} mid-stream"}}
            self.wfile.write(chunk("Hi") + f"data: {json.dumps(error)}\n\n".encode())
            return
        if fault == "huge-token":  # one 10 MB chunk after a normal one
            self._stream_headers()
            self.wfile.write(chunk("Hi") + chunk("x" * 10 * 2**20) + chunk(finish="stop") + b"data: [DONE]\n\n")
            return
        if fault == "bad-usage":  # a usage block whose counts are not numbers
            self._stream_headers()
            usage = {"choices": [], "usage": {"prompt_tokens": "lots", "completion_tokens": 2}}
            self.wfile.write(HAPPY[: -len(b"data: [DONE]\n\n")] + f"data: {json.dumps(usage)}\n\n".encode()
                             + b"data: [DONE]\n\n")  # fmt: skip
            return
        if fault == "bad-logprobs":  # impossible values and 10,000 alternatives however many were asked for
            self._stream_headers()
            crowd = [{"token": f"t{i}", "logprob": -1.0 - i / 1e4} for i in range(10_000)]
            for text, logprob in (("Hello", 5.0), (" there", -0.5), ("!", 1e308)):
                content = [{"token": text, "logprob": logprob, "top_logprobs": crowd}]
                body = {"choices": [{"index": 0, "delta": {"content": text}, "logprobs": {"content": content}}]}
                self.wfile.write(f"data: {json.dumps(body)}\n\n".encode())
            self.wfile.write(chunk(finish="stop") + b"data: [DONE]\n\n")
            return
        if fault == "a-then-b":  # what a backtracking grader chokes on: forty a, then b
            self._stream_headers()
            self.wfile.write(b"".join(chunk("a") for _ in range(40)) + chunk("b") + chunk(finish="stop")
                             + b"data: [DONE]\n\n")  # fmt: skip
            return
        if fault.isdigit():
            self._json(int(fault), {"error": {"message": f"fault {fault}", "type": "test"}})
            return
        self._json(404, {"error": {"message": "unknown fault"}})


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), FaultHandler)
        self.closing = threading.Event()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self, fault: str) -> str:
        return f"http://127.0.0.1:{self.port}/{fault}/v1"

    def start(self) -> FaultServer:
        threading.Thread(target=self.serve_forever, name="fault-server", daemon=True).start()
        return self

    def stop(self) -> None:
        self.closing.set()
        self.shutdown()
        self.server_close()


def closed_port() -> int:
    """A loopback port with nothing listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
