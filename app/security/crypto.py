"""Field encryption (AES-256-GCM), blind indexes (HMAC-SHA256) and opaque tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE_BYTES = 12
_VERSION = b"\x01"  # leading key/format version, so keys can be rotated later


class FieldCipher:
    """Encrypts one field value; the associated data binds a ciphertext to its column."""

    def __init__(self, data_key_b64: str, index_key: str) -> None:
        self._aead = AESGCM(base64.b64decode(data_key_b64))
        self._index_key = index_key.encode()

    def encrypt(self, plaintext: str, context: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return _VERSION + nonce + sealed

    def decrypt(self, blob: bytes, context: str) -> str:
        if blob[:1] != _VERSION:
            raise ValueError("unknown ciphertext version")
        nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        return self._aead.decrypt(nonce, sealed, context.encode()).decode()

    def blind_index(self, value: str, context: str) -> str:
        return hmac.new(self._index_key, f"{context}:{value}".encode(), hashlib.sha256).hexdigest()


def new_token() -> str:
    """256-bit random token for cookies and bearer tokens."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
