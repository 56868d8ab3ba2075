"""Generator backends through the registry: grounded, openai (fake loopback server), and the
clear errors of llama-cpp and transformers when their file or package is missing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from assistant.backends.errors import BackendError, ModelFileMissingError
from assistant.backends.registry import available, create


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
    import importlib

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
        create("generator", "llama-cpp")
    with pytest.raises(ModelFileMissingError, match="model_dir"):
        create("generator", "transformers", model_dir=str(tmp_path / "missing"))


def test_llama_cpp_without_the_package_names_it(tmp_path: Path) -> None:
    pytest.importorskip("pytest")
    try:
        import llama_cpp  # noqa: F401

        pytest.skip("llama-cpp-python is installed")
    except ImportError:
        pass
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    with pytest.raises(BackendError, match="llama-cpp-python"):
        create("generator", "llama-cpp", model_path=str(model))
