"""Keyed digests of write-only secrets: what state keeps instead of a password."""

from __future__ import annotations

import hashlib
import json
import os

from dsspulumi.output import mask_all, reveal_all, secret_like
from dsspulumi.secrets import AesGcmCrypter, digest_key, dumps_sealed, unseal
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
    # the journal's encoding (dumps_sealed/unseal) too
    assert unseal(json.loads(dumps_sealed({"p": declared}, crypter)), crypter) == {"p": declared}


def test_engine_views_of_a_digest() -> None:
    declared = make_digest(digest_key(_crypter()), "p", PASSWORD)
    assert reveal_all({"p": declared}) == {"p": PASSWORD}  # what the provider sends DSS
    assert mask_all({"p": declared}) == {"p": "[secret]"}
    assert repr(declared) == str(declared) == "[secret]"
    # read back from DSS, a write-only secret stays as declared
    assert secret_like({"p": declared}, {"p": "(set)"}) == {"p": declared}


def test_dumps_sealed_writes_secrets_sealed_and_plain_values_as_json() -> None:
    """The journal and the state are written by ``dumps_sealed`` (json's own walk): secrets
    sealed, plaintext never in it, everything else as ``json.dumps`` writes it."""
    import types

    import pytest

    from dsspulumi.errors import ConfigError
    from dsspulumi.output import Sealed, Secret
    from dsspulumi.secrets import encrypt_value

    crypter = _crypter()
    token = encrypt_value(crypter, "kept")
    digest = make_digest(digest_key(crypter), "p", PASSWORD)
    data = {
        "a": [1, "x", None, (2, 3), {"s": Secret(PASSWORD)}],
        "d": digest,
        "k": Sealed(token),
        "m": types.MappingProxyType({"n": Secret({"nested": PASSWORD})}),
    }
    text = dumps_sealed(data, crypter, where="journal")
    assert PASSWORD not in text
    doc = json.loads(text)
    assert doc["a"][:4] == [1, "x", None, [2, 3]] and doc["k"] == {"__secret__": token}
    assert doc["d"] == {"__digest__": digest.digest}
    opened = unseal(doc, crypter)
    assert opened["a"][4]["s"] == Secret(PASSWORD)
    assert opened["m"]["n"] == Secret({"nested": PASSWORD}) and opened["k"] == Secret("kept")
    with pytest.raises(ConfigError, match="into the journal"):
        dumps_sealed({"s": Secret(PASSWORD)}, None, where="journal")
    with pytest.raises(TypeError, match="set cannot be written into the journal"):
        dumps_sealed({"x": {1}}, crypter, where="journal")
