"""The tour's chapters, in the explainer's order: one claim each, tested by two or three conditions of the
embedded default models, small enough to run on a 2-core machine (the quick size within 2 minutes)."""

from __future__ import annotations

from dataclasses import replace

from inference_core.experiments.questions import builtin_questions
from inference_core.experiments.tour import Chapter, Condition
from inference_core.models import document_prompt
from inference_core.types import Settings, TransformersLoad

MODEL = "smollm2-135m-instruct"
BIGGER = "gemma3-270m"
STORY = "Write a short story about a lighthouse."
PET = "Suggest a name for a pet cat and say why in one sentence."


def pinned(tokens: int, **changes: object) -> Settings:
    """Greedy, exactly ``tokens`` output tokens: the conditions differ only where the chapter says."""
    return Settings(max_new_tokens=tokens, min_new_tokens=tokens, **changes)


def _tokens(short: int, words: int) -> Chapter:
    answer = Condition("answer", document_prompt(words), pinned(short), MODEL)
    return Chapter(
        "tokens", "tokens", "An answer is written one token at a time: first the whole prompt is read, then each "
        "token is one more step.", "Why does an answer appear word by word?", "The first token", "ttft_s",
        "long as each next token", (answer,), page="compare",
        query={"prompt": answer.prompt, "lane": [f"{MODEL}:max_new_tokens={short}"]},
    )  # fmt: skip


def _input(words: tuple[int, int], tokens: int) -> Chapter:
    short, long = (Condition(f"{n} words", document_prompt(n), pinned(tokens), MODEL) for n in words)
    return Chapter(
        "input", "ratio", "Longer input is slower: the model reads every input token before it writes one.",
        "Why does long context slow things down?", f"A document of {words[1]} words instead of {words[0]}",
        "ttft_s", "long to the first token", (short, long), page="experiments",
        query={"experiment": "input-length", "model": MODEL, "tokens": tokens},
    )  # fmt: skip


def _output(short: int, long: int) -> Chapter:
    conditions = tuple(Condition(f"{n} tokens", STORY, pinned(n), MODEL) for n in (short, long))
    return Chapter(
        "output", "ratio", "Longer output is slower and dearer: every output token is one more step.",
        "Why does usage pricing depend on output size?", f"Doubling the output from {short} to {long} tokens",
        "e2e_s", "long", conditions, page="experiments",
        query={"experiment": "output-length", "model": MODEL, "lengths": f"{short},{long}"},
    )  # fmt: skip


def _size(short: int) -> Chapter:
    small = Condition("SmolLM2 135M", STORY, pinned(short), MODEL)
    big = Condition("Gemma 3 270M", STORY, pinned(short), BIGGER)
    return Chapter(
        "size", "ratio", "Bigger models are slower and need more memory: every token passes through every weight.",
        "Why is bigger slower?", "Gemma 3 270M instead of SmolLM2 135M", "e2e_s", "long", (small, big),
        page="experiments", query={"experiment": "model-size", "tokens": short},
    )  # fmt: skip


def _traffic(short: int, together: int) -> Chapter:
    plain, batched = pinned(short), pinned(short, load=TransformersLoad(batching="continuous"))
    conditions = (Condition("1 request", STORY, plain, MODEL),
                  Condition(f"{together} at once, queued", STORY, plain, MODEL, copies=together),
                  Condition(f"{together} at once, batched", STORY, batched, MODEL, copies=together))  # fmt: skip
    return Chapter(
        "traffic", "traffic", "Heavy traffic competes for the same machine: each request waits longer, and batching "
        "trades some of each one's speed for more answers per second.",
        "Why do companies talk about latency and throughput?", f"{together} requests at once, one after another,",
        "e2e_s", "long each", conditions, page="experiments", query={"experiment": "traffic", "model": MODEL},
    )  # fmt: skip


def _cost(words: int, long: int) -> Chapter:
    reading = Condition("reading", document_prompt(words), pinned(1), MODEL)
    writing = Condition("writing", STORY, pinned(long), MODEL)
    return Chapter(
        "cost", "cost", "Every prompt costs machine time, memory and electricity, and an output token costs more "
        "than an input token.", "Why does every prompt still cost hardware, electricity and capacity planning?",
        "An output token", "token_s", "long as an input token", (reading, writing), page="cost",
    )  # fmt: skip


def _samples(tokens: int, seeds: int) -> Chapter:
    sampled = Settings(max_new_tokens=tokens, temperature=1.0)
    plan = [pair for seed in range(1, seeds + 1) for pair in (
        Condition("greedy", PET, Settings(max_new_tokens=tokens, seed=seed), MODEL),
        Condition("temperature 1.0", PET, sampled.replace(seed=seed), MODEL))]  # fmt: skip
    plan.append(Condition("seed 1 again", PET, sampled.replace(seed=1), MODEL))
    return Chapter(
        "samples", "samples", "The same prompt can get different answers: sampling draws each token at random, "
        "and the seed fixes the draw.", "Why does the same prompt get different answers?", "Sampling",
        "tokens_out", "", tuple(plan), repeats=1, page="quality",
        query={"model": MODEL, "prompt": PET, "temperature": 1.0},
    )  # fmt: skip


def _graded(count: int, tokens: int) -> Chapter:
    questions = builtin_questions()
    picked = [questions[round(i * (len(questions) - 1) / max(count - 1, 1))] for i in range(count)]
    settings = Settings(max_new_tokens=tokens, logprobs=1)
    conditions = tuple(Condition(f"Q{number}", q.prompt, settings, MODEL, extra=q.model_dump())
                       for number, q in enumerate(picked, start=1))  # fmt: skip
    return Chapter(
        "graded", "graded", "A fluent answer can be wrong: the model writes what is likely, not what is checked.",
        "Why can a smooth reply still contain errors?", "", "confidence", "", conditions, repeats=1,
        page="quality", query={"model": MODEL},
    )  # fmt: skip


def chapters(quick: bool = False, most_tokens: int = 64, most_lanes: int = 4) -> list[Chapter]:
    """The explainer's claims, in its order: no length past ``most_tokens`` and no more requests at once than
    ``most_lanes`` (the operator's limits). A chapter those limits leave nothing to compare is ``blocked``."""
    long = min(32 if quick else 64, most_tokens)
    short = max(1, long // 2)
    words = (60, 240) if quick else (60, 360)
    one_token = f"needs at least 2 output tokens (the operator's max_new_tokens is {most_tokens})"
    found = [
        (_tokens(max(2, short), 120), one_token if most_tokens < 2 else ""),
        (_input(words, min(4, most_tokens)), ""),
        (_output(short, long), one_token if most_tokens < 2 else ""),
        (_size(short), ""),
        (_traffic(short, min(4, max(2, most_lanes))),
         f"needs 2 requests at once (the operator's max_lanes is {most_lanes})" if most_lanes < 2 else ""),
        (_cost(words[1], max(2, long)), one_token if most_tokens < 2 else ""),
        (_samples(min(24, most_tokens), 2 if quick else 3), ""),
        (_graded(6 if quick else 10, min(16, most_tokens)), ""),
    ]
    return [replace(chapter, blocked=blocked) if blocked else chapter for chapter, blocked in found]
