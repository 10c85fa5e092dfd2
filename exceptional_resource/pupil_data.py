"""Encrypting pupils' names and UPNs at rest, and matching a UPN across a body's schools.

Names and UPNs are optional and special-category data: they are stored only as Fernet
ciphertext (key ``PUPIL_DATA_KEY`` from the environment), and a UPN is matched by a keyed
hash (HMAC-SHA256 with ``PUPIL_UPN_HASH_KEY``, salted with the body) so a pupil who moves
school keeps one record without the UPN being stored in the clear."""

from __future__ import annotations

import hashlib
import hmac
import re

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from core.errors import ApplicationError
from exceptional_resource.error_codes import CaseError

_UPN = re.compile(r"^[A-Z]\d{11}[0-9A-Z]$")


def _fernet() -> Fernet:
    return Fernet(settings.PUPIL_DATA_KEY.encode())


def encrypt(text: str) -> bytes:
    return _fernet().encrypt(text.encode()) if text else b""


def decrypt(token: bytes | memoryview | None) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(bytes(token)).decode()
    except InvalidToken:
        return "[cannot be decrypted with the current key]"


def normalise_upn(upn: str) -> str:
    """A Unique Pupil Number: a letter, 11 digits and a final digit or letter (13 characters)."""
    value = upn.strip().upper().replace(" ", "")
    if not _UPN.match(value):
        raise ApplicationError(
            "Enter the UPN as 13 characters: a letter, 11 numbers, then a number or letter.",
            code=CaseError.INVALID_UPN,
            field="upn",
        )
    return value


def upn_hash(*, body_id: int, upn: str) -> str:
    key = settings.PUPIL_UPN_HASH_KEY.encode()
    return hmac.new(key, f"{body_id}:{normalise_upn(upn)}".encode(), hashlib.sha256).hexdigest()
