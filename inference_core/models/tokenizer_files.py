"""Loading a tokenizer straight from its ``tokenizer.json``, for the folders this app writes itself.

``AutoTokenizer`` in transformers 5 parses ``tokenizer.json`` in Python, rebuilds the model-specific
tokenizer from its vocabulary and merges, and copies it: 3.4 s for Gemma 3's 262k-entry vocabulary
on two cores. The converted cache holds the exact pipeline that tokenizer was saved as, so it is
read once by the ``tokenizers`` library instead (1.5 s), with the saved special tokens and chat
template. Folders written by others keep ``AutoTokenizer`` and their model-specific classes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SAVED_SETTINGS = (
    "bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token", "mask_token",
    "additional_special_tokens", "extra_special_tokens", "model_max_length", "padding_side",
    "truncation_side", "clean_up_tokenization_spaces", "chat_template",
)  # fmt: skip
"""The ``tokenizer_config.json`` entries that shape how a saved tokenizer encodes, decodes and chats."""


def saved_tokenizer_settings(folder: Path) -> dict[str, Any]:
    """The keyword arguments ``save_pretrained`` left in ``folder``: special tokens, limits, chat template."""
    config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    settings = {key: config[key] for key in SAVED_SETTINGS if config.get(key) is not None}
    template = folder / "chat_template.jinja"
    if template.is_file():
        settings["chat_template"] = template.read_text(encoding="utf-8")
    return settings


def load_saved_tokenizer(folder: str | Path) -> Any:
    """A fast tokenizer read directly from ``folder/tokenizer.json`` (written by ``save_pretrained``)."""
    from transformers import PreTrainedTokenizerFast

    folder = Path(folder)
    return PreTrainedTokenizerFast(tokenizer_file=str(folder / "tokenizer.json"), **saved_tokenizer_settings(folder))
