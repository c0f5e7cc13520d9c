"""Asks an OpenAI-compatible chat-completions API for the reply, with `stream: true`, and
writes it into the `chat-messages` stream token by token: every token is an `update` that
subscribers see at once.

A plain `def`: it runs in a worker thread, where urllib can block on the model's server-sent
events and the context's stream calls return their values directly.
"""

import json
import os
import urllib.request

config = {
    "type": "event",
    "name": "StreamChatReply",
    "description": "Streams the model's reply into chat-messages, token by token",
    "subscribes": ["chat.message.received"],
    "emits": [],
    "input": {
        "type": "object",
        "properties": {"conversationId": {"type": "string"}, "replyId": {"type": "string"}},
        "required": ["conversationId", "replyId"],
    },
    "flows": ["chat"],
    # A reply is streamed once: a retry would replay it to everyone watching. A failure
    # is shown in the reply itself instead.
    "infrastructure": {"handler": {"timeout": 120}, "queue": {"maxRetries": 0}},
}

REQUEST_TIMEOUT = 60


def handler(event, context):
    messages = context.streams["chat-messages"]
    conversation, reply_id = event["conversationId"], event["replyId"]
    reply = messages.get(conversation, reply_id)
    if reply is None:
        context.logger.warn("the reply to stream is gone", {"replyId": reply_id})
        return
    history = [
        {"role": m["role"], "content": m["content"]}
        for m in messages.get_group(conversation)
        if m["id"] != reply_id and m["status"] == "done"
    ]
    content = ""
    try:
        for token in chat_tokens(history):
            content += token
            messages.set(conversation, reply_id, {**reply, "content": content, "status": "streaming"})
    except (OSError, KeyError, ValueError) as exc:  # network, missing variable, bad answer
        context.logger.error("the chat model failed", {"error": str(exc), "replyId": reply_id})
        failed = {**reply, "content": content, "status": "error", "error": "the model did not answer"}
        messages.set(conversation, reply_id, failed)
        return
    messages.set(conversation, reply_id, {**reply, "content": content, "status": "done"})


def chat_tokens(history):
    """The content tokens of a streamed chat completion, as they arrive."""
    base_url = os.environ["LLM_BASE_URL"].rstrip("/")
    body = {"model": os.environ["LLM_MODEL"], "messages": history, "stream": True}
    request = urllib.request.Request(
        f"{base_url}/chat/completions",
        data=json.dumps(body).encode(),
        headers={
            "Authorization": f"Bearer {os.environ['LLM_API_KEY']}",
            "Content-Type": "application/json",
            "Accept": "text/event-stream",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
        # Server-sent events: `data: {json}` lines, blank lines between events, `[DONE]` last.
        for raw in response:
            line = raw.decode("utf-8").strip()
            if not line.startswith("data:"):
                continue
            payload = line[len("data:") :].strip()
            if payload == "[DONE]":
                return
            for choice in json.loads(payload).get("choices") or []:
                token = (choice.get("delta") or {}).get("content")
                if token:
                    yield token
