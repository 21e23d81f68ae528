"""The tour's chapters: the explainer's order, within the operator's limits, pinned where a ratio needs it."""

from __future__ import annotations

from inference_core.experiments import chapters

ORDER = ["tokens", "input", "output", "size", "traffic", "cost", "samples", "graded"]


def test_the_chapters_follow_the_explainer():
    found = chapters()
    assert [chapter.key for chapter in found] == ORDER
    assert "output" in found[2].claim.lower() and found[2].metric == "e2e_s"
    assert all(chapter.question.endswith("?") for chapter in found)


def test_lengths_and_concurrency_stay_within_the_operators_limits():
    found = chapters(most_tokens=16, most_lanes=2)
    settings = [c.settings for chapter in found for c in chapter.conditions]
    assert max(s.max_new_tokens for s in settings) <= 16
    assert max(c.copies for chapter in found for c in chapter.conditions) == 2
    output = found[2]
    assert [c.settings.max_new_tokens for c in output.conditions] == [8, 16]
    assert all(c.settings.min_new_tokens == c.settings.max_new_tokens for c in output.conditions)  # pinned


def test_the_quick_tour_is_smaller():
    def runs(found, repeats):
        return sum(len(chapter.plan(repeats)) * max(c.copies for c in chapter.conditions) for chapter in found)

    assert runs(chapters(quick=True), 3) < runs(chapters(), 5)


def test_each_chapter_links_to_its_full_page_with_its_settings():
    found = {chapter.key: chapter for chapter in chapters(quick=True)}
    assert (found["output"].page, found["output"].query["lengths"]) == ("experiments", "16,32")
    assert found["tokens"].page == "compare" and found["tokens"].query["prompt"] == found["tokens"].conditions[0].prompt


def test_a_chapter_the_operators_limits_leave_nothing_to_compare_is_blocked_not_refused():
    found = {chapter.key: chapter for chapter in chapters(most_tokens=1, most_lanes=1)}
    assert {key for key, chapter in found.items() if chapter.blocked} == {"tokens", "output", "traffic", "cost"}
    assert "max_lanes is 1" in found["traffic"].blocked and "max_new_tokens is 1" in found["output"].blocked
    assert found["input"].conditions[0].settings.max_new_tokens == 1  # what remains stays within the limit
