"""The session's circuit breaker, over real HTTP: refused connections open it, answers never.

Once a call has spent its retries on connections that were refused, DSS is down for the rest
of the session: later calls fail at once, sending nothing and retrying nothing. A 5xx or a
4xx is an answer: DSS is up, the breaker stays closed. Each session has its own breaker.
"""

from __future__ import annotations

import socket
import time

import pytest

from dsspulumi.errors import ProviderError, TransientError
from dsspulumi.outage import DssUnreachableError
from dsspulumi.providers.dss.client import DssSession
from dsspulumi.sandbox import Sandbox


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def session(url: str, key: str = "k", retries: int = 2) -> tuple[DssSession, list]:
    events: list = []
    return DssSession(url, key, retries=retries, on_retry=events.append), events


def list_projects(s: DssSession) -> None:
    with s.call("list the projects"):
        s.client.list_project_keys()


def test_refused_connections_open_the_breaker_and_later_calls_fail_at_once():
    url = f"http://127.0.0.1:{free_port()}"  # nobody listens: every connection is refused
    s, events = session(url)
    with pytest.raises(DssUnreachableError, match=f"cannot reach DSS at {url}"):
        list_projects(s)
    assert [e.reason for e in events] == ["connection failed"] * 2  # its retries, spent
    outage = s.outage
    assert outage is not None and outage.url == url
    assert not outage.was_up  # it never answered: a wrong URL, not an outage mid-run
    events.clear()
    t0 = time.monotonic()
    for _ in range(20):
        with pytest.raises(DssUnreachableError):
            list_projects(s)
    assert time.monotonic() - t0 < 1.0 and events == []  # no retry, no backoff
    other, _ = session(url)
    assert other.outage is None  # another session (another run) has its own breaker


def test_dss_that_stops_mid_session_is_an_outage_since_the_first_refusal():
    sandbox = Sandbox().start()
    url = sandbox.url
    s, _ = session(url, sandbox.api_key)
    try:
        list_projects(s)
    finally:
        sandbox.stop()
    before = time.time()
    with pytest.raises(DssUnreachableError):
        list_projects(s)
    outage = s.outage
    assert outage is not None and outage.was_up
    assert before - 1 <= outage.since <= time.time()
    assert outage.summary(3, 4).startswith(f"DSS at {url} stopped answering at ")


def test_a_5xx_or_a_4xx_is_an_answer_and_leaves_the_breaker_closed():
    with Sandbox() as sandbox:
        s, _ = session(sandbox.url, sandbox.api_key)
        sandbox.inject_failure("GET", "/projects/", times=3, message="overloaded")
        with pytest.raises(TransientError, match="overloaded"):
            list_projects(s)  # 3 attempts, 3 answers of 500
        assert s.outage is None
        sandbox.inject_failure("GET", "/projects/", status=400, message="No way")
        with pytest.raises(ProviderError, match="No way"):
            list_projects(s)
        assert s.outage is None
        list_projects(s)  # still talking to DSS
