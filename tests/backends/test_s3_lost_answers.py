"""S3 failing the way it documents: the backend tries again, and settles lost answers by reading.

Faults come from the moto endpoint over real HTTP: ``when="before"`` (503 SlowDown, the
request not applied) and ``when="after"`` (moto applied it, the client gets a 500).
botocore's own retries are switched off (``AWS_MAX_ATTEMPTS=1``) so each injected fault
reaches the backend's own budget, and the request counts below are exact.
"""

from __future__ import annotations

import json
import uuid

import pytest

from dsspulumi.backends.base import LockInfo
from dsspulumi.backends.s3 import S3Backend
from dsspulumi.errors import BackendError
from dsspulumi.testing.moto_server import MotoServer


@pytest.fixture
def s3(aws_env: MotoServer, s3_bucket: str, monkeypatch: pytest.MonkeyPatch) -> S3Backend:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    backend = S3Backend(s3_bucket, "team", retries=3)
    backend.read_state("warm", "up")  # the client exists before any fault is switched on
    aws_env.reset_stats()
    return backend


def _state(n: int) -> bytes:
    return json.dumps({"serial": n, "nonce": uuid.uuid4().hex}).encode()


def _puts(server: MotoServer) -> int:
    return int(server.stats()["requests"].get("PUT", 0))


@pytest.mark.parametrize("first", [True, False])
def test_a_state_write_whose_answer_was_lost_counts_as_written(s3, aws_env, first):
    expected = None if first else s3.write_state("s", "dev", _state(1), expected=None)
    data = _state(2)
    aws_env.reset_stats()
    aws_env.set_fault("put", 500, count=1, when="after")
    version = s3.write_state("s", "dev", data, expected=expected)
    current = s3.read_state("s", "dev")
    assert current is not None and current.data == data and current.version == version
    assert _puts(aws_env) == 1  # read back and found ours: not sent again


def test_a_state_write_refused_with_slowdown_is_sent_again(s3, aws_env):
    aws_env.set_fault("put", 503, code="SlowDown", count=2)
    data = _state(1)
    version = s3.write_state("s", "dev", data, expected=None)
    assert s3.read_state("s", "dev").version == version
    assert _puts(aws_env) == 3


def test_a_journal_record_whose_answer_was_lost_is_not_a_conflict(s3, aws_env):
    aws_env.set_fault("put", 500, count=1, when="after")
    s3.append_journal("s", "dev", 1, b'{"seq": 1, "n": "a1"}')
    s3.append_journal("s", "dev", 2, b'{"seq": 2, "n": "b2"}')
    assert s3.read_journal("s", "dev") == [b'{"seq": 1, "n": "a1"}', b'{"seq": 2, "n": "b2"}']


def test_a_lock_whose_answer_was_lost_is_held_renewed_and_released(s3, aws_env):
    info = LockInfo.mine("s", "dev", "dss up")
    aws_env.set_fault("put", 500, count=1, when="after")
    token = s3.try_lock("s", "dev", info)
    assert token is not None
    seen = s3.observe_lock("s", "dev")
    assert seen is not None and seen.info.id == info.id and seen.token == token
    # A renewal whose answer was lost: the new record is ours, the next renewal builds on it
    # (before, the old token was kept, and the next renewal called the lock lost).
    aws_env.set_fault("put", 500, count=1, when="after")
    token = s3.renew_lock("s", "dev", info, token)
    token = s3.renew_lock("s", "dev", info, token)
    aws_env.set_fault("write", 500, count=1, when="after")
    s3.release_lock("s", "dev", token)
    assert s3.observe_lock("s", "dev") is None


def test_a_release_refused_before_it_ran_is_sent_again(s3, aws_env):
    info = LockInfo.mine("s", "dev", "dss up")
    token = s3.try_lock("s", "dev", info)
    aws_env.set_fault("write", 503, code="SlowDown", count=2)
    s3.release_lock("s", "dev", token)
    assert s3.observe_lock("s", "dev") is None


def test_a_release_never_deletes_a_newer_holder_record(s3, aws_env):
    """The settle read of a failed release finds another record (broken and retaken): it
    stops, leaving the new holder's lock alone."""
    mine = LockInfo.mine("s", "dev", "dss up")
    token = s3.try_lock("s", "dev", mine)
    assert s3.break_lock("s", "dev", s3.observe_lock("s", "dev"))
    theirs = LockInfo.mine("s", "dev", "dss up")
    assert s3.try_lock("s", "dev", theirs) is not None
    aws_env.set_fault("write", 503, count=1)
    s3.release_lock("s", "dev", token)
    seen = s3.observe_lock("s", "dev")
    assert seen is not None and seen.info.id == theirs.id


def test_a_spent_budget_is_one_clear_error(s3, aws_env):
    aws_env.set_fault("put", 503, code="SlowDown")
    with pytest.raises(BackendError, match="SlowDown"):
        s3.write_state("s", "dev", _state(1), expected=None)
    assert _puts(aws_env) == 4  # the first attempt and the backend's 3 retries
    aws_env.set_fault(None)
    assert s3.read_state("s", "dev") is None


def test_a_renewal_after_one_whose_answer_was_never_read_back_keeps_the_lock(s3, aws_env):
    """The heartbeat's renewal landed, its answer was lost and the read-back failed too, so
    the heartbeat kept the old token: the next renewal is refused (412), finds its own run's
    record, and carries on under it instead of calling the lock lost."""
    info = LockInfo.mine("s", "dev", "dss up")
    old = s3.try_lock("s", "dev", info)
    newer = s3.renew_lock("s", "dev", info, old)  # stands for the renewal whose answer was lost
    assert newer != old
    token = s3.renew_lock("s", "dev", info, old)
    assert token == s3.observe_lock("s", "dev").token
    s3.release_lock("s", "dev", token)
    assert s3.observe_lock("s", "dev") is None
