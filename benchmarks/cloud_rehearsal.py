"""A Streamlit Community Cloud rehearsal: the app in a 2.7 GB memory cgroup, driven in Chromium.

    sudo .venv/bin/python -m benchmarks.cloud_rehearsal [--limit-mb 2700] [--tokens 48] [--tour] [--cpus 1]

Needs root (it creates a memory cgroup: v2 ``memory.max`` where the machine has it, else v1
``memory.limit_in_bytes``). Starts ``streamlit run app.py`` inside it on a fresh data folder (on ``--cpus``
cores, as Community Cloud's one CPU), opens the Compare page in headless Chromium, runs the default
comparison to the end (``--tour``: the quick tour, from the landing page), and prints the time to results,
the cgroup's peak memory and whether the kernel killed anything.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, ROOT, free_port, wait_healthy

MB = 2**20


class MemoryCgroup:
    """A memory cgroup with a limit; ``peak_mb`` and ``oom_kills`` read what happened inside."""

    def __init__(self, limit_mb: int) -> None:
        name = f"inference-lens-rehearsal-{uuid.uuid4().hex[:8]}"
        self.v2 = Path("/sys/fs/cgroup/cgroup.controllers").is_file()
        self.path = Path("/sys/fs/cgroup" if self.v2 else "/sys/fs/cgroup/memory") / name
        self.path.mkdir()
        limit_file = "memory.max" if self.v2 else "memory.limit_in_bytes"
        (self.path / limit_file).write_text(str(limit_mb * MB))

    def wrap(self, command: list[str], cpus: int | None = None) -> list[str]:
        """The command, started inside the cgroup (the shell moves itself in, then execs), on ``cpus`` cores."""
        if cpus:
            command = ["taskset", "-c", f"0-{cpus - 1}", *command]
        quoted = " ".join(f"'{part}'" for part in command)
        return ["sh", "-c", f"echo $$ > {self.path}/cgroup.procs && exec {quoted}"]

    @property
    def peak_mb(self) -> float:
        name = "memory.peak" if self.v2 else "memory.max_usage_in_bytes"
        return int((self.path / name).read_text()) / MB

    @property
    def oom_kills(self) -> int:
        if self.v2:
            events = dict(line.split() for line in (self.path / "memory.events").read_text().splitlines())
            return int(events.get("oom_kill", 0))
        control = dict(line.split() for line in (self.path / "memory.oom_control").read_text().splitlines())
        return int(control.get("oom_kill", 0))

    def remove(self) -> None:
        with contextlib.suppress(OSError):
            self.path.rmdir()


@contextlib.contextmanager
def app_in(cgroup: MemoryCgroup, data: Path, cpus: int | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true"]  # fmt: skip
    env = {**os.environ, "INFERENCE_LENS_DATA": str(data), "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen(cgroup.wrap(command, cpus), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, timeout_s=120)
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=20)


def drive_default_comparison(url: str, tokens: int) -> tuple[float, str]:
    """Open Compare, run the default lanes with ``tokens`` each; (seconds from Run to results, page text)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{url}/?prompt=Why+do+longer+answers+take+longer%3F")
        page.get_by_text("Which answer, how fast").wait_for(timeout=120_000)
        page.get_by_text("Lanes: models, engines").click()
        for field in page.get_by_label("Max new tokens").all():
            field.fill(str(tokens))
            field.press("Enter")
        time.sleep(0.5)
        started = time.perf_counter()
        page.get_by_role("button", name="Run", exact=True).click()
        page.get_by_text("Results", exact=True).wait_for(timeout=600_000)
        elapsed = time.perf_counter() - started
        text = page.inner_text("body")
        page.goto(f"{url}/models")
        page.get_by_text("MB are free").wait_for(timeout=120_000)
        free = next(line for line in page.inner_text("body").splitlines() if "MB are free" in line)
        browser.close()
    return elapsed, text + "\n" + free


def drive_quick_tour(url: str) -> tuple[float, str]:
    """Open the landing page (the Tour), run the whole quick tour; (seconds from the click to its saved
    results, page text)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(url)
        page.get_by_text("Run the whole tour").wait_for(timeout=120_000)
        started = time.perf_counter()
        page.locator('button:not([kind="header"])').filter(has_text="Run the whole tour").first.click()
        page.get_by_text("nothing was run to show it").wait_for(timeout=900_000)
        elapsed = time.perf_counter() - started
        text = page.inner_text("body")
        browser.close()
    return elapsed, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit-mb", type=int, default=2700)
    parser.add_argument("--tokens", type=int, default=48)
    parser.add_argument("--tour", action="store_true", help="run the quick tour instead of the comparison")
    parser.add_argument("--cpus", type=int, default=None, help="cores the app may use (Community Cloud: 1)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: it creates a memory cgroup")
    cgroup = MemoryCgroup(args.limit_mb)
    try:
        with tempfile.TemporaryDirectory() as data, app_in(cgroup, Path(data), args.cpus) as (url, _):
            started_mb = cgroup.peak_mb
            if args.tour:
                elapsed, text = drive_quick_tour(url)
                unmeasured = text.count("no sentence without a measurement")
                print(f"memory limit {args.limit_mb:,} MB, {args.cpus or os.cpu_count()} core(s): quick tour saved "
                      f"after {elapsed:.0f} s; peak memory {cgroup.peak_mb:,.0f} MB (idle {started_mb:,.0f} MB); "
                      f"OOM kills {cgroup.oom_kills}; chapters without a sentence: {unmeasured}")  # fmt: skip
                return
            elapsed, text = drive_default_comparison(url, args.tokens)
            errors = [line for line in text.splitlines() if "out of memory" in line or "would not fit" in line]
            print(f"memory limit {args.limit_mb:,} MB ({'cgroup v2' if cgroup.v2 else 'cgroup v1'}); "
                  f"app idle after start: peak {started_mb:,.0f} MB")  # fmt: skip
            print(f"default comparison ({args.tokens} tokens per lane): results after {elapsed:.1f} s; "
                  f"peak memory {cgroup.peak_mb:,.0f} MB; OOM kills {cgroup.oom_kills}; "
                  f"lanes refused or out of memory: {len(errors)}")  # fmt: skip
            for line in errors:
                print(f"  {line}")
            print("the Models page inside the cgroup says: " + text.splitlines()[-1])
    finally:
        time.sleep(1)
        cgroup.remove()


if __name__ == "__main__":
    main()
