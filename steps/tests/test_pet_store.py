"""The pet-store flow of the example project, tested with Steppe's pytest plugin: the
`steppe` fixture serves the project (real runners, empty memory stores for each test).
Run with `steppe test steps` from the repository root (`make test-project`)."""

PET = {"name": "Rex", "species": "dog", "ageMonths": 14}


def test_a_pet_is_registered_and_can_be_fetched(steppe):
    created = steppe.post("/pets", PET)

    assert created.status == 201
    pet = created.body
    assert pet == {**PET, "id": pet["id"], "createdAt": pet["createdAt"]}
    assert steppe.get(f"/pets/{pet['id']}").body == pet
    assert steppe.state.get("pets", pet["id"]) == pet


def test_a_pet_of_an_unknown_species_is_refused(steppe):
    refused = steppe.post("/pets", {**PET, "species": "dragon"})

    assert refused.status == 400
    assert refused.body["error"] == "validation failed"
    assert steppe.state.groups() == []


def test_a_food_order_is_fulfilled_and_the_owner_notified(steppe):
    fulfilled = steppe.watch("order.fulfilled")
    pet = steppe.post("/pets", PET).body

    ordered = steppe.post(f"/pets/{pet['id']}/food-orders", {"food": "kibble", "quantity": 2})
    assert ordered.status == 201
    assert ordered.body["status"] == "pending"
    steppe.wait_idle()  # FulfillOrder (Ruby), then NotifyOwner (JavaScript)

    order_id = ordered.body["id"]
    [event] = fulfilled.events
    assert event["topic"] == "order.fulfilled"
    assert event["flows"] == ["pet-store"]
    assert event["traceId"] == ordered.headers["x-trace-id"]
    assert event["data"]["orderId"] == order_id
    assert steppe.state.get("orders", order_id)["status"] == "fulfilled"
    [notification] = steppe.state.get("notifications", order_id)
    assert notification["message"] == f"2 x kibble for Rex has shipped (order {order_id})"


def test_food_for_an_unknown_pet_is_a_404(steppe):
    answer = steppe.post("/pets/nobody/food-orders", {"food": "kibble", "quantity": 1})

    assert answer.status == 404
    assert answer.body == {"error": "Pet not found", "id": "nobody"}


def test_process_payment_alone_declines_a_large_amount(steppe):
    """Unit level: one step's handler with a recording context; nothing is delivered."""
    order = {"id": "o-1", "productId": "p-1", "quantity": 1, "amount": 20000, "currency": "EUR"}

    run = steppe.run("ProcessPayment", order)

    assert run["emits"] == [
        {"topic": "payment.failed", "data": {"orderId": "o-1", "reason": "MOCK: amount over limit"}}
    ]
    [write] = [w for w in run["stateWrites"] if w["group"] == "payments"]
    assert write["value"]["status"] == "declined"
    assert steppe.state.groups() == []  # the run's state is its own
