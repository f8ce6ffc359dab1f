"""Access tokens: signing and every check of verification (unit tests, no database)."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey

from auth.hashing import token_hash
from auth.tokens import (
    AccessTokens,
    InvalidAccessToken,
    derive_access_token_key,
)

SECRET = "a-test-secret-that-is-long-enough-for-production-use"
ORIGIN = "https://online.example.fi"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


class Clock:
    """A clock that tests move by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def tokens(clock: Clock | None = None, *, secret: str = SECRET, origin: str = ORIGIN) -> AccessTokens:
    return AccessTokens.from_settings(secret=secret, public_origin=origin, minutes=15, clock=clock or Clock())


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def reason(signer: AccessTokens, token: str) -> str:
    with pytest.raises(InvalidAccessToken) as caught:
        signer.verify(token)
    return caught.value.reason


def claims(**changes) -> dict:
    now = int(T0.timestamp())
    base = {
        "iss": ORIGIN,
        "aud": f"{ORIGIN}/graphql",
        "sub": "42",
        "iat": now,
        "exp": now + 900,
        "jti": "abc",
        "token_type": "access",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def signed(payload: dict, *, key: OctKey | None = None, alg: str = "HS256", typ: str = "at+jwt") -> str:
    return jwt.encode(
        {"alg": alg, "typ": typ}, payload, key or derive_access_token_key(SECRET), algorithms=[alg]
    )


def test_a_token_verifies_with_its_claims_and_header() -> None:
    signer = tokens()
    issued = signer.issue(42)
    assert issued.expires_at == T0 + timedelta(minutes=15)
    verified = signer.verify(issued.token)
    assert verified.user_id == 42
    assert verified.jti == issued.jti
    assert verified.expires_at == issued.expires_at
    header = json.loads(base64.urlsafe_b64decode(issued.token.split(".")[0] + "=="))
    assert header == {"alg": "HS256", "typ": "at+jwt"}
    payload = json.loads(base64.urlsafe_b64decode(issued.token.split(".")[1] + "=="))
    assert payload["iss"] == ORIGIN and payload["aud"] == f"{ORIGIN}/graphql"
    assert payload["sub"] == "42" and payload["token_type"] == "access"
    assert payload["exp"] - payload["iat"] == 900


def test_every_token_has_its_own_jti() -> None:
    signer = tokens()
    assert signer.issue(1).jti != signer.issue(1).jti


def test_expiry_follows_the_clock() -> None:
    clock = Clock()
    signer = tokens(clock)
    token = signer.issue(42).token
    clock.now = T0 + timedelta(minutes=14, seconds=59)
    assert signer.verify(token).user_id == 42
    clock.now = T0 + timedelta(minutes=15)
    assert reason(signer, token) == "expired"
    clock.now = T0 + timedelta(days=3)
    assert reason(signer, token) == "expired"


def test_a_token_from_the_future_is_refused() -> None:
    clock = Clock(T0 + timedelta(hours=1))
    token = tokens(clock).issue(42).token
    clock.now = T0
    assert reason(tokens(clock), token) == "format"


def test_a_tampered_payload_or_signature_is_refused() -> None:
    signer = tokens()
    header, payload, signature = signer.issue(42).token.split(".")
    forged = b64({**json.loads(base64.urlsafe_b64decode(payload + "==")), "sub": "1"})
    assert reason(signer, f"{header}.{forged}.{signature}") == "signature"
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert reason(signer, f"{header}.{payload}.{flipped}") == "signature"
    assert reason(signer, f"{header}.{payload}.") == "signature"


def test_a_token_signed_with_another_key_is_refused() -> None:
    other = tokens(secret="another-secret-of-another-deployment-entirely")
    assert reason(tokens(), other.issue(42).token) == "signature"


def test_the_raw_secret_is_not_the_signing_key() -> None:
    raw = OctKey.import_key(SECRET.encode())
    assert reason(tokens(), signed(claims(), key=raw)) == "signature"
    assert tokens().verify(signed(claims())).user_id == 42


def test_alg_none_is_refused() -> None:
    token = f"{b64({'alg': 'none', 'typ': 'at+jwt'})}.{b64(claims())}."
    assert reason(tokens(), token) == "algorithm"
    token = f"{b64({'alg': 'None', 'typ': 'at+jwt'})}.{b64(claims())}."
    assert reason(tokens(), token) == "algorithm"
    token = f"{b64({'typ': 'at+jwt'})}.{b64(claims())}."
    assert reason(tokens(), token) == "algorithm"


def test_any_other_algorithm_is_refused_even_with_the_right_key() -> None:
    assert reason(tokens(), signed(claims(), alg="HS512")) == "algorithm"
    assert reason(tokens(), signed(claims(), alg="HS384")) == "algorithm"


def test_wrong_issuer_or_audience_is_refused() -> None:
    other_origin = tokens(origin="https://evil.example.com")
    assert reason(tokens(), other_origin.issue(42).token) == "issuer"
    assert reason(tokens(), signed(claims(aud="https://online.example.fi/other"))) == "audience"
    assert reason(tokens(), signed(claims(aud=[f"{ORIGIN}/graphql", "x"]))) == "audience"
    assert reason(tokens(), signed(claims(iss=None))) == "issuer"
    assert reason(tokens(), signed(claims(aud=None))) == "audience"


def test_wrong_token_type_is_refused() -> None:
    assert reason(tokens(), signed(claims(token_type="refresh"))) == "type"
    assert reason(tokens(), signed(claims(token_type=None))) == "type"
    assert reason(tokens(), signed(claims(), typ="JWT")) == "type"


def test_missing_or_malformed_claims_are_refused() -> None:
    assert reason(tokens(), signed(claims(exp=None))) == "format"
    assert reason(tokens(), signed(claims(iat=None))) == "format"
    assert reason(tokens(), signed(claims(exp="9999999999"))) == "format"
    assert reason(tokens(), signed(claims(exp=True))) == "format"
    assert reason(tokens(), signed(claims(jti=None))) == "format"
    assert reason(tokens(), signed(claims(sub=None))) == "subject"
    assert reason(tokens(), signed(claims(sub="maija"))) == "subject"
    assert reason(tokens(), signed(claims(sub="-1"))) == "subject"


@pytest.mark.parametrize(
    "token",
    ["", "abc", "a.b", "a.b.c.d", "!!.??.**", "e30.e30.", "bm90IGpzb24.e30.", "W10.e30.", "x" * 5000],
)
def test_garbage_is_refused_without_an_exception_escaping(token: str) -> None:
    assert reason(tokens(), token) in {"format", "algorithm"}


def test_tokens_are_stored_as_sha256() -> None:
    assert token_hash("eprt_x") == hashlib.sha256(b"eprt_x").hexdigest()
    assert token_hash("ä") == hashlib.sha256("ä".encode()).hexdigest()  # as str.encode() does
    assert len(token_hash("\ud800")) == 64  # any string hashes, none raises
