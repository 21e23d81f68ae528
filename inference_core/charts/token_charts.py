"""Tokens made visible: chips of a tokenized text, answers coloured by confidence, divergence of samples,
and the quality charts. Every piece of model or user text is HTML-escaped here, once."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import altair as alt
import pandas as pd

from inference_core.types import RunResult

_VISIBLE = {" ": "␣", "\n": "⏎", "\t": "⇥"}


def visible(text: str) -> str:
    """Whitespace and control characters made visible, the rest escaped for HTML."""
    shown = "".join(_VISIBLE.get(c, f"\\x{ord(c):02x}" if ord(c) < 32 or ord(c) == 127 else c) for c in text)
    return html.escape(shown, quote=True)


def readable(text: str) -> str:
    """Text escaped for HTML with its line breaks kept and any other control character shown as ``\\xNN``."""
    shown = "".join(c if c in "\n\t" or (ord(c) >= 32 and ord(c) != 127) else f"\\x{ord(c):02x}" for c in text)
    return html.escape(shown, quote=True)


def token_chips(pieces: Sequence[tuple[int, str, str]]) -> str:
    """One chip per token: its text (or its raw piece when the text is a partial UTF-8 sequence), id on hover."""
    chips = []
    for token_id, piece, text in pieces:
        partial = "\ufffd" in text or not text
        label = visible(piece) if partial else visible(text)
        note = " (part of a multi-byte character)" if partial else ""
        chips.append(f'<span class="chip{" partial" if partial else ""}" title="id {token_id}{note}">{label}'
                     f"<sub>{token_id}</sub></span>")  # fmt: skip
    return CHIP_STYLE + '<div class="chips">' + "".join(chips) + "</div>"


CHIP_STYLE = (
    "<style>.chips{display:flex;flex-wrap:wrap;gap:3px;line-height:1.8;font-family:monospace;font-size:0.85rem}"
    ".chip{border:1px solid #bbb;border-radius:4px;padding:1px 4px;background:#f4f4f6;white-space:pre}"
    ".chip.partial{border-style:dashed;background:#fff4e5}.chip sub{color:#888;font-size:0.6rem;margin-left:2px}"
    "</style>"
)


def confidence_html(result: RunResult) -> str:
    """The answer, each token coloured by its probability (red unsure, green sure); alternatives on hover."""
    spans = []
    for index, text in enumerate(result.token_texts):
        if index >= len(result.token_logprobs):
            spans.append(readable(text))
            continue
        probability = math.exp(result.token_logprobs[index])
        options = result.top_logprobs[index] if index < len(result.top_logprobs) else ()
        hover = "\n".join(f"{visible(t)}: {math.exp(lp):.1%}" for t, lp in options)
        spans.append(f'<span style="background:hsl({probability * 120:.0f},75%,82%)" '
                     f'title="p = {probability:.1%}&#10;{hover}">{readable(text) or "&#8203;"}</span>')  # fmt: skip
    return '<div style="white-space:pre-wrap;line-height:1.8">' + "".join(spans) + "</div>"


def confidence_chart(result: RunResult) -> alt.Chart:
    """Probability of each generated token and the entropy of the distribution it came from, by position."""
    rows = [{"position": i + 1, "measure": "probability of the token", "value": math.exp(lp)}
            for i, lp in enumerate(result.token_logprobs)]  # fmt: skip
    rows += [{"position": i + 1, "measure": "entropy (nats)", "value": h} for i, h in enumerate(result.token_entropy)]
    tooltip = ["position:Q", "measure:N", alt.Tooltip("value:Q", format=".3f")]
    chart = alt.Chart(pd.DataFrame(rows), title=alt.TitleParams("Confidence by position", anchor="start"))
    return (
        chart.mark_line(point=True)
        .encode(
            x=alt.X("position:Q", title="Generated token", axis=alt.Axis(format="d")),
            y=alt.Y("value:Q", title=None),
            color=alt.Color("measure:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=tooltip,
        )
        .properties(height=220)
    )


def divergence(greedy: RunResult, sample: RunResult) -> int | None:
    """The first token position (0-based) where a sample leaves the greedy answer; None when identical."""
    for index, (a, b) in enumerate(zip(greedy.token_texts, sample.token_texts, strict=False)):
        if a != b:
            return index
    return None if len(greedy.token_texts) == len(sample.token_texts) else min(len(greedy.token_texts),
                                                                                len(sample.token_texts))  # fmt: skip


def marked_sample(sample: RunResult, at: int | None) -> str:
    """A sample's text with the point where it leaves the greedy answer marked (escaped HTML)."""
    if at is None:
        return readable("".join(sample.token_texts))
    same, rest = "".join(sample.token_texts[:at]), "".join(sample.token_texts[at:])
    return (f'<span style="color:#888">{readable(same)}</span><mark title="leaves the greedy answer here">'
            f"&#9656;</mark>{readable(rest)}")  # fmt: skip


def quality_chart(summary: pd.DataFrame, x: str, x_title: str) -> alt.Chart:
    """Accuracy against cost or latency, one point per lane."""
    data = summary.dropna(subset=[x])
    base = alt.Chart(data, title=alt.TitleParams(f"Accuracy against {x_title.split(' (')[0].lower()}",
                                                  anchor="start"))  # fmt: skip
    points = base.mark_point(filled=True, size=120).encode(
        x=alt.X(f"{x}:Q", title=x_title), y=alt.Y("accuracy:Q", title="Accuracy", axis=alt.Axis(format="%"),
                                                  scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("lane:N", legend=None),
        tooltip=["lane:N", alt.Tooltip("accuracy:Q", format=".0%"), alt.Tooltip(f"{x}:Q", format=".4g"),
                 "correct:Q", "questions:Q"],
    )  # fmt: skip
    names = base.mark_text(dy=-12, fontSize=10).encode(x=f"{x}:Q", y="accuracy:Q", text="lane:N")
    return alt.layer(points, names).properties(height=260)
