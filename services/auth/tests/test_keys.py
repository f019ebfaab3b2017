"""Signing keys: the RFC 7638 kid, rotation, the development key, and production's refusal."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from pydantic import SecretStr, ValidationError

from auth.config import Settings
from auth.keys import DEV_KEY_FILE, SigningKeys, generate_private_key_pem, jwk_thumbprint
from auth.tokens import AccessTokenIssuer
from career_kit.settings import PlatformSettings


def test_kid_is_the_rfc_7638_thumbprint() -> None:
    # The example key and thumbprint of RFC 7638, section 3.1.
    jwk = {
        "kty": "RSA", "e": "AQAB", "alg": "RS256", "kid": "2011-04-29",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSo"
             "c_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGj"
             "QR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-b"
             "FTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    }
    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_rotation_publishes_every_key_and_signs_with_the_first(signing_key_pem) -> None:
    old = SigningKeys.from_pem(signing_key_pem)
    new_pem = generate_private_key_pem()
    ring = SigningKeys.from_pem(new_pem + "\n" + signing_key_pem)
    jwks = json.loads(ring.jwks_json())
    kids = [key["kid"] for key in jwks["keys"]]
    assert kids == [SigningKeys.from_pem(new_pem).signing.kid, old.signing.kid]

    now = datetime.now(UTC)
    issued_before = AccessTokenIssuer(old, timedelta(minutes=15)).issue(
        user_id="u-1", tier="free", roles=[], session_id="s-1", now=now, auth_time=now)
    issued_after = AccessTokenIssuer(ring, timedelta(minutes=15)).issue(
        user_id="u-1", tier="free", roles=[], session_id="s-1", now=now, auth_time=now)
    keyset = jwt.PyJWKSet.from_dict(jwks)
    for token in (issued_before.token, issued_after.token):
        kid = jwt.get_unverified_header(token)["kid"]
        jwt.decode(token, keyset[kid], algorithms=["RS256"], audience="career-tools-users")
    assert jwt.get_unverified_header(issued_after.token)["kid"] == kids[0]


def test_development_key_is_generated_once_and_kept(tmp_path) -> None:
    settings = Settings(keys_dir=tmp_path / "keys")
    first = SigningKeys.from_settings(settings)
    again = SigningKeys.from_settings(Settings(keys_dir=tmp_path / "keys"))
    assert first.signing.kid == again.signing.kid
    key_file = tmp_path / "keys" / DEV_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert list((tmp_path / "keys").iterdir()) == [key_file]


def test_production_refuses_to_start_without_keys(tmp_path) -> None:
    production = PlatformSettings(environment="production",
                                  internal_secret=SecretStr("a-real-secret"))
    with pytest.raises(ValidationError, match="AUTH_JWT_PRIVATE_KEYS"):
        Settings(platform=production, keys_dir=tmp_path)
    assert not (tmp_path / DEV_KEY_FILE).exists()
    pem = generate_private_key_pem()
    settings = Settings(platform=production, jwt_private_keys=SecretStr(pem))
    assert SigningKeys.from_settings(settings).signing.kid


def test_a_key_that_is_not_rsa_is_refused() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    with pytest.raises(ValueError, match="RSA"):
        SigningKeys.from_pem(pem)
    with pytest.raises(ValueError, match="no PEM"):
        SigningKeys.from_pem("not a key")
