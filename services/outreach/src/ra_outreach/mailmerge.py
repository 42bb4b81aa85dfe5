"""The mail-merge export (SOP §5.1 mode A): a CSV for an email client's mail merge, and a plain-text guide.
Pure file writing, no database."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Final

#: (merge field of a claimed contact, CSV header), exactly the SOP's columns, in order.
CSV_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("first_name", "First Name"),
    ("last_name", "Last Name"),
    ("email", "Email"),
    ("title", "Title"),
    ("company_name", "Company"),
    ("state", "State"),
    ("job_title", "Job Title"),
)

_FORMULA_START: Final[tuple[str, ...]] = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def csv_safe(value: object) -> str:
    """A cell a spreadsheet will never run as a formula (OWASP "CSV injection"): text starting with ``=``,
    ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``; a plain number stays as it is."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_name(run_id: uuid.UUID) -> str:
    return f"outreach/{run_id}/mailmerge.csv"


def guide_name(run_id: uuid.UUID) -> str:
    return f"outreach/{run_id}/mailmerge-guide.txt"


def mailmerge_csv(rows: Iterable[Mapping[str, object]]) -> str:
    """The CSV text, with a UTF-8 byte-order mark so Excel reads names with accents right."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header for _, header in CSV_COLUMNS])
    for row in rows:
        writer.writerow([csv_safe(row.get(key)) for key, _ in CSV_COLUMNS])
    return out.getvalue()


def mailmerge_guide(
    *, run_id: uuid.UUID, created_at: datetime, contacts: int, postal_address: str, unsubscribe_hint: str
) -> str:
    address = postal_address.strip() or "(none configured yet: set 'outreach_postal_address' in Settings)"
    return f"""MAIL MERGE GUIDE
================
Run {run_id} · {created_at:%Y-%m-%d %H:%M} UTC · {contacts} contact(s)

The file mailmerge.csv next to this guide has one row per contact with these columns:
  {", ".join(header for _, header in CSV_COLUMNS)}
Each contact is recorded as reached by this export: the next runs leave them alone until the cooldown
has passed, so send to every row of this file (or to none of them).

OUTLOOK (Microsoft 365 / desktop)
1. Open Word, start a new document and choose Mailings > Start Mail Merge > E-mail Messages.
2. Select Recipients > Use an Existing List and pick mailmerge.csv.
3. Write the message; use Insert Merge Field for First Name, Company, Job Title and the other columns.
4. Add the footer below (postal address and unsubscribe line) to the end of the message.
5. Finish & Merge > Send E-mail Messages: To = Email, a subject line, format Plain Text or HTML.
   Outlook sends one message per row from your default account.

GMAIL (Google Workspace)
1. Import mailmerge.csv into a Google Sheet (File > Import > Upload).
2. Use Gmail's built-in mail merge (Workspace plans: Compose > Mail merge) or an add-on such as
   "Mail Merge with Attachments"/YAMM; map @First Name, @Company, @Job Title … to the columns.
3. Write a draft with the merge fields and the footer below, send a test to yourself, then send.

SEND RESPONSIBLY
- Keep the daily volume of each sending account low (the system's own limit is a good guide), and
  space the sends out; a sudden burst from a new account lands in spam.
- Send only from an account whose domain has SPF, DKIM and DMARC set up.

UNSUBSCRIBE DUTY (CAN-SPAM, GDPR)
Every message must tell the recipient how to stop further emails and include your postal address.
Honour every opt-out within 10 business days: add the address to the suppression list
(Outreach > Suppression, or import a CSV of addresses there) so no later run reaches it.
{unsubscribe_hint}

FOOTER TO PASTE AT THE END OF EVERY MESSAGE
--
{address}
If you'd rather not hear from us again, reply with "unsubscribe" and we will not contact you again.
"""


def write_exports(directory: Path, run_id: uuid.UUID, csv_text: str, guide_text: str) -> tuple[Path, Path]:
    """Both files under ``directory`` (the exports folder); returns their paths."""
    csv_path, guide_path = directory / csv_name(run_id), directory / guide_name(run_id)
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    csv_path.write_text(csv_text, encoding="utf-8", newline="")
    guide_path.write_text(guide_text, encoding="utf-8")
    return csv_path, guide_path
