"""Token-to-screen lag and time to interactive, measured in headless Chromium.

Starts ``streamlit run app.py`` on a free loopback port, times how long until the page is
interactive, then runs a comparison while a MutationObserver records when each lane's
live token count changes on screen. Each token's display time minus its generation time
(request_epoch_s + token_times_s, from the page's own JSON export) is its lag.

    .venv/bin/python -m benchmarks.ui_lag [--tokens 64] [--lanes 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from playwright.sync_api import sync_playwright

from inference_core.measure.metrics import percentile
from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, ROOT, free_port, wait_healthy
from tests.browser.helpers import app_button

OBSERVER = """
window.__lag = [];
new MutationObserver(() => {
  const now = performance.timeOrigin + performance.now();
  const captions = [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
    .map(el => el.innerText.match(/s elapsed · (\\d+) tokens/)).filter(Boolean);
  captions.forEach((m, lane) => {
    const count = parseInt(m[1]);
    const seen = window.__lag.filter(r => r[1] === lane);
    if (!seen.length || seen[seen.length - 1][2] !== count) window.__lag.push([now, lane, count]);
  });
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--lanes", type=int, default=2, choices=(1, 2))
    args = parser.parse_args()

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        healthy_s = wait_healthy(url, server)
        lanes = ["smollm2-135m-instruct", "gemma3-270m"][: args.lanes]
        query = urlencode(
            {"prompt": "Write a short story about a lighthouse.", "lane": [
                f"{ref}:max_new_tokens={args.tokens},min_new_tokens={args.tokens}" for ref in lanes]},
            doseq=True,
        )  # fmt: skip
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 2200})
            page.add_init_script(OBSERVER)
            page.goto(f"{url}/?{query}")
            app_button(page, "Run").wait_for(timeout=60_000)
            interactive_s = time.perf_counter() - started
            app_button(page, "Run").click()
            page.get_by_text("Results", exact=True).wait_for(timeout=600_000)
            with page.expect_download() as download:
                app_button(page, "Download JSON").click()
            exported = json.loads(Path(download.value.path()).read_text())
            records = page.evaluate("window.__lag")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)

    lags: list[float] = []
    for lane, result in enumerate(exported["results"]):
        shown = [(epoch_ms / 1000, count) for epoch_ms, index, count in records if index == lane]
        for i, offset in enumerate(result["token_times_s"]):
            produced = result["request_epoch_s"] + offset
            displayed = next((t for t, count in shown if count >= i + 1), None)
            if displayed is not None:
                lags.append(displayed - produced)
    print(f"server healthy after {healthy_s:.2f} s; page interactive (Run button shown) after {interactive_s:.2f} s")
    print(f"{len(lags)} tokens over {args.lanes} lane(s), {args.tokens} tokens each")
    print(
        f"token-to-screen lag: median {statistics.median(lags) * 1000:.0f} ms, "
        f"p95 {percentile(lags, 95) * 1000:.0f} ms, max {max(lags) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
