"""Each chapter's sentence from its rows alone: it states the measured effect with its figures, never more."""

from __future__ import annotations

from inference_core.experiments import chapter_sentence, chapters, points

QUICK = {chapter.key: chapter.describe() for chapter in chapters(quick=True)}


def rows(key: str, by_condition: dict[str, list[dict]]) -> dict:
    runs = [{"condition": label, "ok": True, "step": step, **row}
            for label, found in by_condition.items() for step, row in enumerate(found)]  # fmt: skip
    return {**QUICK[key], "busy_share": 0.02, "estimates": [], "runs": runs}


def timed(values: list[float], **fields) -> list[dict]:
    return [{"e2e_s": v, "ttft_s": v, "usd_answer": v / 1000, **fields} for v in values]


def test_a_ratio_states_the_effect_its_interval_and_the_answers_cost():
    data = rows("output", {"16 tokens": timed([1.0, 1.1, 0.9]), "32 tokens": timed([2.0, 2.1, 1.9])})
    sentence = chapter_sentence(data)
    assert sentence.startswith("Doubling the output from 16 to 32 tokens took 2.00x as long (95% interval")
    assert "other programs took 2% of the CPU" in sentence and "The answer cost 2.00x as much" in sentence


def test_without_a_clear_effect_the_sentence_says_inconclusive_and_states_no_cost():
    data = rows("output", {"16 tokens": timed([1.0, 1.1, 0.9]), "32 tokens": timed([1.05, 0.95, 1.0])})
    sentence = chapter_sentence(data)
    assert sentence.startswith("Inconclusive: doubling the output") and "cost" not in sentence


def test_a_busy_machine_makes_any_effect_inconclusive_with_its_figures():
    data = rows("output", {"16 tokens": timed([1.0, 1.1, 0.9]), "32 tokens": timed([2.0, 2.1, 1.9])})
    sentence = chapter_sentence({**data, "busy_share": 0.6})
    assert sentence.startswith("Inconclusive: other programs took 60% of the CPU while this ran (2.00x, 95% interval")


def test_a_bigger_model_states_its_weights_and_the_estimated_ladder():
    data = rows("size", {"SmolLM2 135M": timed([1.0, 1.1, 0.9], weights_mb=513.0),
                         "Gemma 3 270M": timed([1.6, 1.7, 1.5], weights_mb=1024.0)})  # fmt: skip
    data["estimates"] = [{"model": "Qwen2.5 7B Instruct", "params_m": 7615.6, "weights_mb": 29051.0,
                          "bandwidth_gb_s": 20.0, "decode_bound_tok_per_s": 0.69}]  # fmt: skip
    sentence = chapter_sentence(data)
    assert sentence.startswith("Gemma 3 270M instead of SmolLM2 135M took 1.60x as long (95% interval")
    assert "Its weights take 2.00x the memory (1,024 MB against 513 MB)." in sentence
    assert sentence.endswith("Estimated, not run: Qwen2.5 7B Instruct would need 29,051 MB of weights and, at the "
                             "20.0 GB/s this machine's memory moved, write at most 0.69 tokens per second.")


def test_the_first_token_against_the_next_ones():
    runs = [{"ttft_s": 0.5, "tpot_s": 0.1, "tokens_in": 200, "token_times_s": [0.5, 0.6, 0.7]}] * 3
    sentence = chapter_sentence(rows("tokens", {"answer": runs}))
    assert sentence.startswith("The first token took 5.00x as long as each next token (95% interval")
    assert sentence.endswith("Reading the 200-token prompt took 0.50 s; then a token came every 100 ms.")
    assert [p["token"] for p in points(rows("tokens", {"answer": runs[:1]}))] == [1, 2, 3]


def test_traffic_states_the_wait_and_what_batching_served():
    def round_of(copies: int, seconds: float, step: int) -> list[dict]:
        return [{"e2e_s": seconds, "request_epoch_s": 100.0 + step * 10, "tokens_out": 16, "step": step}] * copies

    data = rows("traffic", {})
    for step in range(3):
        found = [("1 request", round_of(1, 1.0, step)), ("4 at once, queued", round_of(4, 2.5, step)),
                 ("4 at once, batched", round_of(4, 2.0, step))]
        data["runs"] += [{"condition": label, "ok": True, **row} for label, group in found for row in group]
    sentence = chapter_sentence(data)
    assert sentence.startswith("4 requests at once, one after another, took 2.50x as long each (95% interval")
    assert "Batching them served 1.25x as many tokens per second (95% interval 1.25-1.25x, 3 and 3 runs" in sentence
    assert sentence.endswith("Each batched request took 2.00 s against 1.00 s alone.")


def test_cost_compares_an_output_token_with_an_input_token_and_plans_machines():
    reading = [{"tokens_out": 1, "tokens_in": 400, "ttft_s": 0.4, "usd_per_1m_in": 0.1, "hourly_usd": 0.1}] * 3
    writing = [{"tokens_out": 32, "tokens_in": 20, "ttft_s": 0.1, "tpot_s": 0.05, "decode_tok_per_s": 20.0,
                "usd_per_1m_out": 3.0, "usd_answer": 0.0001, "hourly_usd": 0.1, "energy_j": 36.0}] * 3  # fmt: skip
    sentence = chapter_sentence(rows("cost", {"reading": reading, "writing": writing}))
    assert sentence.startswith("An output token took 50.00x as long as an input token (95% interval 50.00-50.00x")
    assert "$0.1 per 1M input tokens, $3 per 1M output tokens and $0.0001 for a 32-token answer." in sentence
    assert "Electricity: about 0.31 Wh per 1,000 output tokens." in sentence
    assert "takes 9 such machines, one request at a time." in sentence  # 10,000 x 5 x 3 / 86,400 s x 5.05 s each


def test_samples_count_distinct_answers_and_check_the_seed():
    def answer(text: str, seed: int) -> dict:
        return {"text": text, "token_texts": list(text), "settings": {"seed": seed}}

    data = rows("samples", {"greedy": [answer("Tom", 1), answer("Tom", 2)],
                            "temperature 1.0": [answer("Tim", 1), answer("Max", 2)],
                            "seed 1 again": [answer("Tim", 1)]})  # fmt: skip
    assert chapter_sentence(data) == (
        "Asked the same prompt 2 times, greedy decoding gave the same answer every time; sampling at temperature 1.0 "
        "with 2 seeds gave 2 different answers. The sampled answers left the greedy one at token 2 (median). Seed 1 "
        "again gave the same answer.")


def test_graded_answers_are_checked_again_with_the_models_confidence():
    def answer(text: str, expected: str, logprob: float, name: str) -> dict:
        return {"prompt": f"Count the {name}.", "expected": expected, "check": "numeric", "text": text,
                "token_logprobs": [logprob], "model_name": "SmolLM2 135M"}  # fmt: skip

    data = rows("graded", {"Q1": [answer("12", "12", -0.1, "eggs")], "Q2": [answer("10", "3", -0.3, "r's")]})
    sentence = chapter_sentence(data)
    assert sentence.startswith("SmolLM2 135M answered 1 of 2 questions right (50%, 95% interval 0%-100%).")
    assert "Its median confidence was 74% in its wrong answers and 90% in its right ones." in sentence
    assert sentence.endswith('For example, "Count the r\'s." got "10" (expected 3).')


def test_no_rows_no_sentence():
    assert chapter_sentence({**QUICK["output"], "runs": []}).startswith("Not measured")
