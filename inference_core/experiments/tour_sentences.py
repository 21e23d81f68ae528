"""Each chapter's one sentence, computed from its rows alone (a report's embedded data gives it again).

A sentence states what the rows show and carries its figures; an effect whose interval holds "no effect", or
that was measured while other programs took most of the CPU, is called inconclusive (``measure.effect``). No
rows, no sentence.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any

from inference_core.experiments.questions import Question
from inference_core.measure import effect_sentence, ratio_of_medians, share_interval
from inference_core.price import Audience, LatencyObjective, assumed_capacity, plan_fleet

Rows = Sequence[dict[str, Any]]
NOTHING = "Not measured: no sentence without a measurement."


def values(rows: Rows, label: str, metric: str) -> list[float]:
    """The figure of every finished row of one condition (``input_token_s``: its TTFT over its input tokens)."""
    found = []
    for row in rows:
        if row.get("condition") == label and row.get("ok"):
            value = input_token_s(row) if metric == "input_token_s" else row.get(metric)
            if value is not None:
                found.append(float(value))
    return found


def input_token_s(row: dict[str, Any]) -> float | None:
    """Machine time of one input token: the time to the first token shared over the prompt's tokens."""
    return row["ttft_s"] / row["tokens_in"] if row.get("ttft_s") and row.get("tokens_in") else None


def _median(rows: Rows, label: str, metric: str) -> float | None:
    found = values(rows, label, metric)
    return statistics.median(found) if found else None


def _ratio(data: dict[str, Any]) -> str:
    """Changed against baseline on the chapter's figure, with the answer's price and the weights' memory."""
    rows, baseline, changed = data["runs"], data["baseline"], data["changed"]
    effect = ratio_of_medians(values(rows, baseline, data["metric"]), values(rows, changed, data["metric"]),
                              data.get("busy_share"))  # fmt: skip
    sentence = effect_sentence(effect, data["change"], data["figure"])
    prices = values(rows, baseline, "usd_answer"), values(rows, changed, "usd_answer")
    if data["key"] == "output" and effect.conclusive and all(prices):  # an unpriced run states no cost
        price = ratio_of_medians(*prices)
        sentence += f" The answer cost {price.ratio:.2f}x as much ({price.interval()})."
    weights = values(rows, baseline, "weights_mb"), values(rows, changed, "weights_mb")
    if data["key"] == "size" and all(weights):  # the same every run: a plain ratio, no interval
        small, big = weights[0][0], weights[1][0]
        sentence += f" Its weights take {big / small:.2f}x the memory ({big:,.0f} MB against {small:,.0f} MB)."
    if data.get("estimates"):
        top = max(data["estimates"], key=lambda row: row["params_m"])
        sentence += (f" Estimated, not run: {top['model']} would need {top['weights_mb']:,.0f} MB of weights and, at "
                     f"the {top['bandwidth_gb_s']:.1f} GB/s this machine's memory moved, write at most "
                     f"{top['decode_bound_tok_per_s']:.2g} tokens per second.")  # fmt: skip
    return sentence


def _tokens(data: dict[str, Any]) -> str:
    rows, label = data["runs"], data["baseline"]
    effect = ratio_of_medians(values(rows, label, "tpot_s"), values(rows, label, "ttft_s"), data.get("busy_share"))
    tokens_in = _median(rows, label, "tokens_in")
    return (effect_sentence(effect, data["change"], data["figure"]) +
            f" Reading the {tokens_in:.0f}-token prompt took {_median(rows, label, 'ttft_s'):.2f} s; then a token "
            f"came every {_median(rows, label, 'tpot_s') * 1000:.0f} ms.")  # fmt: skip


def _throughput(rows: Rows, label: str) -> list[float]:
    """Output tokens per second of each round of concurrent requests: all their tokens over their span."""
    rounds: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        if row.get("condition") == label and row.get("ok") and row.get("request_epoch_s") and row.get("e2e_s"):
            rounds.setdefault(row["step"], []).append(row)
    found = []
    for group in rounds.values():
        span = max(r["request_epoch_s"] + r["e2e_s"] for r in group) - min(r["request_epoch_s"] for r in group)
        if span > 0:
            found.append(sum(r["tokens_out"] for r in group) / span)
    return found


def _traffic(data: dict[str, Any]) -> str:
    rows, (alone, queued, batched) = data["runs"], data["conditions"]
    busy = data.get("busy_share")
    waiting = ratio_of_medians(values(rows, alone, "e2e_s"), values(rows, queued, "e2e_s"), busy)
    served = ratio_of_medians(_throughput(rows, queued), _throughput(rows, batched), busy)
    return (effect_sentence(waiting, data["change"], data["figure"]) + " " +
            effect_sentence(served, "Batching them", "many tokens per second", verb="served") +
            f" Each batched request took {_median(rows, batched, 'e2e_s'):.2f} s against "
            f"{_median(rows, alone, 'e2e_s'):.2f} s alone.")  # fmt: skip


