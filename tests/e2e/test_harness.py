import time
import uuid

import httpx

from tests.e2e.harness import Harness, start_proxy, stop_proxy, wait_until_live
from tests.harness.processes import free_port


def test_harness_is_real_litellm_with_a_database(litellm: Harness) -> None:
    with litellm.client() as c:
        ready = c.get("/health/readiness").json()
        assert ready["db"] == "connected"
        models = c.get("/v2/model/info").json()["data"]
    names = {m["model_name"]: m["model_info"]["db_model"] for m in models}
    assert names == {"config-file-model": False}


def test_a_second_proxy_on_the_harness_database_sees_models_created_through_the_first(litellm: Harness) -> None:
    name = f"replica-check-{uuid.uuid4().hex[:8]}"
    with litellm.client() as c:
        c.post("/model/new", json={"model_name": name, "litellm_params": {
            "model": "openai/gpt-4o-mini", "api_key": "sk-not-a-real-key", "mock_response": "hi"}}).raise_for_status()
    port = free_port()
    proc = start_proxy(litellm, port)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_live(url, proc)
        with httpx.Client(base_url=url, timeout=60,
                          headers={"Authorization": f"Bearer {litellm.master_key}"}) as replica:
            deadline = time.monotonic() + 60
            while True:  # bounded: the replica loads the database's models while it starts
                ready = replica.get("/health/readiness").json()
                models = replica.get("/v2/model/info").json()["data"]
                seen = {m["model_name"] for m in models if m["model_info"].get("db_model")}
                if (ready.get("db") == "connected" and name in seen) or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
        assert ready["db"] == "connected"
        assert name in seen
    finally:
        stop_proxy(proc)
    assert proc.poll() is not None
