"""Free text shown to the public without the reporters' personal data.

Descriptions and notes are typed by people: a caller's name and number often end up in them
("张先生来电，电话13812345678"). Before any public Open311 answer shows such text, this masks
the case's own reporters' names, phones and e-mails wherever they appear, any e-mail address,
and any run of seven or more digits (mobile and landline numbers, ID-card and bank numbers),
the way civicgrid.cases.privacy masks them for staff who may not see contacts. Case numbers
(XC-20261122-000123) stay readable. A stranger's name typed into the text cannot be recognised
and is not masked (docs/open311.md says so)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from civicgrid.cases.privacy import mask_email, mask_name, mask_phone

CASE_NUMBER = re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,4}-\d{8}-\d{4,8}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Seven or more digits, allowing the spaces and hyphens people write in numbers; an ID card
# may end in X.
DIGITS = re.compile(r"(?<![\dA-Za-z])\+?\d(?:[\s-]?\d){6,}[Xx]?(?![\dA-Za-z])")
HONORIFICS = "先生|女士|小姐|师傅|阿姨|大爷|大妈|老师|同志"


def _mask_digits(match: re.Match) -> str:
    return mask_phone(re.sub(r"[\s+-]", "", match.group(0)))


def scrub(text: str, *, names: Iterable[str] = (), phones: Iterable[str] = (),
          emails: Iterable[str] = ()) -> str:
    """`text` with the given reporters' data and every number/e-mail-like string masked."""
    if not text:
        return ""
    kept: list[str] = []

    def keep(match: re.Match) -> str:
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    text = CASE_NUMBER.sub(keep, text)
    for email in {e.strip() for e in emails if e and e.strip()}:
        text = text.replace(email, mask_email(email))
    text = EMAIL.sub(lambda m: mask_email(m.group(0)), text)
    for phone in {p.strip() for p in phones if p and p.strip()}:
        text = text.replace(phone, mask_phone(phone))
    text = DIGITS.sub(_mask_digits, text)
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len,
                       reverse=True):
        text = text.replace(name, mask_name(name))
        # "张先生", "王阿姨": the family name with a form of address.
        text = re.sub(re.escape(name[0]) + f"(?=(?:{HONORIFICS}))", "*", text)
    return re.sub("\x00(\\d+)\x00", lambda m: kept[int(m.group(1))], text)
