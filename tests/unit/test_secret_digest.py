"""Keyed digests of write-only secrets: what state keeps instead of a password."""

from __future__ import annotations

import hashlib
import json
import os

from dsspulumi.output import mask_all, reveal_all, secret_like
from dsspulumi.secrets import AesGcmCrypter, digest_key, seal, unseal
from dsspulumi.secrets.digest import SecretDigest, make_digest
from dsspulumi.state import ResourceState, State, from_json, to_json

PASSWORD = "hunter2"


def _crypter() -> AesGcmCrypter:
    return AesGcmCrypter(os.urandom(32), describe="test key")


def test_digest_is_keyed_and_bound_to_its_purpose() -> None:
    one, two = digest_key(_crypter()), digest_key(_crypter())
    a = make_digest(one, "dss:User/alice/password", PASSWORD)
    assert a == make_digest(one, "dss:User/alice/password", PASSWORD)
    assert a != make_digest(two, "dss:User/alice/password", PASSWORD)  # another stack's key
    assert a != make_digest(one, "dss:User/bob/password", PASSWORD)  # reuse not revealed
    assert a != make_digest(one, "dss:User/alice/password", PASSWORD + "!")
    # not a plain hash anyone could recompute from a guess
    assert hashlib.sha256(PASSWORD.encode()).hexdigest() not in a.digest
    assert PASSWORD not in a.digest


def test_state_keeps_the_digest_never_the_plaintext() -> None:
    crypter = _crypter()
    declared = make_digest(digest_key(crypter), "p", PASSWORD)
    state = State(stack="s", env="dev")
    state.resources.append(
        ResourceState(urn="u", type="dss:User", name="alice", inputs={"password": declared})
    )
    data = to_json(state, crypter)
    assert PASSWORD.encode() not in data
    assert json.loads(data)["resources"][0]["inputs"]["password"] == {"__digest__": declared.digest}
    for key in (crypter, None):  # with or without the stack's key
        loaded = from_json(data, where="test", crypter=key).resources[0].inputs["password"]
        assert isinstance(loaded, SecretDigest) and loaded == declared
        assert loaded.reveal() is None and not loaded.known
    # the journal's walk (seal/unseal) too
    assert unseal(seal({"p": declared}, crypter), crypter) == {"p": declared}


def test_engine_views_of_a_digest() -> None:
    declared = make_digest(digest_key(_crypter()), "p", PASSWORD)
    assert reveal_all({"p": declared}) == {"p": PASSWORD}  # what the provider sends DSS
    assert mask_all({"p": declared}) == {"p": "[secret]"}
    assert repr(declared) == str(declared) == "[secret]"
    # read back from DSS, a write-only secret stays as declared
    assert secret_like({"p": declared}, {"p": "(set)"}) == {"p": declared}
