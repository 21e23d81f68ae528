"""Background jobs: events end with None, stop is heard, and a failure becomes a message."""

from __future__ import annotations

from inference_core.runs.jobs import BackgroundJob


class Counting(BackgroundJob[int]):
    def __init__(self, fail: bool = False) -> None:
        super().__init__("counting")
        self.fail = fail

    def work(self) -> None:
        for number in range(1000):
            if self.stop_event.wait(0.01):
                return
            self.events.put(number)
            if self.fail and number == 2:
                raise RuntimeError("broke at two\nwith details")


def drain(job: BackgroundJob[int]) -> list[int]:
    seen = []
    while (event := job.events.get(timeout=10)) is not None:
        seen.append(event)
    return seen


def test_a_failing_job_ends_its_events_and_says_why_in_one_line():
    job = Counting(fail=True).start()
    assert drain(job) == [0, 1, 2]
    assert job.join(5) and job.error == "RuntimeError: broke at two"


def test_stop_ends_a_job_early():
    job = Counting().start()
    assert job.events.get(timeout=10) == 0
    job.stop()
    assert job.join(5) and len(drain(job)) < 999 and job.error == ""
