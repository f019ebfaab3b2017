"""The RSA keys that sign access tokens, and the JWKS that publishes their public halves.

`AUTH_JWT_PRIVATE_KEYS` holds one or more PEM keys: the first signs, every one is published, so
a rotation first prepends the new key and later drops the old one (after the access-token TTL).
Outside production, when the variable is unset, one key is generated and kept in
`AUTH_KEYS_DIR`, so that tokens survive a restart of `make run`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from auth.config import Settings

ALGORITHM = "RS256"
DEV_KEY_FILE = "signing-key.pem"
_PEM_BLOCK = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.+?-----END [A-Z ]*PRIVATE KEY-----",
                        re.DOTALL)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 thumbprint of an RSA JWK: SHA-256 over its required members, sorted, compact."""
    required = {name: jwk[name] for name in ("e", "kty", "n")}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True).encode()
    return _b64url(hashlib.sha256(canonical).digest())


@dataclass(frozen=True)
class SigningKey:
    private_key: rsa.RSAPrivateKey
    kid: str
    public_jwk: dict[str, Any]

    @classmethod
    def of(cls, private_key: rsa.RSAPrivateKey) -> SigningKey:
        jwk = RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
        kid = jwk_thumbprint(jwk)
        public = {"kty": "RSA", "n": jwk["n"], "e": jwk["e"], "kid": kid, "alg": ALGORITHM,
                  "use": "sig"}
        return cls(private_key, kid, public)


class SigningKeys:
    """The ring of keys: `signing` signs, `jwks()` lists all of them."""

    def __init__(self, keys: list[SigningKey]) -> None:
        if not keys:
            raise ValueError("at least one signing key is needed")
        self.keys = keys

    @property
    def signing(self) -> SigningKey:
        return self.keys[0]

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk for key in self.keys]}

    def jwks_json(self) -> str:
        return json.dumps(self.jwks(), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_pem(cls, pem: str) -> SigningKeys:
        blocks = _PEM_BLOCK.findall(pem)
        if not blocks:
            raise ValueError("no PEM private key found")
        keys = []
        for block in blocks:
            key = serialization.load_pem_private_key(block.encode(), password=None)
            if not isinstance(key, rsa.RSAPrivateKey):
                raise ValueError("signing keys must be RSA keys (RS256)")
            keys.append(SigningKey.of(key))
        return cls(keys)

    @classmethod
    def from_settings(cls, settings: Settings) -> SigningKeys:
        """The configured keys; outside production, the generated development key."""
        if settings.jwt_private_keys and settings.jwt_private_keys.get_secret_value().strip():
            return cls.from_pem(settings.jwt_private_keys.get_secret_value())
        if settings.platform.environment == "production":
            raise ValueError("AUTH_JWT_PRIVATE_KEYS must be set in production")
        return cls.from_pem(_development_key(settings.keys_dir))


def generate_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _development_key(directory: Path) -> str:
    path = directory / DEV_KEY_FILE
    if path.is_file():
        return path.read_text()
    directory.mkdir(parents=True, exist_ok=True)
    pem = generate_private_key_pem()
    # Write under a temporary name and link it into place, so two processes starting at once
    # agree on one key: the loser of the race reads the winner's.
    tmp = directory / f".{DEV_KEY_FILE}.{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(pem)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text()
