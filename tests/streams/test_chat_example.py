"""The chat example (steps/chat/): the reply streams token by token from a TEST model
server into `chat-messages`; without the model's settings the API answers 503."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import trio

from tests.helpers import REPO_ROOT, serving, wait_for
from tests.streams.helpers import event_of, socket, ws_url
from tests.streams.llm_stub import TEST_KEY, TEST_TOKENS, start_test_llm

LLM_VARIABLES = ("LLM_BASE_URL", "LLM_API_KEY", "LLM_MODEL")


@pytest.fixture
def chat_project(make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    """The chat steps alone in a project, with no model configured."""
    for name in LLM_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    project = make_project()
    shutil.copytree(REPO_ROOT / "steps" / "chat", project / "steps" / "chat")
    return project


async def test_without_a_model_the_api_answers_503_naming_what_is_missing(
    chat_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {"conversationId": "c1", "message": "hello"}
    async with serving(chat_project) as (services, http):
        assert not services.runtime.project.errors  # the steps load without the key
        response = await http.post("/chat/messages", json=body)
        assert response.status_code == 503
        assert response.json() == {
            "error": "the chat model is not configured",
            "traceId": response.headers["x-trace-id"],
            "missing": list(LLM_VARIABLES),
        }
        assert (await http.get("/streams/chat-messages/c1")).json() == []
    monkeypatch.setenv("LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("LLM_MODEL", "test-model")
    async with serving(chat_project) as (_, http):
        response = await http.post("/chat/messages", json=body)
        assert response.status_code == 503 and response.json()["missing"] == ["LLM_API_KEY"]


async def test_the_reply_streams_token_by_token_from_the_test_model(
    chat_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with trio.open_nursery() as nursery:
        llm = await start_test_llm(nursery)
        monkeypatch.setenv("LLM_BASE_URL", llm.url)
        monkeypatch.setenv("LLM_API_KEY", TEST_KEY)
        monkeypatch.setenv("LLM_MODEL", "test-model")
        async with serving(chat_project) as (services, http), socket(ws_url(services)) as ws:
            await ws.join("chat-messages", "conv-1")
            assert event_of(await ws.next()) == ("sync", [])
            response = await http.post(
                "/chat/messages", json={"conversationId": "conv-1", "message": "Hello?"}
            )
            assert response.status_code == 202, response.text
            reply_id = response.json()["replyId"]

            replies: list[dict[str, Any]] = []
            while not replies or replies[-1]["status"] not in ("done", "error"):
                kind, item = event_of(await ws.next(timeout=10))
                if item["role"] == "assistant":
                    assert item["id"] == reply_id
                    replies.append(item)
                else:
                    assert (kind, item["content"], item["status"]) == ("create", "Hello?", "done")

            answer = "".join(TEST_TOKENS)
            assert replies[-1]["status"] == "done" and replies[-1]["content"] == answer
            assert replies[0]["status"] == "pending" and replies[0]["content"] == ""
            streamed = [r["content"] for r in replies if r["status"] == "streaming"]
            # Every token is its own update, each one the text so far.
            assert streamed == ["".join(TEST_TOKENS[: n + 1]) for n in range(len(TEST_TOKENS))]

            [request] = llm.requests
            assert request["headers"]["authorization"] == f"Bearer {TEST_KEY}"
            assert request["body"]["model"] == "test-model" and request["body"]["stream"] is True
            assert request["body"]["messages"] == [{"role": "user", "content": "Hello?"}]

            stored = (await http.get("/streams/chat-messages/conv-1")).json()
            assert [(m["role"], m["content"]) for m in stored] == [
                ("user", "Hello?"),
                ("assistant", answer),
            ]
        nursery.cancel_scope.cancel()


async def test_a_failing_model_shows_in_the_reply(
    chat_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with trio.open_nursery() as nursery:
        llm = await start_test_llm(nursery)
        monkeypatch.setenv("LLM_BASE_URL", llm.url)
        monkeypatch.setenv("LLM_API_KEY", "not-the-TEST-key")  # the TEST server answers 401
        monkeypatch.setenv("LLM_MODEL", "test-model")
        async with serving(chat_project) as (_, http):
            response = await http.post(
                "/chat/messages", json={"conversationId": "c", "message": "hi"}
            )
            reply_url = f"/streams/chat-messages/c/{response.json()['replyId']}"

            async def failed() -> Any:
                reply = (await http.get(reply_url)).json()
                return reply if reply["status"] == "error" else None

            reply = await wait_for(failed)
            assert reply["error"] == "the model did not answer" and reply["content"] == ""
        nursery.cancel_scope.cancel()


async def test_the_chat_page_is_self_contained_html(chat_project: Path) -> None:
    async with serving(chat_project) as (_, http):
        page = await http.get("/chat")
        assert page.status_code == 200 and page.headers["x-trace-id"]
        assert page.headers["content-type"].startswith("text/html")
        html = page.text
        assert "/__streams" in html and "'/streams/' + STREAM" in html  # live, then polling
        assert "<script src" not in html and "<link" not in html  # nothing from a CDN
