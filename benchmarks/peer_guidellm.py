"""The traffic experiment against a real serving engine, beside a peer load generator (GuideLLM): a reported
comparison, not a test (until the cross-check feature gives it a home in the app).

    bash scripts/install_peers.sh            # GuideLLM, pinned in requirements-peers.txt
    .venv/bin/python -m benchmarks.peer_guidellm [--out peer.json]

``transformers serve --continuous-batching`` runs on loopback; our load level and GuideLLM's
concurrent profile each send the same 12 prompts, alternately, and the script prints their TTFT
and inter-token latency medians and ratios (within 10% is agreement). One request in flight, because what is
compared is the two clients' timing of the same server: with several in flight, which request
joins which decode step moved the medians by up to 16% between runs on two shared cores (the
experiment's batching figures at 4 in flight are in BENCHMARKS.md).

GuideLLM's per-request "inter token latency" is (latency - TTFT) / (output tokens - 1), what vLLM's
benchmark and this experiment call TPOT; the experiment's ITL pools every gap between chunks. So
the like-for-like pair is our TPOT median against GuideLLM's per-request ITL median; the
pooled-gap ITL is recorded beside it.

Two shared cores make both clients noisy: the two are alternated twice, and up to twice more while
they disagree, judged by the median of every round's ratio so far (each round's figures, and how
busy the cores were during it, go to ``--out``). GuideLLM runs in its own session and is killed
with its workers and run again if it has not finished in three minutes (it timed out in full runs
while the server's paged KV cache, sized by the server itself, held most of the machine's memory).

GuideLLM is the peer because it installs from the package index and runs here (vLLM's benchmark
client needs the vLLM package and a GPU; llmperf is not on the index). Its defaults start up to
10 worker processes that poll every 0.1 ms: on two cores they take CPU from the server they
measure, so it runs with one worker polling every 5 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from inference_core.backends import BackendContext
from inference_core.experiments.traffic import TRAFFIC_PROMPTS, Load, run_level
from inference_core.models.catalog import resolve_reference
from inference_core.models.weights import convert_gguf
from inference_core.price.goodput import LatencyObjective, level_summary
from inference_core.runs.lanes import Lane
from inference_core.types import Settings
from tests.conftest import transformers_serve

CONCURRENCY, REQUESTS, MAX_TOKENS = 1, 12, 32
ROUNDS, MAX_ROUNDS, PEER_TIMEOUT_S, TOLERANCE = 2, 4, 180, 0.10
PEER_ENV = {"GUIDELLM__MAX_WORKER_PROCESSES": "1", "GUIDELLM__DEFAULT_ASYNC_LOOP_SLEEP": "0.005"}


def _ours(lane: Lane, context: BackendContext) -> dict:
    level = run_level(lane, Load("concurrency", CONCURRENCY, REQUESTS), context)
    row = level_summary([r.result for r in level.records], level.duration_s, LatencyObjective())
    return {key: row[key] for key in ("completed", "failures", "ttft_p50_s", "tpot_p50_s", "itl_p50_s")}


def _guidellm(url: str, model: Path, folder: Path) -> dict:
    data, out = folder / "prompts.json", folder / "guidellm.json"
    data.write_text(json.dumps([{"prompt": prompt} for prompt in TRAFFIC_PROMPTS[:REQUESTS]]))
    guidellm = Path(sys.executable).parent / "guidellm"
    command = [
        str(guidellm), "run", "--backend", f"kind=openai_http,target={url},model={model},max_tokens={MAX_TOKENS},"
        "http2=false,timeout_connect=30", "--profile", f"kind=concurrent,streams={CONCURRENCY}", "--constraint",
        f"kind=max_requests,count={REQUESTS}", "--data", f"kind=json_file,path={data}", "--output",
        f"kind=json,path={out}", "--disable-console",
    ]  # fmt: skip
    env = {**os.environ, **PEER_ENV, "HF_HUB_OFFLINE": "1"}
    for _ in range(2):
        peer = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                start_new_session=True)  # fmt: skip
        try:
            _, stderr = peer.communicate(timeout=PEER_TIMEOUT_S)
            break
        except subprocess.TimeoutExpired:
            os.killpg(peer.pid, signal.SIGKILL)  # GuideLLM and its worker processes
            _, stderr = peer.communicate()
    else:
        sys.exit(f"GuideLLM did not finish within {PEER_TIMEOUT_S} s, twice; its last output: {stderr[-2000:]}")
    if peer.returncode != 0:
        sys.exit(f"GuideLLM failed: {stderr[-2000:]}")
    requests = json.loads(out.read_text())["benchmarks"][0]["requests"]["successful"]
    return {"ttft_p50_s": statistics.median(r["time_to_first_token_ms"] for r in requests) / 1000,
            "itl_p50_s": statistics.median(r["inter_token_latency_ms"] for r in requests) / 1000}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="JSON file for every round's figures")
    args = parser.parse_args()
    model = convert_gguf(resolve_reference("smollm2-135m-instruct"))
    # 16 pages of 256 tokens (190 MB of KV cache): left to itself, the server sizes its paged cache to most of
    # the free memory (13.6 GB RSS here)
    with transformers_serve(model, "--continuous-batching", "--cb-block-size", "256", "--cb-num-blocks", "16") as url, \
            tempfile.TemporaryDirectory() as folder:  # fmt: skip
        context = BackendContext(allow_private_endpoints=True)
        lane = Lane(f"openai:{model}@{url}/v1", Settings(max_new_tokens=MAX_TOKENS))
        run_level(lane, Load("concurrency", CONCURRENCY, CONCURRENCY), context)  # warm the server up
        ours, peer = [], []
        while True:  # alternated, so drift on a shared machine falls on both
            ours.append(_busy(lambda: _ours(lane, context)))
            peer.append(_busy(lambda: _guidellm(url, model, Path(folder))))
            figures = _compare(ours, peer)
            agree = all(abs(figures[name]["ratio"] - 1) <= TOLERANCE for name in ("TTFT", "ITL per request"))
            if len(ours) >= MAX_ROUNDS or (len(ours) >= ROUNDS and agree):
                break
    for name, figure in figures.items():
        print(f"{name}: Inference Lens {figure['inference_lens_s'] * 1000:.1f} ms, GuideLLM "
              f"{figure['guidellm_s'] * 1000:.1f} ms, ratio {figure['ratio']:.3f} (median of {len(ours)} rounds)")
    print("agree within 10%" if agree else "DISAGREE by more than 10% on TTFT or per-request ITL")
    if args.out:
        Path(args.out).write_text(json.dumps({"rounds": len(ours), **figures, "each round": {
            "inference_lens": ours, "guidellm": peer}}, indent=2))  # fmt: skip


def _busy(measure) -> dict:
    """``measure()``'s figures, with how busy the machine's cores were meanwhile (every process, any
    client): a round that ran beside a burst of other work says so in ``peer.json``."""
    import psutil

    before = psutil.cpu_times()
    figures = measure()
    after = psutil.cpu_times()
    idle = (after.idle - before.idle) + (after.iowait - before.iowait)
    total = sum(after) - sum(before)
    return {**figures, "cores_busy": round(1 - idle / total, 3) if total else None}


def _compare(ours: list[dict], peer: list[dict]) -> dict:
    """Ours against GuideLLM's, per figure: the median over rounds of each round's ratio (a round
    disturbed on one side moves it less than it moves a ratio of means), with each side's mean."""
    figures = {}
    for name, mine, theirs in (("TTFT", "ttft_p50_s", "ttft_p50_s"), ("ITL per request", "tpot_p50_s", "itl_p50_s"),
                               ("ITL, every gap pooled (ours)", "itl_p50_s", "itl_p50_s")):  # fmt: skip
        ratios = [a[mine] / b[theirs] for a, b in zip(ours, peer, strict=True)]
        figures[name] = {"inference_lens_s": statistics.mean(r[mine] for r in ours),
                         "guidellm_s": statistics.mean(r[theirs] for r in peer),
                         "ratio": statistics.median(ratios), "each round": ratios}  # fmt: skip
    return figures


if __name__ == "__main__":
    main()
