"""A burst of concurrent logins through the gateway: whatever the load makes of the answers,
every login answered 200 has its session and no other login left one behind (the defect:
logins answered 504 at the gateway's deadline had still created sessions)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from .conftest import PASSWORD

BURST = 40


def test_logins_of_a_burst_leave_sessions_only_for_their_200s(gateway, new_browser) -> None:
    owner = new_browser()
    owner.sign_up_and_in("burst@example.com")  # one session: this one

    def login(n: int) -> int:
        # Each from its own address: the per-IP login budget is not what is tested here.
        answer = gateway.post("/auth/login", json={"email": "burst@example.com",
                                                   "password": PASSWORD},
                              headers={"X-Forwarded-For": f"10.77.{n // 250}.{n % 250 + 1}"})
        assert answer.status_code in (200, 503, 504), answer.text
        if answer.status_code != 200:
            assert answer.headers["content-type"] == "application/problem+json"
        return answer.status_code

    with ThreadPoolExecutor(BURST) as pool:
        statuses = list(pool.map(login, range(BURST)))

    sessions = owner.call("GET", "/auth/sessions", bearer=owner.access_token)
    assert sessions.status_code == 200, sessions.text
    assert len(sessions.json()) == 1 + statuses.count(200), statuses

