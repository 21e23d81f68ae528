"""A fused decode loop for Llama-family models in float32 on the CPU: the same weights, fewer operators.

Eager transformers spends about half of each SmolLM2 token between operators
(``benchmarks/profile_decode.py``): 30 layers of module calls around seven matrix products each.
This loop runs the model's own weights with q/k/v fused into one matrix and gate/up into another,
every matrix stored transposed (the layout MKL's matrix-vector product reads fastest here; the output
head too, which a tied embedding then reads as a view), a new token's norms as a dot product and one
``addcmul``, rotary embeddings as three operations on q and k together, a KV cache allocated once per
run, and a new token's attention as two batched products per layer (torch's CPU attention with grouped
heads falls back to a general path that costs four times as much at one query). transformers' modules
are re-pointed at views of the fused matrices, so nothing is held twice and ``generate`` still works on
the same model.

It plugs into ``model.generate`` as a ``custom_generate`` callable: logits processors (sampling,
pinned lengths), stopping criteria and the streamer stay transformers' own; only the forward passes
are replaced. ``fusable`` says which models it runs (Llama and Qwen2 architectures: SmolLM2 and the
Llama/Qwen shapes), and why not otherwise.
"""

from __future__ import annotations

from typing import Any

ARCHITECTURES = ("llama", "qwen2")


def fusable(model: Any) -> str:
    """Why the fused loop cannot run ``model`` ("" when it can)."""
    import torch

    config = model.config
    if config.model_type not in ARCHITECTURES:
        return f"the fused decoder runs {' and '.join(ARCHITECTURES)} architectures, not {config.model_type}"
    if model.device.type != "cpu" or model.dtype != torch.float32:
        return "the fused decoder runs float32 weights on the CPU"
    if any(kind != "full_attention" for kind in getattr(config, "layer_types", None) or ()):
        return "the fused decoder does not run sliding-window attention"
    if config.hidden_act != "silu" or getattr(config, "mlp_bias", False):
        return "the fused decoder runs SiLU-gated MLPs without biases"
    layer = model.model.layers[0]
    if not all(isinstance(linear, torch.nn.Linear) for linear in (layer.self_attn.q_proj, layer.mlp.down_proj)):
        return "the fused decoder runs unquantized Linear layers"
    return ""


