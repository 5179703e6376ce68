"""What customer personal data looks like in free text, and how it looks masked.

The one definition for the whole gateway: the reply guard, the logs, exports and the console
all find personal data here. Kinds:

- ``phone``: mainland mobile numbers, 1[3-9] and nine more digits, also written
  ``138 1234 5678``, ``138-1234-5678`` or after ``+86``;
- ``landline``: an area code (0 and two or three digits) set off by a dash, a space or
  parentheses, then seven or eight digits: ``010-12345678``, ``(0755) 1234 5678``. Without the
  separator an 0-led number is as likely an order or parcel number. Service numbers (400/800,
  95xxx, 10086) are the shop's and banks' own, not anybody's personal data;
- ``id_card``: 18-character resident ID numbers whose check character (ISO 7064 MOD 11-2) fits;
- ``bank_card``: 13-19 digits that start as a card network does (3-6) and pass the Luhn check,
  so order and tracking numbers, which rarely pass both, are left alone;
- ``email``: addresses with a dotted domain.

Masks keep enough to recognise a value without disclosing it: a number keeps its first three
and last four digits (``138****5678``, ``440***********1233``, ``621*********1236``,
``010****5678``) and loses its spaces and dashes; an e-mail keeps its first character and
domain (``a***@example.com``). Digits glued to letters ("SKU13812345678") are a code, not data.
Pure: no I/O.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

PHONE, LANDLINE, ID_CARD, BANK_CARD, EMAIL = "phone", "landline", "id_card", "bank_card", "email"
KINDS = (PHONE, LANDLINE, ID_CARD, BANK_CARD, EMAIL)
LABELS = {PHONE: "phone number", LANDLINE: "landline number", ID_CARD: "ID card number",
          BANK_CARD: "bank card number", EMAIL: "e-mail address"}

EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# A run of digit groups joined by single spaces or dashes ("138 1234 5678", "6222-0202-..."),
# optionally after +86 or a parenthesised area code.
_NUMBER_RUN = re.compile(r"(?<![A-Za-z0-9+])(?P<cc>\+86[ -]?)?(?P<area>\(0[0-9]{2,3}\) ?)?"
                         r"(?P<body>[0-9]+(?:[ -][0-9]+)*[Xx]?)(?![A-Za-z0-9])")
_GROUP = re.compile(r"[0-9]+[Xx]?")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    kind: str
    value: str  # normalised: digits (ID check character upper-case) or the e-mail as written

    @property
    def masked(self) -> str:
        return mask_value(self.value)

    @property
    def label(self) -> str:
        return LABELS[self.kind]


def _id_checksum_ok(digits: str) -> bool:
    """ISO 7064 MOD 11-2, the last character of a resident ID card number."""
    total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS))
    return "10X98765432"[total % 11] == digits[17]


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _kind_of(groups: list[str]) -> str | None:
    digits = "".join(groups).upper()
    if re.fullmatch(r"1[3-9][0-9]{9}", digits):
        return PHONE
    if re.fullmatch(r"[0-9]{17}[0-9X]", digits) and _id_checksum_ok(digits):
        return ID_CARD
    # Card networks start 3 (Amex, JCB), 4 (Visa), 5 (Mastercard), 6 (UnionPay): order numbers
    # that begin with a year (2024…) are not mistaken for a card when their Luhn digit happens to fit.
    if re.fullmatch(r"[3-6][0-9]{12,18}", digits) and _luhn_ok(digits):
        return BANK_CARD
    if re.fullmatch(r"0[0-9]{2,3}", groups[0]) and \
            re.fullmatch(r"[2-9][0-9]{6,7}", "".join(groups[1:])):
        return LANDLINE
    return None


def _numbers(text: str):
    """Within a run the longest stretch of groups that makes a valid number wins, then the scan
    goes on after it: "13812345678 13912345678" is two phones, "6222 0202 …" one card."""
    for run in _NUMBER_RUN.finditer(text):
        offset = run.start("body")
        groups = list(_GROUP.finditer(run.group("body")))
        if run.group("area"):
            local = "".join(g.group() for g in groups)
            if re.fullmatch(r"[2-9][0-9]{6,7}", local):
                area = re.sub(r"[^0-9]", "", run.group("area"))
                yield Found(run.start("area"), run.end("body"), LANDLINE, area + local)
            continue
        i = 0
        while i < len(groups):
            for j in range(len(groups) - 1, i - 1, -1):
                kind = _kind_of([g.group() for g in groups[i:j + 1]])
                if kind:
                    digits = "".join(g.group() for g in groups[i:j + 1]).upper()
                    yield Found(offset + groups[i].start(), offset + groups[j].end(), kind, digits)
                    i = j + 1
                    break
            else:
                i += 1


def find(text: str, kinds: tuple[str, ...] = KINDS) -> list[Found]:
    """Every piece of personal data of these kinds in the text, in order of appearance. The
    digits of an e-mail address ("13812345678@qq.com") belong to the address."""
    if not text:
        return []
    emails = [Found(m.start(), m.end(), EMAIL, m.group()) for m in EMAIL_PATTERN.finditer(text)]
    numbers = [n for n in _numbers(text) if n.kind in kinds
               and not any(e.start < n.end and n.start < e.end for e in emails)]
    return sorted((emails if EMAIL in kinds else []) + numbers, key=lambda f: f.start)


def mask_value(value: str) -> str:
    if "@" in value:
        local, domain = value.split("@", 1)
        return f"{local[0]}***@{domain}"
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask(text: str) -> str:
    """The text with every piece of personal data masked; anything else unchanged."""
    found = find(text) if isinstance(text, str) else []
    if not found:
        return text
    parts, at = [], 0
    for item in found:
        parts += [text[at:item.start], item.masked]
        at = item.end
    return "".join(parts) + text[at:]


def normalise(item: str) -> str:
    """One spelling per value, to compare what a text holds with what a customer gave us."""
    item = item.strip()
    if "@" in item:
        return item.lower()
    digits = re.sub(r"[^0-9Xx]", "", item).upper()
    return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits


def mask_nested(value):
    """Strings anywhere inside dicts, lists and tuples masked (keys too); other values as they are."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {mask_nested(k): mask_nested(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(mask_nested(v) for v in value)
    return value


def mask_fields(row: dict, *names: str) -> dict:
    """A copy of a record with these fields masked, for a route that hands records out."""
    return {**row, **{name: mask_nested(row[name]) for name in names if name in row}}
