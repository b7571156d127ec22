"""Keys for personal data: a keyed hash (HMAC-SHA256) to look up and Fernet to keep a copy.

Both keys are derived with HKDF from one secret: ``JZCREDIT_SECRET_KEY`` or the
key file that ``jzcredit init`` creates with mode 0600.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from jzcredit.config import Settings
from jzcredit.errors import Misconfigured


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"jzcredit", info=purpose).derive(secret)


class Vault:
    """Hashes and encrypts personal identifiers; never logs or returns them in clear by accident."""

    def __init__(self, secret: bytes) -> None:
        self._hmac_key = _derive(secret, b"lookup-hmac")
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(secret, b"field-encryption")))
        self._token_key = _derive(secret, b"api-token")
        self._session_key = _derive(secret, b"web-session")

    def lookup_hash(self, value: str) -> str:
        return hmac.new(self._hmac_key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise Misconfigured("crypto.wrong_key", "无法解密：密钥与数据库不匹配") from exc

    def token_hash(self, token: str) -> str:
        return hmac.new(self._token_key, token.encode("utf-8"), hashlib.sha256).hexdigest()

    def session_mac(self, message: str) -> str:
        """The web login's signature over a session cookie or a form's CSRF token (a key of its own)."""
        return hmac.new(self._session_key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def create_key_file(path: Path) -> bool:
    """Create the key file (mode 0600) if absent; return whether it was created."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_urlsafe(48) + "\n")
    os.chmod(path, 0o600)
    return True


def load_vault(settings: Settings) -> Vault:
    if settings.secret_key is not None:
        return Vault(settings.secret_key.get_secret_value().encode("utf-8"))
    path = settings.resolved_key_file()
    if not path.exists():
        raise Misconfigured(
            "crypto.no_key", f"没有密钥文件 {path.name}：请先运行 jzcredit init，或设置 JZCREDIT_SECRET_KEY"
        )
    return Vault(path.read_text(encoding="utf-8").strip().encode("utf-8"))
