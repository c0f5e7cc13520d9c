"""The workbench in headless Chromium against the real example project: every view
loads, the flow graph is drawn and its layout saved, an endpoint is called from its
form and its trace opened, a log line arrives live, a state value is edited, an
emit is checked against its subscriber's schema, a dead letter is replayed, a cron
step is run, and a stream group is watched live. Each view leaves a screenshot
(kept under docs/screenshots by `make screenshots`)."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from orchestrator.workbench.layout import LAYOUT_FILE
from tests.workbench.conftest import ServerThread
from tests.workbench.test_workbench_api import CHAT_STREAM, HELLO_STEP, POST_MESSAGE_STEP

API = "/__steppe/api"


def open_view(page: Page, server: ServerThread, route: str) -> None:
    page.goto(f"{server.url}/__steppe/#/{route}")
    expect(page.locator("body[data-ready=true]")).to_have_count(1)


def poll(predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"condition not met within {timeout}s")


@pytest.fixture(scope="module")
def http(example_server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=example_server.url, timeout=30) as client:
        yield client


def test_every_view_loads_from_the_navigation(page: Page, example_server: ServerThread) -> None:
    open_view(page, example_server, "flows")
    titles = {
        "flows": "Flows",
        "endpoints": "Endpoints",
        "traces": "Traces",
        "logs": "Logs",
        "state": "State",
        "streams": "Streams",
        "dlq": "Dead letters & cron",
        "emit": "Emit",
    }
    for view, title in titles.items():
        page.locator(f"#nav a[data-view={view}]").click()
        expect(page.locator(f"#view[data-view={view}] h1")).to_have_text(title)
        expect(page.locator(f"#nav a[data-view={view}]")).to_have_class("active")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    expect(page.locator("#mode")).to_have_text("dev")


def test_flow_graph_is_drawn_dragged_and_saved(
    page: Page, example_server: ServerThread, http: httpx.Client, screenshot_dir: Path
) -> None:
    flows = {f["id"]: f for f in http.get(f"{API}/flows").json()["flows"]}
    pet_store = flows["pet-store"]
    open_view(page, example_server, "flows/pet-store")
    graph = page.locator(".graph-area[data-flow='pet-store']")
    expect(graph.locator(".node")).to_have_count(len(pet_store["nodes"]))
    for node in pet_store["nodes"]:
        drawn = graph.locator(f".node[data-id='{node['id']}']")
        expect(drawn).to_have_attribute("data-type", node["type"])
        expect(drawn).to_contain_text(node["name"])
    # One labelled edge per topic between two steps; virtual ones dashed.
    for edge in pet_store["edges"]:
        label = graph.locator(
            f".edge-label[data-topic='{edge['topic']}'][data-source='{edge['source']}']"
        )
        expect(label).to_have_text(edge["topic"])
    dash = "el => getComputedStyle(el).strokeDasharray"
    assert graph.locator("path.edge[data-topic='food.ordered']").evaluate(dash) == "none"
    virtual = graph.locator("path.edge.virtual[data-topic='order.overdue']")
    assert virtual.evaluate(dash) != "none"
    fulfil = graph.locator(".node[data-id='FulfillOrder']")
    expect(fulfil).to_have_attribute("data-language", "Ruby")

    # The conditional emit of the e-commerce flow carries its label.
    page.locator(".tab[data-flow='ecommerce']").click()
    conditional = page.locator(".graph-area[data-flow='ecommerce'] .stub.conditional")
    expect(conditional).to_contain_text("payment.failed ?")
    expect(conditional).to_contain_text("MOCK decline")
    page.locator(".tab[data-flow='pet-store']").click()

    # Clicking a step shows its file, trigger, schemas and config.
    graph.locator(".node[data-id='FulfillOrder']").click()
    detail = page.locator(".detail[data-step='FulfillOrder']")
    expect(detail.locator(".file-path")).to_have_text("steps/fulfill-order.step.rb")
    expect(detail).to_contain_text("Input schema")
    expect(detail).to_contain_text("order.fulfilled")
    expect(detail).to_contain_text('"petName"')

    # Drag a step: its position is saved to steppe-workbench.json and kept on reload.
    node = graph.locator(".node[data-id='GetPet']")
    box = node.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 80, y + 40, steps=4)
    page.mouse.move(x + 160, y + 70, steps=4)
    page.mouse.up()
    expect(page.locator(".save-state")).to_have_attribute("data-state", "saved")
    saved = json.loads((example_server.root / LAYOUT_FILE).read_text())
    position = saved["flows"]["pet-store"]["nodes"]["GetPet"]
    transform = f"translate({position['x']:g},{position['y']:g})"
    expect(node).to_have_attribute("transform", transform)
    page.reload()
    expect(page.locator("body[data-ready=true]")).to_have_count(1)
    expect(page.locator(".graph-area .node[data-id='GetPet']")).to_have_attribute(
        "transform", transform
    )
    page.locator(".graph-area .node[data-id='OrderFood']").click()
    expect(page.locator(".detail[data-step='OrderFood']")).to_contain_text("Body schema")
    page.screenshot(path=str(screenshot_dir / "flows.png"))


def test_endpoint_form_sends_the_request_and_opens_its_trace(
    page: Page, example_server: ServerThread, screenshot_dir: Path
) -> None:
    open_view(page, example_server, "endpoints/CreateOrder")
    form = page.locator("form.request")
    # The fields come from CreateOrder's bodySchema (zod, converted to JSON Schema).
    for field in ("productId", "quantity", "amount", "currency"):
        expect(form.locator(f"[name='{field}']")).to_be_visible()
    form.locator("[name='productId']").fill("sku-browser")
    form.locator("[name='quantity']").fill("2")
    form.locator("[name='amount']").fill("42.5")
    # A body the schema refuses comes back as the 400, with the field named.
    form.locator("[name='currency']").fill("euro")
    form.locator("button[name=send]").click()
    expect(page.locator(".response[data-status='400']")).to_contain_text('"currency"')
    form.locator("[name='currency']").fill("eur")
    form.locator("button[name=send]").click()
    response = page.locator(".response[data-status='201']")
    expect(response).to_be_visible()
    expect(response.locator("table.kv")).to_contain_text("x-trace-id")
    expect(response.locator(".response-body")).to_contain_text('"sku-browser"')
    trace_link = response.locator("a[data-trace-id]")
    trace_id = trace_link.get_attribute("data-trace-id")
    assert trace_id
    page.screenshot(path=str(screenshot_dir / "endpoints.png"))
    trace_link.click()
    expect(page).to_have_url(re.compile(f"#/traces/{trace_id}$"))

    # TypeScript API → JavaScript payment → Python analytics → Ruby report, live.
    head = page.locator(f".trace-head[data-trace-id='{trace_id}']")
    expect(head).to_be_visible()
    expect(page.locator(".span-row[data-step='GenerateReport']")).to_be_visible(timeout=15_000)
    steps = page.locator(".span-row").evaluate_all("rows => rows.map(r => r.dataset.step)")
    assert steps == ["CreateOrder", "ProcessPayment", "AnalyzeOrder", "GenerateReport"]
    languages = page.locator(".span-row").evaluate_all("rows => rows.map(r => r.dataset.language)")
    assert set(languages) == {"node", "python", "ruby"}
    expect(page.locator(".trace-panel table.logs")).to_contain_text("Order created")
    expect(page.locator(f".traces-list a[data-trace-id='{trace_id}']")).to_have_class(
        re.compile("active")
    )
    page.screenshot(path=str(screenshot_dir / "traces.png"))


def test_a_log_line_arrives_live_and_filters_apply(
    page: Page, example_server: ServerThread, http: httpx.Client, screenshot_dir: Path
) -> None:
    open_view(page, example_server, "logs")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    created = http.post("/pets", json={"name": "Livewire", "species": "cat", "ageMonths": 5})
    assert created.status_code == 201
    pet_id = created.json()["id"]
    trace_id = created.headers["x-trace-id"]
    line = page.locator("table.logs tbody tr", has_text=pet_id)
    expect(line).to_have_count(1)  # arrived over the WebSocket: the page was not reloaded
    expect(line).to_have_attribute("data-step", "CreatePet")
    page.screenshot(path=str(screenshot_dir / "logs.png"))

    rows = page.locator("table.logs tbody tr")
    page.select_option("select[name=level]", "warn")
    expect(line).to_have_count(0)
    levels = rows.evaluate_all("rows => rows.map(r => r.dataset.level)")
    assert set(levels) <= {"warn", "error"}
    page.select_option("select[name=level]", "debug")
    page.select_option("select[name=step]", "CreatePet")
    expect(line).to_have_count(1)
    assert set(rows.evaluate_all("rows => rows.map(r => r.dataset.step)")) == {"CreatePet"}
    page.select_option("select[name=step]", "")
    page.fill("input[name=trace]", trace_id)
    expect(rows.first).to_have_attribute("data-trace-id", trace_id)
    assert set(rows.evaluate_all("rows => rows.map(r => r.dataset.traceId)")) == {trace_id}
    page.fill("input[name=trace]", "")
    page.fill("input[name=search]", pet_id)
    expect(rows).to_have_count(1)
    # A line that arrives while a filter is on shows only if it matches.
    page.fill("input[name=search]", "Livewire-two")
    expect(rows).to_have_count(0)
    other = http.post("/pets", json={"name": "Other", "species": "dog", "ageMonths": 1})
    assert other.status_code == 201
    page.fill("input[name=search]", other.json()["id"])
    expect(rows).to_have_count(1)


def test_a_state_value_is_edited_added_and_deleted(
    page: Page, example_server: ServerThread, http: httpx.Client, screenshot_dir: Path
) -> None:
    pet = http.post("/pets", json={"name": "Rex", "species": "dog", "ageMonths": 14}).json()
    open_view(page, example_server, f"state/pets/{pet['id']}")
    expect(page.locator(".groups a[data-group='pets']")).to_have_class(re.compile("active"))
    editor = page.locator(".state-editor textarea")
    expect(editor).to_have_value(re.compile(pet["id"]))
    value = json.loads(editor.input_value())
    value["name"] = "Rex, edited in the workbench"
    editor.fill(json.dumps(value, indent=2))
    page.locator(".state-editor button[name=save]").click()
    expect(page.locator(".state-editor .ok-text")).to_have_text("Saved.")
    stored = example_server.call(example_server.services.env.state.get, "pets", pet["id"])  # type: ignore[union-attr]
    assert stored["name"] == "Rex, edited in the workbench"
    assert http.get(f"/pets/{pet['id']}").json()["name"] == "Rex, edited in the workbench"
    page.screenshot(path=str(screenshot_dir / "state.png"))

    editor.fill("{ not json")
    page.locator(".state-editor button[name=save]").click()
    expect(page.locator(".state-editor .error-text")).to_contain_text("Not saved")
    assert http.get(f"/pets/{pet['id']}").json()["name"] == "Rex, edited in the workbench"

    # A new key in a new group, then deleted (two clicks: the first one asks).
    page.get_by_role("button", name="New value").click()
    page.fill(".state-editor input[name=group]", "workbench/scratch")
    page.fill(".state-editor input[name=key]", "note:1")
    page.locator(".state-editor textarea").fill('{"remember": true}')
    page.locator(".state-editor button[name=save]").click()
    expect(page.locator(".keys a[data-key='note:1']")).to_have_class(re.compile("active"))
    listed = http.get(f"{API}/state/workbench%2Fscratch").json()
    assert listed == [{"key": "note:1", "value": {"remember": True}}]
    # A plain JSON string is a value too (it was sent unencoded, and refused).
    page.locator(".state-editor textarea").fill('"just a note"')
    page.locator(".state-editor button[name=save]").click()
    expect(page.locator(".state-editor .ok-text")).to_have_text("Saved.")
    listed = http.get(f"{API}/state/workbench%2Fscratch").json()
    assert listed == [{"key": "note:1", "value": "just a note"}]
    delete = page.locator(".state-editor button[name=delete]")
    delete.click()
    expect(delete).to_have_text("Click again to delete")
    delete.click()
    expect(page.locator(".keys a[data-key='note:1']")).to_have_count(0)
    assert http.get(f"{API}/state/workbench%2Fscratch").json() == []


def test_emit_is_checked_a_dead_letter_replayed_and_cron_run(
    page: Page, example_server: ServerThread, http: httpx.Client, screenshot_dir: Path
) -> None:
    # An analytics summary broken by hand makes AnalyzeOrder throw on every attempt.
    broken = {"totalOrders": "broken", "totalAmount": 0, "topProducts": {}}
    assert http.put(f"{API}/state/analytics/summary", json=broken).status_code == 200

    open_view(page, example_server, "emit?topic=payment.processed")
    expect(page.locator(".subscriber[data-step='AnalyzeOrder']")).to_contain_text("orderId")
    editor = page.locator(".emit-form textarea")
    send = page.locator(".emit-form button[name=send]")
    editor.fill('{"orderId": 42}')
    refusal = page.locator(".check [data-valid='false']")
    expect(refusal).to_contain_text("AnalyzeOrder would refuse it")
    expect(refusal).to_contain_text("amount")
    expect(send).to_be_disabled()
    page.screenshot(path=str(screenshot_dir / "emit.png"))
    order_id = f"wb-{uuid.uuid4().hex[:8]}"
    editor.fill(json.dumps({"orderId": order_id, "amount": 12.5, "productId": "sku-dlq"}))
    expect(page.locator(".check [data-valid='true']")).to_be_visible()
    expect(send).to_be_enabled()
    send.click()
    expect(page.locator(".result .ok-box")).to_contain_text("Emitted to AnalyzeOrder")

    # A second one, to purge.
    doomed_id = f"wb-{uuid.uuid4().hex[:8]}"
    doomed = {"orderId": doomed_id, "amount": 1, "productId": "sku-purge"}
    emitted = http.post(f"{API}/emit", json={"topic": "payment.processed", "data": doomed})
    assert emitted.status_code == 202

    def dead_letter(wanted: str) -> Callable[[], dict[str, Any] | None]:
        def find() -> dict[str, Any] | None:
            letters = http.get(f"{API}/dlq").json()
            return next((d for d in letters if d["event"]["data"].get("orderId") == wanted), None)

        return find

    letter = poll(dead_letter(order_id))  # after the retries (about 1.5 s)
    assert letter["step"] == "AnalyzeOrder" and letter["attempts"] == 4
    purged = poll(dead_letter(doomed_id))
    # Fix the cause, then replay from the workbench.
    fixed = {"totalOrders": 0, "totalAmount": 0, "topProducts": {}}
    assert http.put(f"{API}/state/analytics/summary", json=fixed).status_code == 200

    open_view(page, example_server, "dlq")
    row = page.locator(f"table.dlq tr[data-id='{letter['id']}']")
    expect(row).to_contain_text("payment.processed")
    row.click()
    detail = page.locator(".letter-detail")
    expect(detail).to_contain_text("TypeError")
    expect(detail).to_contain_text(order_id)
    cron = page.locator("table.cron tr[data-step='AuditOverdueOrders']")
    expect(cron.locator(".countdown")).to_contain_text(re.compile(r"^in "))
    page.screenshot(path=str(screenshot_dir / "dlq.png"))

    row.locator("input[type=checkbox]").check()
    page.locator("button[name=replay]").click()
    expect(page.locator(".ok-box")).to_contain_text("Replayed 1 dead letter")
    expect(row).to_have_count(0)
    doomed_row = page.locator(f"table.dlq tr[data-id='{purged['id']}']")
    doomed_row.locator("input[type=checkbox]").check()
    purge = page.locator("button[name=purge]")
    purge.click()
    expect(purge).to_have_text("Click again to confirm")
    purge.click()
    expect(page.locator(".ok-box")).to_contain_text("Purged 1 dead letter")
    expect(doomed_row).to_have_count(0)
    assert dead_letter(doomed_id)() is None
    state = example_server.services.env.state  # type: ignore[union-attr]
    poll(lambda: example_server.call(state.get, "analytics-counted", order_id))
    assert example_server.call(state.get, "analytics", "summary")["totalOrders"] == 1

    # The event's trace shows the four failed attempts, their error, and the replay.
    open_view(page, example_server, f"traces/{letter['event']['traceId']}")
    attempts = page.locator(".span-row[data-step='AnalyzeOrder']")
    expect(attempts).to_have_count(5)
    expect(page.locator(".span-row[data-status='error'] .span-error").first).to_contain_text(
        "TypeError"
    )
    expect(page.locator(".span-row[data-status='ok'][data-step='AnalyzeOrder']")).to_have_count(1)
    open_view(page, example_server, "dlq")
    cron = page.locator("table.cron tr[data-step='AuditOverdueOrders']")

    # Run a cron step now: its trace is linked, and it runs.
    cron.locator("button[name=run-now]").click()
    link = cron.locator(".run-result a[data-trace-id]")
    expect(link).to_be_visible()
    trace_id = link.get_attribute("data-trace-id")
    tracer = example_server.services.env.tracer  # type: ignore[union-attr]

    def cron_ran() -> bool:
        trace = tracer.get(trace_id or "")
        return trace is not None and trace.status == "ok"

    poll(cron_ran)
    link.click()
    expect(page.locator(".span-row[data-step='AuditOverdueOrders']")).to_be_visible()


@pytest.fixture(scope="module")
def stream_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    project = tmp_path_factory.mktemp("streams")
    (project / "steps").mkdir()
    (project / "steps" / "chat_stream.py").write_text(CHAT_STREAM)
    (project / "steps" / "post_message.step.py").write_text(POST_MESSAGE_STEP)
    with ServerThread(project) as server:
        yield server


def test_a_stream_group_is_watched_live(
    page: Page, stream_server: ServerThread, screenshot_dir: Path
) -> None:
    with httpx.Client(base_url=stream_server.url) as http:
        for n in (1, 2):
            message = {"id": f"m{n}", "text": f"message {n}"}
            assert http.post("/rooms/lobby/messages", json=message).status_code == 201
        open_view(page, stream_server, "streams")
        page.locator(".streams-list a[data-stream='chat']").click()
        group = page.locator(".chip[data-group='lobby']")
        expect(group).to_contain_text("2")
        group.click()
        watch = page.locator(".watch")
        expect(watch.locator(".live-status")).to_have_attribute("data-state", "live")
        expect(watch.locator("table.items tr[data-id]")).to_have_count(2)
        # New and changed items arrive over the stream socket as they are written.
        posted = {"id": "m3", "text": "arrives live"}
        assert http.post("/rooms/lobby/messages", json=posted).status_code == 201
        expect(watch.locator("tr[data-id='m3']")).to_contain_text("arrives live")
        changed = {"id": "m1", "text": "message 1, edited"}
        assert http.post("/rooms/lobby/messages", json=changed).status_code == 201
        expect(watch.locator("tr[data-id='m1']")).to_contain_text("message 1, edited")
        assert http.post("/rooms/kitchen/messages", json=posted).status_code == 201
        expect(watch.locator("table.items tr[data-id]")).to_have_count(3)  # another group
        expect(watch.locator(".stream-events li[data-type='create']")).to_have_count(1)
        expect(watch.locator(".stream-events li[data-type='update']")).to_have_count(1)
        page.screenshot(path=str(screenshot_dir / "streams.png"))


def test_in_start_mode_the_page_asks_for_the_admin_token(
    page: Page, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEPPE_ADMIN_TOKEN", "open-sesame")
    (tmp_path / "steps").mkdir()
    (tmp_path / "steps" / "hello.step.py").write_text(HELLO_STEP)
    with ServerThread(tmp_path, mode="start") as server:
        page.goto(f"{server.url}/__steppe/#/flows")
        dialog = page.locator("#token-dialog")
        expect(dialog).to_be_visible()
        page.fill("#token-input", "not-it")
        page.locator("#token-form button").click()
        expect(page.locator("#token-error")).to_have_text("That token was refused.")
        page.fill("#token-input", "open-sesame")
        page.locator("#token-form button").click()
        expect(dialog).to_be_hidden()
        expect(page.locator(".graph-area .node[data-id='Hello']")).to_be_visible()
        expect(page.locator("#mode")).to_have_text("start")
        # The live socket carries the token as a subprotocol: it connects.
        expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
        # Leave before the server stops: the page's attempts to reconnect to a stopped
        # server would be console errors of its own.
        page.goto("about:blank")
