"""The backend contract, run on every backend (local folder, S3 via moto), then S3 specifics.

What the engine relies on: conditional state writes that refuse rather than
overwrite, an append-only journal in sequence order, history, and a lock that
is exclusive, says who holds it, survives while its heartbeat runs and is
recovered — only — when its holder is certainly gone.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from dsspulumi.backends import open_backend
from dsspulumi.backends.base import Backend, LockInfo, stale_reason
from dsspulumi.backends.s3 import S3Backend, parse_s3_url
from dsspulumi.errors import (
    BackendError,
    ConfigError,
    LockHeldError,
    LockLostError,
    StateConflictError,
    StateError,
)
from dsspulumi.testing.moto_server import (
    MotoServer,
    create_bucket,
    get_stats,
    reset_stats,
    s3_client,
    set_fault,
)


def doc(n: int) -> bytes:
    """A state document; like real ones it carries a nonce, so no two are byte-equal."""
    return json.dumps({"serial": n, "nonce": uuid.uuid4().hex}).encode()


def is_s3(backend: Backend) -> bool:
    return isinstance(backend, S3Backend)


# === state ======================================================================================
def test_state_write_and_read(backend: Backend) -> None:
    assert backend.read_state("app", "dev") is None
    first = doc(1)
    v1 = backend.write_state("app", "dev", first, expected=None)
    got = backend.read_state("app", "dev")
    assert got is not None and got.data == first and got.version == v1
    second = doc(2)
    v2 = backend.write_state("app", "dev", second, expected=v1)
    assert v2 != v1
    got = backend.read_state("app", "dev")
    assert got is not None and (got.data, got.version) == (second, v2)
    assert backend.read_state("app", "prod") is None  # environments are separate


def test_stale_expected_version_is_refused_and_nothing_overwritten(backend: Backend) -> None:
    v1 = backend.write_state("app", "dev", doc(1), expected=None)
    newer = doc(2)
    v2 = backend.write_state("app", "dev", newer, expected=v1)
    with pytest.raises(StateConflictError, match="nothing was overwritten|Nothing was overwritten"):
        backend.write_state("app", "dev", doc(3), expected=v1)  # a writer that lost its lock
    got = backend.read_state("app", "dev")
    assert got is not None and (got.data, got.version) == (newer, v2)


def test_expected_none_on_existing_state_is_refused(backend: Backend) -> None:
    first = doc(1)
    backend.write_state("app", "dev", first, expected=None)
    with pytest.raises(StateConflictError):
        backend.write_state("app", "dev", doc(2), expected=None)
    got = backend.read_state("app", "dev")
    assert got is not None and got.data == first


def test_expected_version_on_missing_state_is_refused(backend: Backend) -> None:
    v1 = backend.write_state("app", "dev", doc(1), expected=None)
    backend.delete_stack("app", "dev")
    with pytest.raises(StateConflictError):
        backend.write_state("app", "dev", doc(2), expected=v1)
    assert backend.read_state("app", "dev") is None


# === journal ====================================================================================
def test_journal_append_read_in_seq_order_and_clear(backend: Backend) -> None:
    assert backend.read_journal("app", "dev") == []
    for seq in (10, 2, 1):  # 10 after 2: order is numeric, not by arrival or by text
        backend.append_journal("app", "dev", seq, f"record {seq}".encode())
    assert backend.read_journal("app", "dev") == [b"record 1", b"record 2", b"record 10"]
    assert backend.read_journal("app", "prod") == []
    backend.clear_journal("app", "dev")
    assert backend.read_journal("app", "dev") == []
    backend.append_journal("app", "dev", 1, b"new run")  # numbers start over after a clear
    assert backend.read_journal("app", "dev") == [b"new run"]


def test_journal_duplicate_seq_is_refused(backend: Backend) -> None:
    backend.append_journal("app", "dev", 1, b"mine")
    with pytest.raises(StateConflictError):
        backend.append_journal("app", "dev", 1, b"another run's")
    assert backend.read_journal("app", "dev") == [b"mine"]


# === history ====================================================================================
def test_history_append_list_read(backend: Backend) -> None:
    assert backend.list_history("app", "dev") == []
    states = [doc(1), doc(2)]
    version = None
    for i, data in enumerate(states):
        version = backend.write_state("app", "dev", data, expected=version)
        backend.append_history("app", "dev", data, {"kind": "up", "run": i})
    entries = backend.list_history("app", "dev")
    assert [(e["version"], e["kind"], e["run"]) for e in entries] == [(1, "up", 0), (2, "up", 1)]
    assert backend.read_history("app", "dev", 1) == states[0]
    assert backend.read_history("app", "dev", 2) == states[1]
    with pytest.raises(StateError, match="no history entry 3"):
        backend.read_history("app", "dev", 3)


def test_history_of_bytes_that_are_not_the_current_state(backend: Backend) -> None:
    backend.write_state("app", "dev", doc(1), expected=None)
    other = b'{"imported": true}'
    backend.append_history("app", "dev", other, {"kind": "import"})
    assert backend.read_history("app", "dev", 1) == other


# === locks ======================================================================================
def test_second_try_lock_is_refused_while_held(backend: Backend) -> None:
    first = LockInfo.mine("app", "dev", "dss up")
    token = backend.try_lock("app", "dev", first)
    assert token is not None
    assert backend.try_lock("app", "dev", LockInfo.mine("app", "dev", "dss up")) is None
    observed = backend.observe_lock("app", "dev")
    assert observed is not None and observed.info is not None
    assert observed.info.id == first.id
    assert backend.try_lock("app", "prod", LockInfo.mine("app", "prod", "x")) is not None
    backend.release_lock("app", "dev", token)
    again = backend.try_lock("app", "dev", LockInfo.mine("app", "dev", "dss up"))
    assert again is not None
    backend.release_lock("app", "dev", again)


def test_lock_held_error_names_the_holder_at_once(backend: Backend) -> None:
    with backend.lock("app", "dev", "dss up app"):
        started = time.monotonic()
        with pytest.raises(LockHeldError) as err, backend.lock("app", "dev", "dss destroy app"):
            pass
        assert time.monotonic() - started < 2
    message = str(err.value)
    assert f"pid {os.getpid()}" in message and "`dss up app`" in message
    assert socket.gethostname() in message and "dss stack unlock app -e dev" in message
    assert err.value.holder["pid"] == os.getpid()
    with backend.lock("app", "dev", "dss up app"):  # released on exit
        pass


def test_lock_timeout_waits_for_the_holder_to_finish(backend: Backend) -> None:
    held = threading.Event()

    def holder() -> None:
        with backend.lock("app", "dev", "dss up"):
            held.set()
            time.sleep(0.8)

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(10)
    started = time.monotonic()
    with backend.lock("app", "dev", "dss destroy", timeout=10) as lease:
        waited = time.monotonic() - started
        assert lease.info.command == "dss destroy"
    thread.join()
    assert 0.3 < waited < 8


WAITED_FOR = textwrap.dedent(
    """
    import sys, time
    from dsspulumi.backends import open_backend
    backend = open_backend(sys.argv[1])
    with backend.lock("app", "dev", "dss up app"):
        print("locked", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def _hold_in_another_process(backend: Backend, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", WAITED_FOR, backend.url, str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def test_a_waiting_run_says_who_holds_the_lock_and_repeats_it(backend: Backend) -> None:
    proc = _hold_in_another_process(backend, 2.2)
    notices: list[tuple[float, str]] = []
    try:
        started = time.monotonic()
        with backend.lock(
            "app",
            "dev",
            "dss destroy app",
            timeout=30,
            notice=lambda m: notices.append((time.monotonic() - started, m)),
            notice_every=0.5,
        ):
            waited = time.monotonic() - started
    finally:
        proc.wait(timeout=30)
    assert 1.0 < waited < 20
    first_at, first = notices[0]
    assert first_at < 2  # at the first wait (S3 round trips on a loaded machine take a while)
    assert first.startswith("stack 'app' (env 'dev') is locked by ")
    assert f"pid {proc.pid}" in first and "running `dss up app` since " in first
    assert socket.gethostname() in first and "waiting up to 30s for it" in first
    again = notices[1:]
    assert 2 <= len(again) <= 2 + waited / 0.5, notices
    for (before, _), (at, text) in zip(notices, again, strict=False):
        assert 0.4 < at - before < 1.5, notices  # every notice_every seconds, not each poll
        assert text.startswith("still waiting for the lock of stack 'app' (env 'dev')")
        assert f"pid {proc.pid}" in text and "giving up in" in text


def test_a_run_that_gives_up_waiting_said_so_while_it_waited(backend: Backend) -> None:
    proc = _hold_in_another_process(backend, 60)
    notices: list[str] = []
    try:
        with pytest.raises(LockHeldError, match=f"pid {proc.pid}"):
            with backend.lock(
                "app", "dev", "dss up", timeout=1.3, notice=notices.append, notice_every=0.5
            ):
                pass
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert "waiting up to 1s" in notices[0]
    assert 2 <= len(notices) <= 4, notices
    assert all(f"pid {proc.pid}" in n for n in notices)


def test_no_wait_no_waiting_notice(backend: Backend) -> None:
    """Without --lock-timeout the run stops at once with the holder's name: no notice."""
    proc = _hold_in_another_process(backend, 60)
    notices: list[str] = []
    try:
        with pytest.raises(LockHeldError):
            with backend.lock("app", "dev", "dss up", notice=notices.append):
                pass
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert notices == []


def test_heartbeat_keeps_the_lock(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSS_LOCK_TTL", "2.0")  # heartbeat every 0.67 s
    with backend.lock("app", "dev", "dss up") as lease:
        time.sleep(2.6)  # past the TTL
        observed = backend.observe_lock("app", "dev")
        assert observed is not None and observed.info is not None
        assert observed.info.renewed_at > observed.info.acquired_at  # renewed
        assert stale_reason(observed, 2.0) is None
        notices: list[str] = []
        with pytest.raises(LockHeldError), backend.lock("app", "dev", "x", notice=notices.append):
            pass
        assert notices == []
        assert not lease.lost.is_set()
        lease.check()


def test_stale_lease_is_broken_by_the_next_run(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not is_s3(backend):
        pytest.skip("a local fcntl lock cannot go stale: the kernel drops a dead holder's lock")
    monkeypatch.setenv("DSS_LOCK_TTL", "2.0")
    info = LockInfo.mine("app", "dev", "dss up")
    info.host = "ci-runner-7"  # another machine: only the heartbeat's age can tell
    assert backend.try_lock("app", "dev", info) is not None  # ... and no heartbeat follows
    # Fresh: refused, not broken.
    with pytest.raises(LockHeldError):
        with backend.lock("app", "dev", "dss destroy"):
            pass
    # Then, once the heartbeat is older than the TTL, the next run breaks it and says so.
    notices: list[str] = []
    deadline = time.monotonic() + 12
    while True:
        try:
            with backend.lock("app", "dev", "dss destroy", notice=notices.append) as lease:
                assert lease.info.command == "dss destroy"
            break
        except LockHeldError:
            observed = backend.observe_lock("app", "dev")
            assert observed is not None and observed.age is not None
            assert stale_reason(observed, 2.0) is None or time.monotonic() < deadline
            assert time.monotonic() < deadline, "the lock never went stale"
            time.sleep(0.3)
    assert len(notices) == 1 and "ci-runner-7" in notices[0] and "no heartbeat" in notices[0]


def test_record_of_a_dead_process_on_this_host_is_broken(
    backend: Backend,
) -> None:
    if not is_s3(backend):
        pytest.skip("local: covered by test_killed_holder_frees_the_lock (the kernel frees it)")
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    info = LockInfo.mine("app", "dev", "dss up")
    info.pid = int(gone.stdout)
    assert backend.try_lock("app", "dev", info) is not None
    notices: list[str] = []
    with backend.lock("app", "dev", "dss up", notice=notices.append):
        pass
    assert len(notices) == 1 and f"process {info.pid} no longer runs" in notices[0]


HOLDER = textwrap.dedent(
    """
    import sys, time
    from dsspulumi.backends import open_backend
    from dsspulumi.backends.base import LockInfo
    backend = open_backend(sys.argv[1])
    token = backend.try_lock("app", "dev", LockInfo.mine("app", "dev", "dss up"))
    assert token is not None  # kept referenced: a local FileLock is released when collected
    print("locked", flush=True)
    time.sleep(60)
    """
)


def test_killed_holder_frees_the_lock(backend: Backend) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, backend.url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        with pytest.raises(LockHeldError, match=f"pid {proc.pid}"):
            with backend.lock("app", "dev", "dss up"):
                pass
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    notices: list[str] = []
    with backend.lock("app", "dev", "dss up", notice=notices.append) as lease:
        assert lease.info.pid == os.getpid()
    if is_s3(backend):  # the record stayed behind and was recognised as dead
        assert len(notices) == 1 and f"process {proc.pid} no longer runs" in notices[0]


def test_break_lock_only_removes_the_observed_record(backend: Backend) -> None:
    info = LockInfo.mine("app", "dev", "dss up")
    token = backend.try_lock("app", "dev", info)
    assert token is not None
    observed = backend.observe_lock("app", "dev")
    assert observed is not None
    time.sleep(0.01)
    info.renewed_at = time.time()
    token = backend.renew_lock("app", "dev", info, token)  # the holder is alive after all
    assert backend.break_lock("app", "dev", observed) is False
    still = backend.observe_lock("app", "dev")
    assert still is not None and still.info is not None and still.info.id == info.id
    assert backend.try_lock("app", "dev", LockInfo.mine("app", "dev", "x")) is None
    backend.release_lock("app", "dev", token)


# === stacks =====================================================================================
def test_list_stacks_and_delete_stack(backend: Backend) -> None:
    assert list(backend.list_stacks()) == []
    versions = {}
    for stack, env in (("app", "dev"), ("app", "prod"), ("web", "dev")):
        versions[stack, env] = backend.write_state(stack, env, doc(1), expected=None)
    backend.append_journal("app", "dev", 1, b"record")
    backend.append_history("app", "dev", doc(1), {"kind": "up"})
    token = backend.try_lock("locked-only", "dev", LockInfo.mine("locked-only", "dev", "x"))
    assert sorted(backend.list_stacks()) == [("app", "dev"), ("app", "prod"), ("web", "dev")]

    backend.delete_stack("app", "dev")
    assert backend.read_state("app", "dev") is None
    assert backend.read_journal("app", "dev") == []
    assert len(backend.list_history("app", "dev")) == 1  # history stays
    assert sorted(backend.list_stacks()) == [("app", "prod"), ("web", "dev")]
    assert backend.read_state("app", "prod") is not None
    backend.release_lock("locked-only", "dev", token)


# === S3 only ====================================================================================
def test_open_backend_parses_s3_urls() -> None:
    b = open_backend("s3://team-state/dss/prod/")
    assert isinstance(b, S3Backend) and (b.bucket, b.prefix) == ("team-state", "dss/prod")
    assert b.where("app", "dev") == "s3://team-state/dss/prod/app/dev.json"
    bare = open_backend("s3://team-state")
    assert isinstance(bare, S3Backend) and bare.prefix == ""
    assert bare.where("app", "dev") == "s3://team-state/app/dev.json"
    kms = parse_s3_url("s3://team-state/p?sse=aws:kms&kms_key_id=alias/dss")
    assert (kms.sse, kms.kms_key_id) == ("aws:kms", "alias/dss")


@pytest.mark.parametrize(
    "url",
    [
        "s3://",
        "s3:///prefix",
        "s3://Team_State/x",
        "s3://ab/x",
        "s3://team-state/a/../b",
        "s3://team-state/x?sse=rot13",
        "s3://team-state/x?kms_key_id=k",
        "s3://team-state/x?region=eu",
    ],
)
def test_bad_s3_urls_are_config_errors(url: str) -> None:
    with pytest.raises(ConfigError, match="backend URL"):
        open_backend(url)


def test_server_side_encryption_on_every_write(s3_backend: S3Backend, s3_bucket: str) -> None:
    b = s3_backend
    v1 = b.write_state("app", "dev", doc(1), expected=None)
    b.append_journal("app", "dev", 1, b"record")
    second = doc(2)
    b.write_state("app", "dev", second, expected=v1)
    b.append_history("app", "dev", second, {"kind": "up"})  # server-side copy
    b.append_history("app", "dev", b"{}", {"kind": "import"})  # upload
    info = LockInfo.mine("app", "dev", "dss up")
    token = b.try_lock("app", "dev", info)
    b.renew_lock("app", "dev", info, token)
    client = s3_client(os.environ["AWS_ENDPOINT_URL"])
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=s3_bucket)["Contents"]]
    assert len(keys) == 7  # state, journal record, lock, 2 history entries + metas
    for key in keys:
        head = client.head_object(Bucket=s3_bucket, Key=key)
        assert head.get("ServerSideEncryption") == "AES256", key


def test_kms_encryption_chosen_in_the_url(s3_bucket: str) -> None:
    b = open_backend(f"s3://{s3_bucket}/p?sse=aws:kms&kms_key_id=alias/dss-state")
    b.write_state("app", "dev", doc(1), expected=None)
    head = s3_client(os.environ["AWS_ENDPOINT_URL"]).head_object(
        Bucket=s3_bucket, Key="p/app/dev.json"
    )
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == "alias/dss-state"


def test_history_copies_the_written_state_server_side(s3_backend: S3Backend) -> None:
    b = s3_backend
    big = json.dumps({"resources": ["x" * 100] * 500, "nonce": uuid.uuid4().hex}).encode()
    b.write_state("app", "dev", big, expected=None)
    before = dict(b.counters)
    b.append_history("app", "dev", big, {"kind": "up"})
    assert b.counters.get("CopyObject", 0) == before.get("CopyObject", 0) + 1
    assert b.counters["bytes_written"] - before["bytes_written"] < 200  # only the .meta
    assert b.read_history("app", "dev", 1) == big


def test_layout_under_the_prefix(s3_backend: S3Backend, s3_bucket: str) -> None:
    b = s3_backend
    b.write_state("app", "dev", doc(1), expected=None)
    b.append_journal("app", "dev", 7, b"r")
    b.append_history("app", "dev", doc(1), {})
    b.try_lock("app", "dev", LockInfo.mine("app", "dev", "x"))
    client = s3_client(os.environ["AWS_ENDPOINT_URL"])
    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket=s3_bucket)["Contents"])
    assert keys == [
        "team/state/app/dev.journal/00000007.json",
        "team/state/app/dev.json",
        "team/state/app/dev.lock.json",
        "team/state/app/history/dev/000001.json",
        "team/state/app/history/dev/000001.meta",
    ]


