"""Example prompts that exercise the explainer's questions, and the attached document."""

from __future__ import annotations

DOCUMENT = """\
Why does AI still cost money after training? Training a language model is a large one-time \
expense, but every answer it gives afterwards is computed fresh. To answer, the model first reads \
the whole prompt: each input token passes through every layer, and the attention layers compare \
it with the tokens before it. This reading step, called prefill, grows with the length of the \
input. Then the model writes its answer one token at a time. Each new token needs another pass \
through all of the model's weights, so a model with more parameters needs more arithmetic and, \
above all, more memory traffic for every token it writes. That is why longer answers take longer \
and why bigger models are slower on the same hardware. While it writes, the model keeps a cache \
of keys and values for every token it has seen; this cache grows with the input and the output \
and occupies memory that other requests could have used. When many people ask at once, their \
requests compete for the same processors and the same memory bandwidth: a server can batch them \
together to use the hardware better, but each person may wait longer for the first token. \
Providers therefore charge by the token, usually with different prices for input and output \
tokens, because the two steps use the hardware differently. Running a model yourself is not free \
either: the machine costs money by the hour whether it is busy or idle, so the price of a token \
depends on how fast the model runs and how much of the time the machine is actually in use. \
Finally, a fluent answer is not necessarily a correct one: the model predicts likely text, and a \
confident, well-formed reply can still contain mistakes that only checking reveals."""

QUESTION = "Using the document above, list three reasons why answering a question with an AI model costs money."

EXAMPLES: dict[str, str] = {
    "Short question": "What is the capital of France?",
    "Long instruction with a document": f"Read this document carefully.\n\n{DOCUMENT}\n\n{QUESTION}",
    "Request for a long answer": (
        "Write a detailed, step-by-step explanation of how a bicycle works, covering the frame, "
        "wheels, gears, chain, brakes and steering. Use at least five paragraphs."
    ),
    "A fluent answer can be wrong": "How many times does the letter r appear in the word strawberry?",
}
EXAMPLE_TOKENS: dict[str, int] = {"Request for a long answer": 256}
"""Output tokens an example asks of every lane (within the operator's limit): a long answer is long."""


def document_prompt(document_words: int) -> str:
    """The question with an attached document of about ``document_words`` words (repeated as needed)."""
    words = DOCUMENT.split()
    repeated = (words * (document_words // len(words) + 1))[:document_words]
    return f"Read this document carefully.\n\n{' '.join(repeated)}\n\n{QUESTION}"


COMPLETION_NOTE = "base model: asked as a completion ('Question: ...' then 'Answer:'), stopped at the end of its answer"
_ANSWER_ENDS = ("\n\n", "\nQuestion:", "\nAnswer:")


def completion_prompt(prompt: str) -> str:
    """A base (non-chat) model continues text: a question becomes the start of a question-and-answer pair."""
    return f"Question: {prompt.strip()}\nAnswer:"


def answer_ended(text: str) -> bool:
    """Whether a base model's continuation has finished its answer (a blank line or the next question)."""
    answer = text.lstrip()
    return bool(answer) and any(end in answer for end in _ANSWER_ENDS)


def trim_answer(text: str) -> str:
    """A base model's answer without what follows its end (the blank line, the next question), as APIs drop
    a stop sequence from the text; the tokens it took are still counted."""
    start = len(text) - len(text.lstrip())
    ends = [found for end in _ANSWER_ENDS if (found := text.find(end, start)) >= 0]
    return text[: min(ends)] if ends else text
