"""Keyed pseudonyms and date shifts for de-identified exports. Plain Python, no Django.

A de-identified export must not carry the registry's study id (`FR-000123`): it is
sequential and anyone with registry access can look it up. Each patient gets instead:

- a **pseudonym** `P-` + 16 characters of RFC 4648 base32 (A–Z, 2–7): the first 80 bits
  of HMAC-SHA256 under the pseudonym key of the recipient label and the patient's primary
  key. 80 bits make a collision in a cohort of 100,000 patients about 1 in 10^14.
- a **date shift** of 1–180 days earlier or later (never 0), HMAC-SHA256 under a second,
  separate key: every date of the patient moves by the same amount, so intervals stay
  exact.

Both are **per project, with an optional recipient label mixed in**: the same label (or
none) gives the same pseudonyms and shifts in every export, so a recipient's longitudinal
re-exports line up; two labels give unrelated ones, so two recipients cannot join their
files on the pseudonym or the dates. Without the keys nothing can be reversed or
recomputed; since patient keys are small integers, the keys' secrecy is the only
protection, which is why settings refuse short keys in production.
"""

import base64
import hashlib
import hmac

PREFIX = "P-"
PSEUDONYM_BYTES = 10  # 80 bits: exactly 16 base32 characters, no padding
SHIFT_DAYS = 180
RECIPIENT_MAX_LENGTH = 100


def recipient_clean(label: str) -> str:
    """The label as it keys pseudonyms: spaces trimmed and collapsed, case ignored, so
    "Project X" and "project  x" give the same pseudonyms."""
    return " ".join((label or "").split()).casefold()


def _digest(key: str | bytes, message: str) -> bytes:
    if isinstance(key, str):
        key = key.encode()
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def _scoped(recipient: str, message: str) -> str:
    """The message with the recipient label in front, length-prefixed (unambiguous)."""
    label = recipient_clean(recipient)
    return f"recipient:{len(label)}:{label}|{message}" if label else message


def pseudonym(*, key: str | bytes, patient_pk: int, recipient: str = "") -> str:
    """`P-` + 16 base32 characters, stable for one key, recipient label and patient."""
    digest = _digest(key, _scoped(recipient, f"pseudonym:{patient_pk}"))
    return PREFIX + base64.b32encode(digest[:PSEUDONYM_BYTES]).decode("ascii")


def date_offset(*, key: str | bytes, patient_pk: int, recipient: str = "") -> int:
    """The patient's secret date shift: ±1..180 days, never 0 (an unshifted patient
    would keep real dates). Without a label the offsets are those of earlier releases."""
    digest = _digest(key, _scoped(recipient, f"patient:{patient_pk}"))
    n = int.from_bytes(digest[:8], "big") % (2 * SHIFT_DAYS)
    return n - SHIFT_DAYS if n < SHIFT_DAYS else n - SHIFT_DAYS + 1
