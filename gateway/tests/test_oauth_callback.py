"""The OAuth callback is a browser navigation: whatever happens, the browser goes on to the SPA,
and nothing in that redirect comes unchecked from the URL someone may have crafted."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import httpx

from gateway.config import GatewaySettings


async def test_a_callback_this_browser_did_not_start_lands_in_the_spa_with_an_error(
        client: httpx.AsyncClient, settings: GatewaySettings) -> None:
    answer = await client.get("/auth/oauth/google/callback",
                              params={"state": "planted", "code": "c"},
                              headers={"Accept": "text/html,*/*;q=0.8"})
    assert answer.status_code == 303
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}" == settings.spa_base_url
    assert location.path == "/oauth/complete"
    assert dict(parse_qsl(location.query)) == {"provider": "google",
                                               "error": "oauth-state-mismatch"}
    assert "set-cookie" not in answer.headers


async def test_a_crafted_provider_name_is_not_passed_on(client: httpx.AsyncClient) -> None:
    answer = await client.get("/auth/oauth/%3Cscript%3Ealert(1)/callback",
                              params={"state": "planted"})
    assert answer.status_code == 303
    query = dict(parse_qsl(urlsplit(answer.headers["location"]).query))
    assert query == {"error": "oauth-state-mismatch"}


async def test_a_client_asking_for_json_gets_a_problem(client: httpx.AsyncClient) -> None:
    answer = await client.get("/auth/oauth/google/callback", params={"state": "planted"},
                              headers={"Accept": "application/json"})
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"] == "oauth-state-mismatch"