def test_lock_age_comes_from_the_server_clock(s3_backend: S3Backend) -> None:
    info = LockInfo.mine("app", "dev", "x")
    info.renewed_at = info.acquired_at = 0.0  # a holder whose clock is wildly wrong
    s3_backend.try_lock("app", "dev", info)
    observed = s3_backend.observe_lock("app", "dev")
    assert observed is not None and observed.age is not None and observed.age < 2


def test_lease_notices_when_its_lock_was_broken(
    s3_backend: S3Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DSS_LOCK_TTL", "1.0")
    b = s3_backend
    with b.lock("app", "dev", "dss up") as lease:
        observed = b.observe_lock("app", "dev")
        assert observed is not None and b.break_lock("app", "dev", observed)
        newcomer = LockInfo.mine("app", "dev", "dss destroy")
        assert b.try_lock("app", "dev", newcomer) is not None
        assert lease.lost.wait(5)
        with pytest.raises(LockLostError, match="was lost"):
            lease.check()
    still = b.observe_lock("app", "dev")  # leaving the block did not delete the new holder's
    assert still is not None and still.info is not None and still.info.id == newcomer.id


def test_release_is_conditional(s3_backend: S3Backend) -> None:
    b = s3_backend
    token = b.try_lock("app", "dev", LockInfo.mine("app", "dev", "old"))
    observed = b.observe_lock("app", "dev")
    assert observed is not None and b.break_lock("app", "dev", observed)
    newcomer = LockInfo.mine("app", "dev", "new")
    b.try_lock("app", "dev", newcomer)
    b.release_lock("app", "dev", token)  # the old token: no error, nothing removed
    with pytest.raises(LockLostError):
        b.renew_lock("app", "dev", LockInfo.mine("app", "dev", "old"), token)
    still = b.observe_lock("app", "dev")
    assert still is not None and still.info is not None and still.info.id == newcomer.id


# --- errors a user can cause: one clear line each -----------------------------------------------
def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and "Traceback" not in text
    return text


def test_missing_bucket(aws_env: MotoServer) -> None:
    b = open_backend("s3://no-such-state-bucket/team")
    with pytest.raises(BackendError) as err:
        b.read_state("app", "dev")
    text = one_line(err.value)
    assert "S3 bucket 'no-such-state-bucket' does not exist" in text
    assert "backends/README.md" in text and "DSS_BACKEND" in text


def test_missing_credentials(aws_env: MotoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(BackendError) as err:
        open_backend("s3://some-bucket/team").read_state("app", "dev")
    text = one_line(err.value)
    assert "no AWS credentials" in text and "AWS_PROFILE" in text and "AWS_ACCESS_KEY_ID" in text


def test_unreachable_endpoint(aws_env: MotoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nobody listens
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(BackendError) as err:
        open_backend("s3://some-bucket/team").read_state("app", "dev")
    text = one_line(err.value)
    assert f"cannot reach the S3 endpoint http://127.0.0.1:{port}" in text
    assert "AWS_ENDPOINT_URL" in text and "some-bucket" in text


def test_access_denied(s3_backend: S3Backend, aws_env: MotoServer) -> None:
    aws_env.set_fault("all", 403)
    with pytest.raises(BackendError) as err:
        s3_backend.write_state("app", "dev", doc(1), expected=None)
    text = one_line(err.value)
    assert f"access denied to S3 bucket '{s3_backend.bucket}'" in text
    for needed in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"):
        assert needed in text
    assert f"arn:aws:s3:::{s3_backend.bucket}/team/state/*" in text


def test_s3_refusing_writes_mid_run_is_reported_and_changes_nothing(
    s3_backend: S3Backend, aws_env: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    first = doc(1)
    v1 = s3_backend.write_state("app", "dev", first, expected=None)
    aws_env.set_fault("put", 503)
    with pytest.raises(BackendError, match="ServiceUnavailable") as err:
        s3_backend.write_state("app", "dev", doc(2), expected=v1)
    one_line(err.value)
    with pytest.raises(BackendError):
        s3_backend.append_journal("app", "dev", 1, b"r")
    aws_env.set_fault(None)
    got = s3_backend.read_state("app", "dev")
    assert got is not None and (got.data, got.version) == (first, v1)
    assert s3_backend.read_journal("app", "dev") == []


def test_every_request_is_counted(s3_backend: S3Backend) -> None:
    data = doc(1)
    s3_backend.write_state("app", "dev", data, expected=None)
    s3_backend.read_state("app", "dev")
    c = s3_backend.counters
    assert c["PutObject"] == 1 and c["GetObject"] == 1 and c["requests"] == 2
    assert c["bytes_written"] == len(data)


# --- paths moto never takes: botocore's Stubber ----------------------------------------------
STATE_KEY = "p/app/dev.json"


@pytest.fixture
def stubbed() -> Any:
    client = boto3.client(
        "s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    backend = S3Backend("team-state", "p", client=client)
    with Stubber(client) as stub:
        yield backend, stub
        stub.assert_no_pending_responses()


def conflict_409(stub: Stubber, method: str = "put_object") -> None:
    stub.add_client_error(
        method,
        service_error_code="ConditionalRequestConflict",
        service_message="A conflicting conditional operation is in progress",
        http_status_code=409,
    )


def test_409_retried_once_when_the_etag_still_matches(stubbed: Any) -> None:
    backend, stub = stubbed
    conflict_409(stub)
    stub.add_response("head_object", {"ETag": '"v1"'}, {"Bucket": "team-state", "Key": STATE_KEY})
    stub.add_response("put_object", {"ETag": '"v2"'})
    assert backend.write_state("app", "dev", b"{}", expected='"v1"') == '"v2"'


def test_409_not_retried_when_someone_else_wrote(stubbed: Any) -> None:
    backend, stub = stubbed
    conflict_409(stub)
    stub.add_response("head_object", {"ETag": '"theirs"'})
    with pytest.raises(StateConflictError, match="409"):
        backend.write_state("app", "dev", b"{}", expected='"v1"')


def test_409_on_create_retried_while_the_key_is_still_absent(stubbed: Any) -> None:
    backend, stub = stubbed
    conflict_409(stub)
    stub.add_client_error("head_object", service_error_code="404", http_status_code=404)
    stub.add_response("put_object", {"ETag": '"v1"'})
    assert backend.write_state("app", "dev", b"{}", expected=None) == '"v1"'


def test_409_twice_is_a_conflict_not_a_loop(stubbed: Any) -> None:
    backend, stub = stubbed
    conflict_409(stub)
    stub.add_response("head_object", {"ETag": '"v1"'})
    conflict_409(stub)
    with pytest.raises(StateConflictError):
        backend.write_state("app", "dev", b"{}", expected='"v1"')


def test_409_on_lock_renewal_and_journal(stubbed: Any) -> None:
    backend, stub = stubbed
    conflict_409(stub)
    stub.add_response("head_object", {"ETag": '"lock1"'})
    stub.add_response("put_object", {"ETag": '"lock2"'})
    info = LockInfo.mine("app", "dev", "x")
    assert backend.renew_lock("app", "dev", info, '"lock1"') == '"lock2"'
    conflict_409(stub)
    stub.add_client_error("head_object", service_error_code="404", http_status_code=404)
    stub.add_response("put_object", {"ETag": '"j"'})
    backend.append_journal("app", "dev", 1, b"r")


def test_412_after_our_own_write_landed_is_success(stubbed: Any) -> None:
    # botocore retried a put whose first attempt had landed: the retry sees our own object.
    backend, stub = stubbed
    data = doc(2)
    stub.add_client_error(
        "put_object", service_error_code="PreconditionFailed", http_status_code=412
    )
    stub.add_response(
        "get_object", {"ETag": '"v2"', "Body": StreamingBody(io.BytesIO(data), len(data))}
    )
    assert backend.write_state("app", "dev", data, expected='"v1"') == '"v2"'


def test_invalid_access_key_is_a_credentials_error(stubbed: Any) -> None:
    backend, stub = stubbed
    stub.add_client_error(
        "get_object", service_error_code="InvalidAccessKeyId", http_status_code=403
    )
    with pytest.raises(BackendError, match="rejected the AWS credentials .*AWS_PROFILE"):
        backend.read_state("app", "dev")


# --- the runnable server, several processes --------------------------------------------------
def race_worker(url: str, bucket: str, rounds: int, index: int, barrier: Any, results: Any) -> None:
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ENDPOINT_URL=url,
    )
    backend = open_backend(f"s3://{bucket}/race")
    for r in range(rounds):
        info = LockInfo.mine(f"stack{r}", "dev", f"worker {index}")
        barrier.wait(timeout=60)
        token = backend.try_lock(f"stack{r}", "dev", info)
        results.put((r, index, info.id if token is not None else None))


def test_racing_processes_get_exactly_one_lock_per_round(moto_process: str) -> None:
    workers, rounds = 20, 12
    bucket = create_bucket(moto_process, f"race-{uuid.uuid4().hex[:12]}")
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(workers)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=race_worker, args=(moto_process, bucket, rounds, i, barrier, results))
        for i in range(workers)
    ]
    for p in procs:
        p.start()
    got = [results.get(timeout=120) for _ in range(workers * rounds)]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    client = s3_client(moto_process)
    for r in range(rounds):
        winners = [lock_id for rr, _, lock_id in got if rr == r and lock_id is not None]
        assert len(winners) == 1, f"round {r}: {len(winners)} winners"
        record = json.loads(
            client.get_object(Bucket=bucket, Key=f"race/stack{r}/dev.lock.json")["Body"].read()
        )
        assert record["id"] == winners[0]


def test_fault_switch_and_stats_from_another_process(
    moto_process: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": moto_process,
        "AWS_MAX_ATTEMPTS": "1",
        "DSS_S3_RETRIES": "0",  # each refusal reaches the caller (the budget: test_s3_lost_answers)
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    }.items():
        monkeypatch.setenv(name, value)
    bucket = create_bucket(moto_process, f"faults-{uuid.uuid4().hex[:12]}")
    backend = open_backend(f"s3://{bucket}")
    reset_stats(moto_process)
    data = doc(1)
    version = backend.write_state("app", "dev", data, expected=None)
    stats = get_stats(moto_process)
    assert stats["requests"] == {"PUT": 1} and stats["bytes_received"] >= len(data)

    set_fault(moto_process, "put", 503)
    with pytest.raises(BackendError, match="ServiceUnavailable"):
        backend.write_state("app", "dev", doc(2), expected=version)
    got = backend.read_state("app", "dev")  # reads still work
    assert got is not None and got.data == data
    set_fault(moto_process, "all", 503, after=1, count=1)  # one through, one refused, healed
    backend.read_state("app", "dev")
    with pytest.raises(BackendError):
        backend.read_state("app", "dev")
    backend.read_state("app", "dev")
    set_fault(moto_process, None)
    backend.write_state("app", "dev", doc(2), expected=version)


# --- the engine's journal on S3: cost grows with the change, not with the stack --------------
def test_checkpoint_journal_over_s3_costs_one_small_put_per_step(s3_backend: S3Backend) -> None:
    from dsspulumi.checkpoint import Checkpointer, Put, load_state
    from dsspulumi.state import ResourceState, State

    b = s3_backend
    state = State(stack="app", env="dev")
    for i in range(300):  # a big stack
        urn = f"urn:big:{i}"
        state.put(ResourceState(urn=urn, type="dss:Dataset", name=urn, inputs={"i": i}))
    checkpoint = Checkpointer(b, state, None)
    checkpoint.compact()
    state_bytes = b.counters["bytes_written"]
    before = dict(b.counters)
    for i in range(5):  # five steps of a run
        urn = f"urn:new:{i}"
        checkpoint.record(Put(ResourceState(urn=urn, type="dss:Dataset", name=urn, inputs={})))
    assert b.counters["PutObject"] - before["PutObject"] == 5
    assert b.counters["bytes_written"] - before["bytes_written"] < state_bytes / 20

    # the run dies here: the next reader gets the document plus the journal
    recovered, version, records = load_state(b, "app", "dev")
    assert records == 5 and version == checkpoint.version
    assert len(recovered.resources) == 305