def _cost(data: dict[str, Any]) -> str:
    rows, busy = data["runs"], data.get("busy_share")
    effect = ratio_of_medians(values(rows, "reading", "input_token_s"), values(rows, "writing", "tpot_s"), busy)
    sentence = effect_sentence(effect, data["change"], data["figure"])
    price_in, price_out = _median(rows, "reading", "usd_per_1m_in"), _median(rows, "writing", "usd_per_1m_out")
    hourly, answer = _median(rows, "writing", "hourly_usd"), _median(rows, "writing", "usd_answer")
    if price_in is not None and price_out is not None and hourly is not None and answer is not None:
        sentence += (f" At ${hourly:.3g} an hour that is ${price_in:.3g} per 1M input tokens, ${price_out:.3g} per "
                     f"1M output tokens and ${answer:.2g} for a {_median(rows, 'writing', 'tokens_out'):.0f}-token "
                     "answer.")  # fmt: skip
    writing = [row for row in rows
               if row.get("condition") == "writing" and row.get("energy_j") and row.get("tokens_out")]  # fmt: skip
    if writing:
        energy = statistics.median(row["energy_j"] / row["tokens_out"] for row in writing)
        how = " (estimated)" if "estimat" in str(writing[0].get("energy_method", "")).lower() else ""
        sentence += f" Electricity: about {energy * 1000 / 3600:.2g} Wh per 1,000 output tokens{how}."
    speeds = _median(rows, "writing", "ttft_s"), _median(rows, "writing", "decode_tok_per_s")
    if hourly is not None and None not in speeds:
        audience, objective = Audience(), LatencyObjective()
        fleet = plan_fleet(audience, assumed_capacity(speeds, audience, objective), hourly)  # type: ignore[arg-type]
        need = f"{fleet.machines} such machines" if fleet.machines is not None else "no number of such machines"
        sentence += (f" Serving {audience.users:,} users x {audience.requests_per_user_per_day:g} requests a day "
                     f"({audience.tokens_out} tokens each, peak {audience.peak_factor:g}x) within "
                     f"{objective.ttft_s:g} s to the first token and {objective.tpot_s:g} s per token takes {need}, "
                     "one request at a time.")  # fmt: skip
    return sentence


def first_difference(a: Sequence[str], b: Sequence[str]) -> int | None:
    """The first token position where two answers part; None when they are the same."""
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return index
    return None if len(a) == len(b) else min(len(a), len(b))


def _shared(greedy: Sequence[str], answer: Sequence[str]) -> int:
    """Tokens an answer shares with the greedy one before they part (all of them when it is the same)."""
    at = first_difference(greedy, answer)
    return len(answer) if at is None else at


def _samples(data: dict[str, Any]) -> str:
    rows = [row for row in data["runs"] if row.get("ok")]
    greedy = [row for row in rows if row["condition"] == "greedy"]
    sampled = [row for row in rows if row["condition"] == "temperature 1.0"]
    again = [row for row in rows if row["condition"] == "seed 1 again"]
    if not greedy or not sampled:
        return NOTHING
    distinct = len({row["text"] for row in sampled})
    greedy_distinct = len({row["text"] for row in greedy})
    same = "the same answer every time" if greedy_distinct == 1 else f"{greedy_distinct} different answers"
    sentence = (f"Asked the same prompt {len(greedy)} times, greedy decoding gave {same}; sampling at temperature "
                f"1.0 with {len(sampled)} seeds gave {distinct} different answer{'s' if distinct != 1 else ''}.")
    parts = [first_difference(greedy[0]["token_texts"], row["token_texts"]) for row in sampled]
    parted = [at for at in parts if at is not None]
    if parted:
        sentence += f" The sampled answers left the greedy one at token {statistics.median(parted) + 1:.0f} (median)."
    first = next((row for row in sampled if row["settings"]["seed"] == 1), None)
    if again and first is not None:
        same = again[0]["text"] == first["text"]
        sentence += f" Seed 1 again gave {'the same answer' if same else 'a different answer'}."
    return sentence


def graded_rows(rows: Rows) -> list[dict[str, Any]]:
    """Each answered question: its answer checked again, and the model's confidence (mean token probability)."""
    found = []
    for row in rows:
        if row.get("ok") and row.get("expected") is not None:
            question = Question(prompt=row.get("prompt") or "?", expected=row["expected"], check=row["check"])
            logprobs = row.get("token_logprobs") or []
            confidence = statistics.fmean(math.exp(v) for v in logprobs) if logprobs else None
            found.append({**row, "correct": question.is_correct(row["text"]), "confidence": confidence})
    return found


