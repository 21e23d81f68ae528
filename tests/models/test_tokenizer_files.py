"""A converted model's tokenizer read straight from its file behaves as AutoTokenizer's, on both packaged models."""

from __future__ import annotations

import pytest
from transformers import AutoTokenizer

from inference_core.models.tokenizer_files import load_saved_tokenizer
from inference_core.models.weights import convert_gguf

TEXTS = [
    "Hello world, how are you?",
    "  multiple   spaces\n\nnewlines\tand tabs  ",
    "日本語のテキスト, émigré café, emoji 🤖🚀",
    "<bos>special tokens<eos> as text <|im_start|>",
    "def f(x):\n    return x ** 2  # code",
]


@pytest.mark.slow
@pytest.mark.parametrize("model", ["smollm2", "gemma3"])
def test_reads_as_auto_tokenizer_does(request, model):
    folder = convert_gguf(request.getfixturevalue(model))
    ours, auto = load_saved_tokenizer(folder), AutoTokenizer.from_pretrained(folder)
    for text in TEXTS:
        ids = auto(text)["input_ids"]
        assert ours(text)["input_ids"] == ids
        assert ours.decode(ids) == auto.decode(ids)
        assert ours.decode(ids, skip_special_tokens=True) == auto.decode(ids, skip_special_tokens=True)
    assert ours.all_special_ids == auto.all_special_ids
    assert (ours.bos_token_id, ours.eos_token_id, ours.pad_token_id) == (
        auto.bos_token_id, auto.eos_token_id, auto.pad_token_id
    )  # fmt: skip
    assert ours.chat_template == auto.chat_template
    if auto.chat_template:
        chat = [{"role": "user", "content": TEXTS[2]}]
        assert ours.apply_chat_template(chat, add_generation_prompt=True) == auto.apply_chat_template(
            chat, add_generation_prompt=True
        )
