"""One of the writers in the concurrency test: saves ``count`` comparisons of two lanes each."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import make_url

from inference_core.history.store import RunRecorder, RunStore
from inference_core.types import RunResult

location, writer, count, result_file = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
store = RunStore(make_url(location) if "://" in location else Path(location))
result = RunResult.model_validate_json(Path(result_file).read_text())
for number in range(count):
    recorder = RunRecorder(store, "compare", f"writer {writer} comparison {number}")
    recorder(0, result)
    recorder(1, result)
    if recorder.errors:
        raise SystemExit("; ".join(recorder.errors))
    print(recorder.run_id, flush=True)
