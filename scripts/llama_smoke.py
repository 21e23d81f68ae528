"""Two greedy tokens from the packaged SmolLM2 GGUF through llama-cpp-python: proves the compiled
library runs on this CPU (scripts/install_llama.sh rebuilds it when this fails).

    PYTHONPATH=. .venv/bin/python scripts/llama_smoke.py
"""

from __future__ import annotations

from llama_cpp import Llama

from inference_core.models.catalog import resolve_reference
from inference_core.models.paths import locate_gguf

if __name__ == "__main__":
    llm = Llama(model_path=str(locate_gguf(resolve_reference("smollm2-135m-instruct"))), n_ctx=64, verbose=False)
    tokens = []
    for token in llm.generate(llm.tokenize(b"Hello"), temp=0.0, top_k=1):
        tokens.append(token)
        if len(tokens) == 2:
            break
    print(f"llama.cpp runs here: {tokens}")
