"""The registration token: proof, for ``completeRegistration``, that a person was strongly
identified and matched to customers.

The strong-identification callback hands it to the client in a redirect URL
(``returnTo?registrationToken=...``), so it carries a personal identity code through the
browser's address bar and history. It is therefore not only signed but encrypted: a JWT
in JWE compact form with ``dir`` + ``A256GCM`` (authenticated encryption: any change, or
a token made with another key, fails to decrypt), under a key derived from the server's
signing key for this purpose only. It lives 30 minutes. Reading it checks the algorithm
allow-list, the issuer, the audience, the expiry, the issue time and the type of every
claim.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import ExpiredTokenError, JoseError
from joserfc.jwe import JWERegistry
from joserfc.jwk import OctKey
from joserfc.jwt import JWTClaimsRegistry
from stdnum.fi import hetu as hetu_codes

REGISTRATION_TOKEN_MINUTES = 30
#: Longer input is refused before any parsing.
MAX_TOKEN_LENGTH = 4096
_ISSUER = "energy-portal"
_AUDIENCE = "energy-portal/complete-registration"
_ALGORITHMS = ("dir", "A256GCM")
_HEADER = {"alg": "dir", "enc": "A256GCM", "typ": "JWT", "cty": "registration"}
_REGISTRY = JWERegistry(algorithms=list(_ALGORITHMS))


class RegistrationTokenError(Exception):
    """The registration token is not valid; ``expired`` tells an expired one apart."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


@dataclass(frozen=True)
class RegistrationClaims:
    """What a valid registration token says."""

    hetu: str
    given_name: str
    family_name: str
    customer_ids: tuple[int, ...]
    business_id: str | None
    #: The invitation the person registers through (instead of a customership of their own).
    invitation_id: int | None = None


def _key(signing_key: str) -> OctKey:
    derived = hmac.new(signing_key.encode(), b"energy-portal/registration-token/v1", hashlib.sha256).digest()
    return OctKey.import_key(derived)


def issue_registration_token(
    signing_key: str,
    *,
    hetu: str,
    given_name: str,
    family_name: str,
    customer_ids: list[int],
    business_id: str | None,
    invitation_id: int | None = None,
    now: int | None = None,
    minutes: int = REGISTRATION_TOKEN_MINUTES,
) -> str:
    """A registration token for the identified person and the customers they matched (or,
    with ``invitation_id``, the invitation they register through)."""
    issued = int(time.time()) if now is None else now
    claims: dict[str, Any] = {
        "iss": _ISSUER,
        "aud": _AUDIENCE,
        "sub": hetu,
        "given_name": given_name,
        "family_name": family_name,
        "customers": [int(c) for c in customer_ids],
        "bid": business_id,
        "inv": invitation_id,
        "iat": issued,
        "exp": issued + minutes * 60,
        "jti": secrets.token_urlsafe(12),
    }
    return jwt.encode(_HEADER, claims, _key(signing_key), algorithms=list(_ALGORITHMS), registry=_REGISTRY)


def read_registration_token(signing_key: str, token: str, *, now: int | None = None) -> RegistrationClaims:
    """The claims of a valid registration token; ``RegistrationTokenError`` otherwise."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise RegistrationTokenError("missing or oversized token")
    try:
        decoded = jwt.decode(token, _key(signing_key), algorithms=list(_ALGORITHMS), registry=_REGISTRY)
    except (JoseError, ValueError, TypeError) as error:
        raise RegistrationTokenError(f"cannot decrypt: {error}") from None
    if decoded.header.get("alg") != "dir" or decoded.header.get("enc") != "A256GCM":
        raise RegistrationTokenError("unexpected algorithm")
    if decoded.header.get("cty") != "registration":
        raise RegistrationTokenError("not a registration token")
    current = int(time.time()) if now is None else now
    claims = decoded.claims
    registry = JWTClaimsRegistry(
        now=current,
        leeway=0,
        iss={"essential": True, "value": _ISSUER},
        aud={"essential": True, "value": _AUDIENCE},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError:
        raise RegistrationTokenError("expired", expired=True) from None
    except JoseError as error:
        raise RegistrationTokenError(f"claims not valid: {error}") from None
    hetu = claims["sub"]
    customers = claims.get("customers")  # (checked below: empty only with an invitation)
    given_name, family_name = claims.get("given_name", ""), claims.get("family_name", "")
    business_id = claims.get("bid")
    invitation_id = claims.get("inv")
    if (
        not isinstance(hetu, str)
        or not hetu_codes.is_valid(hetu, allow_temporary=True)
        or not isinstance(customers, list)
        or not (customers or invitation_id is not None)
        or not all(isinstance(c, int) and not isinstance(c, bool) and c > 0 for c in customers)
        or not (invitation_id is None or (type(invitation_id) is int and invitation_id > 0))
        or not isinstance(given_name, str)
        or not isinstance(family_name, str)
        or not (business_id is None or isinstance(business_id, str))
    ):
        raise RegistrationTokenError("claims of the wrong shape")
    if claims["exp"] - claims["iat"] > REGISTRATION_TOKEN_MINUTES * 60:
        raise RegistrationTokenError("lifetime longer than allowed")
    return RegistrationClaims(
        hetu=hetu,
        given_name=given_name,
        family_name=family_name,
        customer_ids=tuple(customers),
        business_id=business_id,
        invitation_id=invitation_id,
    )
