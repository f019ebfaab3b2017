"""The ops app's own refusals are problem+json in the shape the gateway's API documents: the
gateway forwards webhook answers from these ports byte for byte."""

from __future__ import annotations

import httpx
from starlette.routing import Route

from career_kit.grpc.health import Readiness
from career_kit.ops_http import ops_app, problem_response


async def _hook(request):
    return problem_response(400, "webhook rejected", instance=request.url.path)


async def test_unknown_paths_and_methods_are_answered_with_problem_details() -> None:
    app = ops_app(Readiness({}), [Route("/webhooks/x", _hook, methods=["POST"])])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app),
                                 base_url="http://ops") as client:
        missing = await client.get("/webhooks/nope")
        wrong_method = await client.get("/webhooks/x")
        refused = await client.post("/webhooks/x")

    for response, status in ((missing, 404), (wrong_method, 405), (refused, 400)):
        assert response.status_code == status
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == status and body["instance"] == response.url.path
        assert {"type", "title", "detail"} <= body.keys()
    assert wrong_method.headers["allow"] == "POST"