class FusedDecoder:
    """The fused weights of one loaded model and its forward pass over a run's own KV cache."""

    def __init__(self, model: Any) -> None:
        import torch

        config = model.config
        self.model = model
        self.layers = model.model.layers
        attention = self.layers[0].self_attn
        self.heads, self.kv_heads = config.num_attention_heads, config.num_key_value_heads
        self.head_dim, self.scale = attention.head_dim, attention.scaling
        self.hidden, self.intermediate = config.hidden_size, config.intermediate_size
        self.eps = self.layers[0].input_layernorm.variance_epsilon
        self.qkv, self.out, self.gate_up, self.down = [], [], [], []
        qkv_biases = []
        with torch.no_grad():
            for layer in self.layers:
                attn, mlp = layer.self_attn, layer.mlp
                self.qkv.append(_fuse_transposed(attn.q_proj, attn.k_proj, attn.v_proj))
                biases = [linear.bias for linear in (attn.q_proj, attn.k_proj, attn.v_proj)]
                qkv_biases.append(torch.cat(biases) if biases[0] is not None else None)
                self.out.append(_fuse_transposed(attn.o_proj))
                self.gate_up.append(_fuse_transposed(mlp.gate_proj, mlp.up_proj))
                self.down.append(_fuse_transposed(mlp.down_proj))
            self.head = _transposed_head(model)
            fused = (*self.qkv, *self.out, *self.gate_up, *self.down, self.head)
            _own_memory(model, fused={t.data_ptr() for t in fused})
        norms = [(layer.input_layernorm.weight, layer.post_attention_layernorm.weight) for layer in self.layers]
        self.final_norm, self.embedding = model.model.norm.weight, model.model.embed_tokens.weight
        self._weights = list(zip(norms, self.qkv, qkv_biases, self.out, self.gate_up, self.down, strict=True))
        """Per layer, what a forward reads: (norm weights, qkv, qkv bias or None, out, gate_up, down)."""
        self.dtype = self.embedding.dtype
        """Every tensor made here is made in it, never in torch's default dtype: another thread's load sets
        that for the whole process while it builds (a bfloat16 cache under a float32 query broke runs)."""
        self._cos = self._sin = torch.empty(0, dtype=self.dtype)
        self._zeros = torch.zeros(1, self.hidden, dtype=self.dtype)  # added to by addcmul, baddbmm
        self._zero = torch.zeros((), dtype=self.dtype)
        self._step_buffers()

    def _step_buffers(self) -> None:
        """Outputs a new token's products are written into, and views of them made once: each view
        costs a Python-level call per layer and token otherwise. One run at a time uses them (the
        model's lock serializes runs)."""
        import torch

        heads, kv_heads, head_dim = self.heads, self.kv_heads, self.head_dim
        self._qkv_row = torch.empty(1, (heads + 2 * kv_heads) * head_dim, dtype=self.dtype)
        by_head = self._qkv_row.view(heads + 2 * kv_heads, head_dim)
        self._qk_rows = by_head[None, : heads + kv_heads]  # rotated in place
        self._query = by_head[:heads].view(kv_heads, heads // kv_heads, head_dim)
        self._new_kv = by_head[heads:].view(2, kv_heads, head_dim)
        self._attended = torch.empty(kv_heads, heads // kv_heads, head_dim, dtype=self.dtype)
        self._attended_row = self._attended.view(1, heads * head_dim)
        self._gate_up_row = torch.empty(1, 2 * self.intermediate, dtype=self.dtype)
        self._gate, self._up = self._gate_up_row[:, : self.intermediate], self._gate_up_row[:, self.intermediate :]

    def new_cache(self, length: int) -> list[tuple[Any, Any, Any]]:
        """A run's KV cache, allocated once: per layer, keys and values in one (2, KV heads, positions,
        head dim) tensor, so a new token's pair is one write; with it, views of the keys as (KV heads,
        head dim, positions) and of the values, as a new token's attention reads them."""
        import torch

        cache = []
        for _ in self.layers:
            pairs = torch.empty(2, self.kv_heads, length, self.head_dim, dtype=self.dtype)
            cache.append((pairs, pairs[0].transpose(1, 2), pairs[1]))
        return cache

    def forward(self, token_ids: Any, position: int, cache: list[tuple[Any, Any, Any]]) -> Any:
        """Next-token logits (1, vocab) after ``token_ids`` (1-D) placed at ``position`` onwards.

        Several tokens (the prompt) must start at position 0; one token attends to every cached one."""
        import torch
        import torch.nn.functional as F

        count = token_ids.shape[0]
        if count > 1 and position != 0:
            raise ValueError("the fused decoder takes several tokens only as a prompt, at position 0")
        x = F.embedding(token_ids, self.embedding)
        x = self._prompt(x, cache) if count > 1 else self._token(x, position, cache)
        return torch.mm(self._norm(x[-1:], self.final_norm), self.head)

    def _prompt(self, x: Any, cache: list[tuple[Any, Any, Any]]) -> Any:
        """The prompt's hidden states after every layer, its keys and values written to ``cache``."""
        import torch
        import torch.nn.functional as F

        count, heads, kv_heads, head_dim = x.shape[0], self.heads, self.kv_heads, self.head_dim
        cos, sin = self._rotary(count)
        cos, sin = cos[:count, None], sin[:count, None]
        for ((first_norm, second_norm), qkv, bias, out, gate_up, down), (pairs, _, _) in zip(
            self._weights, cache, strict=True
        ):
            h = self._norm(x, first_norm)
            by_head = (torch.mm(h, qkv) if bias is None else torch.addmm(bias, h, qkv)).view(count, -1, head_dim)
            qk = by_head[:, : heads + kv_heads]
            by_head[:, : heads + kv_heads] = torch.addcmul(qk * cos, qk.roll(head_dim // 2, -1), sin)
            pairs[:, :, :count] = by_head[:, heads:].view(count, 2, kv_heads, head_dim).permute(1, 2, 0, 3)
            attended = F.scaled_dot_product_attention(
                by_head[:, :heads].transpose(0, 1), pairs[0, :, :count], pairs[1, :, :count],
                is_causal=True, scale=self.scale, enable_gqa=True,
            ).transpose(0, 1).reshape(count, heads * head_dim)  # fmt: skip
            x = torch.addmm(x, attended, out)
            gate, up = torch.mm(self._norm(x, second_norm), gate_up).chunk(2, -1)
            x = torch.addmm(x, F.silu(gate) * up, down)
        return x

    def _token(self, x: Any, position: int, cache: list[tuple[Any, Any, Any]]) -> Any:
        """One new token's hidden state after every layer, written into this decoder's buffers.

        Each KV head's group of query heads attends as one batch: (KV heads, group, head dim)."""
        import torch
        import torch.nn.functional as F

        end, half = position + 1, self.head_dim // 2
        cos, sin = self._rotary(end)
        cos, sin = cos[position], sin[position]
        qk, query, attended = self._qk_rows, self._query, self._attended
        for ((first_norm, second_norm), qkv, bias, out, gate_up, down), (pairs, keys_by_dim, values) in zip(
            self._weights, cache, strict=True
        ):
            h = self._norm(x, first_norm)
            if bias is None:
                torch.mm(h, qkv, out=self._qkv_row)
            else:
                torch.addmm(bias, h, qkv, out=self._qkv_row)
            torch.addcmul(qk * cos, qk.roll(half, -1), sin, out=qk)  # rotate_half as a roll and a signed sin
            pairs[:, :, position] = self._new_kv
            scores = torch.baddbmm(self._zero, query, keys_by_dim[:, :, :end], beta=0, alpha=self.scale)
            torch.bmm(torch.softmax(scores, -1), values[:, :end], out=attended)
            x = torch.addmm(x, self._attended_row, out)
            torch.mm(self._norm(x, second_norm), gate_up, out=self._gate_up_row)
            x = torch.addmm(x, F.silu(self._gate).mul_(self._up), down)
        return x

    def _norm(self, x: Any, weight: Any) -> Any:
        """RMS norm. For one row, its scale as a Python float and one ``addcmul`` onto zeros: torch's
        ``rms_norm`` runs as eight operators on the CPU, 60 us each time here."""
        import torch
        import torch.nn.functional as F

        if x.shape[0] > 1:
            return F.rms_norm(x, (self.hidden,), weight, self.eps)
        row = x[0]
        scale = (torch.dot(row, row).item() / self.hidden + self.eps) ** -0.5
        return torch.addcmul(self._zeros, x, weight, value=scale)

    def _rotary(self, length: int) -> tuple[Any, Any]:
        """cos and signed sin for positions 0..length-1, from the model's own rotary module (its scaling included)."""
        import torch

        if self._cos.shape[0] < length:
            size = max(length, 2 * self._cos.shape[0], 256)
            positions = torch.arange(size).unsqueeze(0)
            cos, sin = self.model.model.rotary_emb(self.embedding[:1].unsqueeze(0), positions)
            half = self.head_dim // 2
            sign = torch.cat([-torch.ones(half, dtype=self.dtype), torch.ones(half, dtype=self.dtype)])
            self._cos, self._sin = cos[0].contiguous(), (sin[0] * sign).contiguous()
        return self._cos, self._sin

    def generate(
        self,
        model: Any,
        input_ids: Any,
        logits_processor: Any,
        stopping_criteria: Any,
        generation_config: Any,
        synced_gpus: bool = False,
        streamer: Any = None,
        **model_kwargs: Any,
    ) -> Any:
        """``generate``'s decoding loop for one sequence, with this decoder's forward passes (``custom_generate``)."""
        import torch
        from transformers.generation.utils import GenerateDecoderOnlyOutput

        if input_ids.shape[0] != 1:
            raise ValueError("the fused decoder generates one sequence at a time")
        keep_logits = generation_config.return_dict_in_generate and generation_config.output_logits
        raw_logits: list[Any] = []
        processors = [_cheaper(processor) for processor in logits_processor]
        cache = self.new_cache(input_ids.shape[1] + generation_config.max_new_tokens)
        logits = self.forward(input_ids[0], 0, cache)
        while True:
            if keep_logits:
                raw_logits.append(logits.clone())
            scores = logits
            for processor in processors:  # what LogitsProcessorList does, without its per-token signature checks
                scores = processor(input_ids, scores)
            if generation_config.do_sample:
                token = torch.multinomial(torch.softmax(scores, dim=-1), num_samples=1)[0]
            else:
                token = scores.argmax(dim=-1)
            input_ids = torch.cat([input_ids, token[:, None]], dim=-1)
            if streamer is not None:
                streamer.put(token)
            if stopping_criteria(input_ids, scores).all():
                break
            logits = self.forward(token, input_ids.shape[1] - 1, cache)
        if streamer is not None:
            streamer.end()
        if generation_config.return_dict_in_generate:
            return GenerateDecoderOnlyOutput(sequences=input_ids, logits=tuple(raw_logits) if keep_logits else None)
        return input_ids


class _EosBarred:
    """transformers' minimum-length rules (EOS barred below a length) without a vocabulary-sized mask per token."""

    def __init__(self, min_length: int, eos_ids: Any) -> None:
        self.min_length, self.eos_ids = min_length, eos_ids

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        if input_ids.shape[-1] < self.min_length:
            return scores.index_fill(-1, self.eos_ids, float("-inf"))
        return scores


def _cheaper(processor: Any) -> Any:
    """An equivalent of ``processor`` that costs less per token, or the processor itself.

    transformers' two minimum-length processors rebuild an EOS mask over the whole vocabulary on
    every token: 0.5 ms each for SmolLM2's 49k entries, and a pinned length adds both."""
    from transformers.generation.logits_process import MinLengthLogitsProcessor, MinNewTokensLengthLogitsProcessor

    if isinstance(processor, MinLengthLogitsProcessor):
        return _EosBarred(processor.min_length, processor.eos_token_id)
    if isinstance(processor, MinNewTokensLengthLogitsProcessor):
        return _EosBarred(processor.prompt_length_to_skip + processor.min_new_tokens, processor.eos_token_id)
    return processor


def _fuse_transposed(*linears: Any) -> Any:
    """One (in, sum of outs) matrix holding the layers' weights transposed; each layer re-pointed at its view."""
    import torch

    fused = torch.cat([linear.weight for linear in linears]).t().contiguous()
    start = 0
    for linear in linears:
        width = linear.weight.shape[0]
        linear.weight = torch.nn.Parameter(fused[:, start : start + width].t(), requires_grad=False)
        start += width
    return fused


def _transposed_head(model: Any) -> Any:
    """The output head as a (hidden, vocab) matrix; the head, and a tied input embedding, re-pointed at its view."""
    head, embedding = model.lm_head, model.model.embed_tokens
    tied = head.weight.data_ptr() == embedding.weight.data_ptr()
    transposed = _fuse_transposed(head)
    if tied:
        embedding.weight = head.weight
    return transposed


def _own_memory(model: Any, fused: set[int]) -> None:
    """Copy every other tensor out of the loaded file's memory map, so the whole map is released.

    A map stays resident while any tensor still points into it: without this, the replaced
    weights' pages would count twice in the process's memory."""
    for tensor in (*model.parameters(), *model.buffers()):
        if tensor.untyped_storage().data_ptr() not in fused:
            tensor.data = tensor.data.clone()
