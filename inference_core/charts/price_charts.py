"""What a sweep's points cost, and API prices for the same token counts, as chart layers.

A self-hosted answer costs the machine time it took: ``e2e_s * hourly_usd / 3600 / utilization``;
an API answer costs ``tokens_in * in_price + tokens_out * out_price``. Drawn together, the
break-even between self-hosting and an API shows where it happens.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from inference_core.measure import fit_line, fit_output_length, short_name

API_COLOR = "#888"


def _rate(rows: pd.DataFrame) -> tuple[float, float] | None:
    """(hourly_usd, utilization as a share) the rows were priced with; None when they were not priced."""
    if "hourly_usd" not in rows or rows["hourly_usd"].dropna().empty:
        return None
    return float(rows["hourly_usd"].dropna().iloc[0]), float(rows["utilization_pct"].dropna().iloc[0]) / 100


def answer_price_fits(rows: pd.DataFrame) -> pd.DataFrame:
    """Per model and setting: $ = (ttft + (n - 1) * tpot) * hourly / 3600 / utilization, from the e2e fit."""
    rate = _rate(rows)
    if rate is None or rows.empty:
        return pd.DataFrame()
    hourly, utilization = rate
    low, high = rows["tokens_out"].min(), rows["tokens_out"].max()
    records = []
    for fit in fit_output_length(rows):
        series = f"{short_name(fit.model_name)} · {fit.setting}"
        label = f"$ = ({fit.ttft_s:.2f} s + (n - 1) x {fit.tpot_s * 1000:.1f} ms) x ${hourly:g}/h / {utilization:.0%}"
        for n in (low, high):
            usd = (fit.ttft_s + (n - 1) * fit.tpot_s) * hourly / 3600 / utilization
            records.append({"series": series, "name": short_name(fit.model_name), "x": n, "y": usd, "fit": label})
    return pd.DataFrame(records)


def input_price_fits(rows: pd.DataFrame) -> pd.DataFrame:
    """Per model and setting: the least-squares line of $ per answer against input tokens."""
    records = []
    ok = rows.dropna(subset=["usd_answer"]) if "usd_answer" in rows else pd.DataFrame()
    for (model, setting), group in ok.groupby(["model_name", "setting"], sort=False) if not ok.empty else []:
        line = fit_line(list(group["tokens_in"]), list(group["usd_answer"]))
        if line is None:
            continue
        label = f"$ = {line[0]:.2e} + n x {line[1]:.2e} (least squares)"
        for n in (group["tokens_in"].min(), group["tokens_in"].max()):
            records.append({"series": f"{short_name(model)} · {setting}", "name": short_name(model), "x": n,
                            "y": line[0] + line[1] * n, "fit": label})  # fmt: skip
    return pd.DataFrame(records)


def api_answer_lines(apis: pd.DataFrame, rows: pd.DataFrame, x: str) -> pd.DataFrame:
    """Each API's price for the sweep's token counts: along ``x`` (tokens_out or tokens_in), the other
    count held at the sweep's median."""
    if apis.empty or rows.empty:
        return pd.DataFrame()
    other = "tokens_in" if x == "tokens_out" else "tokens_out"
    held = float(rows[other].median())
    records = []
    for _, api in apis.iterrows():
        for n in (rows[x].min(), rows[x].max()):
            tokens = {x: n, other: held}
            usd = tokens["tokens_in"] * api["usd_per_1m_in"] / 1e6 + tokens["tokens_out"] * api["usd_per_1m_out"] / 1e6
            records.append({"api": api["option"], "x": n, "y": usd})
    return pd.DataFrame(records)


def api_lines_layer(lines: pd.DataFrame) -> alt.LayerChart:
    """Dashed grey lines, one per API, named at their right end."""
    tooltip = [alt.Tooltip("api:N", title="API"), alt.Tooltip("y:Q", title="$ per answer", format="$.6f")]
    x, y = alt.X("x:Q", title=None), alt.Y("y:Q", title=None)
    line = (
        alt.Chart(lines)
        .mark_line(strokeDash=[3, 3], color=API_COLOR, opacity=0.7)
        .encode(x=x, y=y, detail="api:N", tooltip=tooltip)
    )
    ends = lines.sort_values("x").groupby("api").tail(1)
    names = (
        alt.Chart(ends)
        .mark_text(align="right", dy=-6, fontSize=9, color=API_COLOR)
        .encode(x=x, y=y, text="api:N", tooltip=tooltip)
    )
    return alt.layer(line, names)


def api_rules(apis: pd.DataFrame, column: str = "usd_per_1m_out", horizontal: bool = True) -> alt.LayerChart:
    """Each API's $ per 1M tokens as a dashed reference rule, named beside it."""
    data = apis[["option", column]].rename(columns={"option": "api", column: "value"})
    tooltip = [alt.Tooltip("api:N", title="API"), alt.Tooltip("value:Q", title="$ per 1M", format="$.2f")]
    position = {"y": alt.Y("value:Q", title=None)} if horizontal else {"x": alt.X("value:Q", title=None)}
    rule = alt.Chart(data).mark_rule(strokeDash=[3, 3], color=API_COLOR, opacity=0.7).encode(**position,
                                                                                          tooltip=tooltip)  # fmt: skip
    text = alt.Chart(data).mark_text(align="left", dx=3, dy=-5, fontSize=9, color=API_COLOR, angle=0 if horizontal
                                     else 270).encode(**position, text="api:N", tooltip=tooltip)  # fmt: skip
    return alt.layer(rule, text)
