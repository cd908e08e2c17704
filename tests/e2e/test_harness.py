from tests.e2e.harness import Harness


def test_harness_is_real_litellm_with_a_database(litellm: Harness) -> None:
    with litellm.client() as c:
        ready = c.get("/health/readiness").json()
        assert ready["db"] == "connected"
        models = c.get("/v2/model/info").json()["data"]
    names = {m["model_name"]: m["model_info"]["db_model"] for m in models}
    assert names == {"config-file-model": False}