def _graded(data: dict[str, Any]) -> str:
    rows = graded_rows(data["runs"])
    if not rows:
        return NOTHING
    share, low, high = share_interval([row["correct"] for row in rows])
    right = sum(row["correct"] for row in rows)
    sentence = (f"{rows[0]['model_name']} answered {right} of {len(rows)} questions right ({share:.0%}, 95% "
                f"interval {low:.0%}-{high:.0%}).")  # fmt: skip
    sure = {kind: [r["confidence"] for r in rows if r["correct"] is kind and r["confidence"] is not None]
            for kind in (True, False)}  # fmt: skip
    if sure[False]:
        sentence += f" Its median confidence was {statistics.median(sure[False]):.0%} in its wrong answers"
        sentence += f" and {statistics.median(sure[True]):.0%} in its right ones." if sure[True] else "."
    wrong = next((row for row in rows if not row["correct"]), None)
    if wrong is not None:
        answer = wrong["text"].strip()[:60]
        sentence += f' For example, "{wrong["prompt"]}" got "{answer}" (expected {wrong["expected"]}).'
    return sentence


def _lanes(data: dict[str, Any]) -> str:
    """A saved run's lanes: which answered first, fastest and cheapest."""
    rows = [row for row in data["runs"] if row.get("ok")]
    parts = []
    for figure, what, unit in (("ttft_s", "first token", " s"), ("e2e_s", "whole answer", " s"),
                               ("usd_answer", "cheapest answer", "")):  # fmt: skip
        measured = [row for row in rows if row.get(figure) is not None]
        if measured:
            best = min(measured, key=lambda row: row[figure])
            value = f"${best[figure]:.2g}" if figure == "usd_answer" else f"{best[figure]:.2f}{unit}"
            parts.append(f"{what}: {best['condition']} ({value})")
    if not parts:
        return NOTHING
    return f"{len(data['runs'])} lanes, {len(rows)} finished. Soonest " + "; ".join(parts) + "."


def points(data: dict[str, Any]) -> list[dict[str, Any]]:
    """What the chapter's chart draws, one row per point, computed from the rows like the sentence."""
    rows, kind = [row for row in data["runs"] if row.get("ok")], data["kind"]
    if kind == "tokens":
        return [{"run": f"run {row['step'] + 1}", "token": number, "time_s": time_s, "ttft_s": row["ttft_s"]}
                for row in rows for number, time_s in enumerate(row["token_times_s"], start=1)]  # fmt: skip
    if kind == "samples":
        greedy = next((row["token_texts"] for row in rows if row["condition"] == "greedy"), [])
        return [{"answer": f"{row['condition']} · seed {row['settings']['seed']}", "condition": row["condition"],
                 "same_tokens": _shared(greedy, row["token_texts"]),
                 "tokens": len(row["token_texts"]), "text": row["text"][:200]} for row in rows]  # fmt: skip
    if kind == "graded":
        return [{"question": row["condition"], "prompt": row["prompt"], "answer": row["text"].strip()[:80],
                 "expected": row["expected"], "correct": row["correct"], "confidence": row["confidence"]}
                for row in graded_rows(rows)]  # fmt: skip
    if kind == "traffic":
        rounds = [{"condition": label, "value": value, "figure": "tokens per second (each round)"}
                  for label in data["conditions"][1:] for value in _throughput(rows, label)]  # fmt: skip
        return [{"condition": r["condition"], "value": r["e2e_s"], "figure": "seconds per request"}
                for r in rows if r.get("e2e_s") is not None] + rounds  # fmt: skip
    if kind == "cost":
        return [{"condition": label, "value": value} for label, metric in (("reading", "input_token_s"),
                ("writing", "tpot_s")) for value in values(rows, label, metric)]  # fmt: skip
    metric = data["metric"]
    found = [{"condition": label, "value": value}
             for label in data["conditions"] for value in values(rows, label, metric)]  # fmt: skip
    if data["key"] == "size":
        measured = {row["model_name"]: row for row in rows if row.get("weights_mb")}
        found += [{"model": name, "params_m": row["params_m"], "weights_mb": row["weights_mb"], "estimated": False}
                  for name, row in measured.items()]
        found += [{**estimate, "estimated": True} for estimate in data.get("estimates", [])]
    return found


KINDS = {"ratio": _ratio, "tokens": _tokens, "traffic": _traffic, "cost": _cost, "samples": _samples,
         "graded": _graded, "lanes": _lanes}  # fmt: skip


def chapter_sentence(data: dict[str, Any]) -> str:
    """The chapter's sentence from its data (``ChapterResult.data()``: description, rows, CPU share)."""
    if not data.get("runs"):
        return NOTHING
    try:
        return KINDS[data["kind"]](data)
    except ValueError as exc:  # a condition with no finished run: nothing to compare
        return f"Not enough measured to say: {exc}."
    except (TypeError, KeyError, ZeroDivisionError):  # a row without a figure the sentence needs
        return "Not enough measured to say: a run is missing a figure this sentence needs."
