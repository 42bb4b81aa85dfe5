"""Lead files: reading CSV/XLSX imports and writing CSV/XLSX exports. Pure file I/O, no database, no broker.

An import is read as a stream from a temporary file, so memory stays flat whatever its size:

- ``preview_import(path, fmt)`` reads and checks every row and keeps only what a person needs to see
  (the column mapping, the first rows, the first row errors and the totals): a dry run;
- ``ImportScan(path, fmt).batches()`` does the same while handing over the validated leads in chunks of
  1,000 for insertion, as long as every row so far was valid; ``preview()`` then tells whether the whole
  file was (the caller rolls back otherwise).

Both stream: CSV through the ``csv`` module, XLSX through openpyxl's read-only mode. A problem with the
file as a whole (unreadable, too big, no company or job title column) raises ``ImportFileError``; a
problem with one row is a ``RowError`` naming the row as a spreadsheet shows it (the header is row 1).

Exports are written so that opening them in a spreadsheet can never run a formula (``csv_safe``), and
their headers are import aliases, so an exported file imports again as it is.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import Enum
from itertools import chain, islice
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal
from uuid import UUID

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from pydantic import ValidationError
from ra_contracts.leads import LeadInput

__all__ = [
    "IMPORT_FIELDS",
    "LEAD_EXPORT_COLUMNS",
    "ImportFile",
    "ImportFileError",
    "ImportFormat",
    "ImportHeader",
    "ImportLimits",
    "ImportPreview",
    "ImportScan",
    "PreviewRow",
    "RowError",
    "csv_header",
    "csv_rows",
    "csv_safe",
    "header_key",
    "iter_csv",
    "iter_import_rows",
    "parse_posted_at",
    "parse_salary",
    "preview_import",
    "validate_row",
    "validate_rows",
    "write_leads_xlsx",
]

ImportFormat = Literal["csv", "xlsx"]
RawRow = dict[str, str | None]

# --------------------------------------------------------------------------------------------- columns

#: The columns of a lead export, as (field, header). Every header is also understood by the importer:
#: the ones naming a ``LeadInput`` field import into it, the others (status, scores, ids) are skipped.
LEAD_EXPORT_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("company_name", "Company"),
    ("normalized_company", "Normalized Company"),
    ("job_title", "Job Title"),
    ("city", "City"),
    ("state", "State"),
    ("country", "Country"),
    ("industry", "Industry"),
    ("job_link", "Job Link"),
    ("salary_min", "Salary Min"),
    ("salary_max", "Salary Max"),
    ("salary_currency", "Currency"),
    ("employment_type", "Employment Type"),
    ("posted_at", "Posted At"),
    ("sources", "Sources"),
    ("status", "Status"),
    ("quality_score", "Quality Score"),
    ("contact_first_name", "Contact First Name"),
    ("contact_last_name", "Contact Last Name"),
    ("contact_email", "Contact Email"),
    ("contact_phone", "Contact Phone"),
    ("contact_title", "Contact Title"),
    ("created_at", "Created At"),
    ("lead_id", "Lead ID"),
)

IMPORT_FIELDS: Final[frozenset[str]] = frozenset(LeadInput.model_fields)
REQUIRED_FIELDS: Final[tuple[str, ...]] = ("company_name", "job_title")

# Headers people use for each field, besides the field name itself and our export header.
_ALIASES: Final[Mapping[str, tuple[str, ...]]] = {
    "company_name": ("Company", "Company Name", "Employer", "Employer Name", "Organization", "Organisation"),
    "job_title": ("Job Title", "Title", "Position", "Position Title", "Role", "Job"),
    "city": ("City", "Town"),
    "state": ("State", "State Code", "Province"),
    "country": ("Country", "Country Code"),
    "industry": ("Industry", "Sector"),
    "job_link": ("Job Link", "URL", "Job URL", "Link", "Job Posting URL", "Posting URL", "Apply URL"),
    "salary_min": ("Salary Min", "Min Salary", "Minimum Salary", "Salary From"),
    "salary_max": ("Salary Max", "Max Salary", "Maximum Salary", "Salary To"),
    "salary_currency": ("Currency", "Salary Currency"),
    "employment_type": ("Employment Type", "Job Type"),
    "description": ("Description", "Job Description"),
    "posted_at": ("Posted At", "Date Posted", "Posted", "Posted Date", "Post Date"),
    "contact_first_name": ("Contact First Name", "First Name"),
    "contact_last_name": ("Contact Last Name", "Last Name"),
    "contact_email": ("Contact Email", "Email", "Email Address"),
    "contact_phone": ("Contact Phone", "Phone", "Phone Number"),
    "contact_title": ("Contact Title",),
}


def header_key(header: str) -> str:
    """``"Company Name"``, ``"company_name"`` and ``" COMPANY-NAME "`` are the same column."""
    return re.sub(r"[^0-9a-z]", "", header.lower())


def _build_header_map() -> tuple[dict[str, str], frozenset[str]]:
    fields: dict[str, str] = {}
    for name in IMPORT_FIELDS:
        fields[header_key(name)] = name
    for name, aliases in _ALIASES.items():
        for alias in aliases:
            fields[header_key(alias)] = name
    skipped: set[str] = set()
    for name, header in LEAD_EXPORT_COLUMNS:
        if name in IMPORT_FIELDS:
            fields[header_key(header)] = name
        else:
            skipped.update((header_key(header), header_key(name)))
    return fields, frozenset(skipped - set(fields))


_FIELD_BY_HEADER, _EXPORT_ONLY_HEADERS = _build_header_map()

# ---------------------------------------------------------------------------------------------- errors


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (unreadable, too big, no company or job title column)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem with one row. ``row`` is the spreadsheet row (header = 1); ``field`` is None when the
    problem spans fields (salary_min above salary_max); ``value`` is the cell as read, cut to 200 chars."""

    row: int
    field: str | None
    message: str
    value: str | None = None

    def __str__(self) -> str:
        where = f"row {self.row}, {self.field}" if self.field else f"row {self.row}"
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class ImportLimits:
    max_bytes: int = 50 * 1024 * 1024
    max_rows: int = 100_000
    #: An XLSX is a zip: this caps what it unpacks to, so a small "zip bomb" cannot fill the memory.
    max_unpacked_bytes: int = 512 * 1024 * 1024


# ---------------------------------------------------------------------------------------------- header


@dataclass(frozen=True, slots=True)
class ImportHeader:
    """How the file's header row was read: ``columns`` maps each imported header to its field;
    ``unknown_columns`` are headers we do not recognise (ignored, but worth showing: often a typo);
    ``skipped_columns`` are recognised export-only columns (Status, Lead ID…) that an import does not set."""

    row: int
    columns: dict[str, str]
    unknown_columns: list[str]
    skipped_columns: list[str]
    positions: tuple[tuple[int, str], ...] = field(repr=False)


def _read_header(number: int, cells: list[str]) -> ImportHeader:
    columns: dict[str, str] = {}
    positions: list[tuple[int, str]] = []
    unknown: list[str] = []
    skipped: list[str] = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(cells):
        header = raw.strip().lstrip("\ufeff")
        if not header:
            continue
        key = header_key(header)
        name = _FIELD_BY_HEADER.get(key)
        if name is None:
            (skipped if key in _EXPORT_ONLY_HEADERS else unknown).append(header)
            continue
        if name in seen:
            raise ImportFileError(
                f"columns {seen[name]!r} and {header!r} both hold {name}; remove or rename one of them"
            )
        seen[name] = header
        columns[header] = name
        positions.append((index, name))
    missing = [name for name in REQUIRED_FIELDS if name not in seen]
    if missing:
        found = [c.strip() for c in cells if c.strip()]
        shown = ", ".join(repr(c) for c in found[:30]) + (", …" if len(found) > 30 else "")
        raise ImportFileError(
            f"no {' and no '.join(n.replace('_name', '').replace('_', ' ') + ' column' for n in missing)} "
            f"in the header row (row {number}); it needs columns such as 'Company' and 'Job Title'. "
            f"Found: {shown or 'nothing'}"
        )
    return ImportHeader(number, columns, unknown, skipped, tuple(positions))


# ------------------------------------------------------------------------------------------ raw cells

_ZIP_MAGIC = b"PK\x03\x04"
_NOT_UTF8 = "the file is not UTF-8 text; in Excel use Save As → 'CSV UTF-8 (Comma delimited)', or upload the .xlsx"


def _sniff_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


@contextmanager
def _csv_cells(path: Path) -> Iterator[Iterator[list[str]]]:
    with path.open("rb") as raw:
        start = raw.read(4)
    if start.startswith(_ZIP_MAGIC):
        raise ImportFileError("this is an XLSX workbook (or another zip file), not a CSV file")
    # Excel's "Unicode Text" export is UTF-16 with a byte-order mark: cheap to accept.
    encoding = "utf-16" if start[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    with path.open(encoding=encoding, newline="") as text:
        try:
            first = text.readline()
        except UnicodeDecodeError as exc:
            raise ImportFileError(_NOT_UTF8) from exc
        reader = csv.reader(chain([first], text), delimiter=_sniff_delimiter(first))

        def rows() -> Iterator[list[str]]:
            try:
                yield from reader
            except UnicodeDecodeError as exc:
                raise ImportFileError(_NOT_UTF8) from exc
            except csv.Error as exc:
                raise ImportFileError(f"not a readable CSV file (line {reader.line_num}: {exc})") from exc

        yield rows()


def _xlsx_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        # Excel has no date-only type: a date cell reads as midnight.
        return value.date().isoformat() if value.time() == time() and value.tzinfo is None else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


@contextmanager
def _xlsx_cells(path: Path, limits: ImportLimits) -> Iterator[Iterator[list[str]]]:
    broken = "not a readable XLSX workbook"
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportFileError(f"{broken} (an old .xls, or a CSV? save it as .xlsx and upload again)") from exc
    if unpacked > limits.max_unpacked_bytes:
        raise ImportFileError(f"the workbook unpacks to more than {_size(limits.max_unpacked_bytes)}")
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises anything from KeyError to XML parse errors
        raise ImportFileError(f"{broken} ({type(exc).__name__}: {exc})") from exc
    try:
        if not workbook.worksheets:
            raise ImportFileError("the workbook has no worksheet")
        sheet = workbook.worksheets[0]
        # The stored dimensions are sometimes wrong (written by other tools); read what is there instead.
        sheet.reset_dimensions()

        def rows() -> Iterator[list[str]]:
            try:
                for values in sheet.iter_rows(values_only=True):
                    yield [_xlsx_text(v) for v in values]
            except Exception as exc:
                raise ImportFileError(f"{broken}: the first sheet is damaged ({type(exc).__name__})") from exc

        yield rows()
    finally:
        workbook.close()


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


# Our exports put an apostrophe before these (see ``csv_safe``); the importer takes it off again.
_FORMULA_START: Final[tuple[str, ...]] = ("=", "+", "-", "@", "\t", "\r")


def _clean(cell: str) -> str | None:
    text = cell.strip()
    if not text:
        return None
    if len(text) > 1 and text[0] == "'" and text[1] in _FORMULA_START:
        return text[1:]
    return text


class ImportFile:
    """An uploaded lead file opened for one pass: ``header`` is read on entering, ``rows()`` streams the
    rest. File-level problems raise ``ImportFileError`` on entering or while iterating.

    >>> with ImportFile(path, "csv") as upload:
    ...     upload.header.unknown_columns
    ...     for number, raw in upload.rows(): ...
    """

    header: ImportHeader

    def __init__(self, path: Path, fmt: ImportFormat, limits: ImportLimits | None = None) -> None:
        self.path = Path(path)
        self.fmt = fmt
        self.limits = limits or ImportLimits()
        self._stack = ExitStack()
        self._cells: Iterator[tuple[int, list[str]]] = iter(())

    def __enter__(self) -> ImportFile:
        try:
            self._open()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stack.close()

    def _open(self) -> None:
        try:
            size = self.path.stat().st_size
        except OSError as exc:
            raise ImportFileError(f"cannot read the file: {exc.strerror}") from exc
        if size == 0:
            raise ImportFileError("the file is empty")
        if size > self.limits.max_bytes:
            raise ImportFileError(f"the file is {_size(size)}; the limit is {_size(self.limits.max_bytes)}")
        if self.fmt == "csv":
            cells = self._stack.enter_context(_csv_cells(self.path))
        elif self.fmt == "xlsx":
            cells = self._stack.enter_context(_xlsx_cells(self.path, self.limits))
        else:
            raise ImportFileError(f"unsupported file format {self.fmt!r}; upload a .csv or .xlsx file")
        self._cells = enumerate(cells, start=1)
        for number, row in self._cells:
            if "".join(row).strip():
                self.header = _read_header(number, row)
                return
        raise ImportFileError("the file is empty" if self.fmt == "csv" else "the first sheet is empty")

    def rows(self) -> Iterator[tuple[int, RawRow]]:
        """(spreadsheet row number, {field: stripped cell text or None}) for every non-blank data row."""
        positions = self.header.positions
        max_rows = self.limits.max_rows
        count = 0
        for number, cells in self._cells:
            text = "".join(cells)
            if not text.strip():
                continue
            if "\x00" in text:
                # Python's csv reads NUL bytes, which Postgres refuses in text: most likely not a text file.
                raise ImportFileError(f"row {number} holds NUL bytes: the file is not a text CSV")
            count += 1
            if count > max_rows:
                raise ImportFileError(
                    f"the file has more than {max_rows:,} rows (row {number}); split it into smaller files"
                )
            width = len(cells)
            yield number, {name: _clean(cells[i]) if i < width else None for i, name in positions}


def iter_import_rows(path: Path, fmt: ImportFormat, limits: ImportLimits | None = None) -> Iterator[tuple[int, RawRow]]:
    """Stream a lead file's data rows as (spreadsheet row number, {field: text or None}). Blank rows are
    skipped; unknown columns are left out (``ImportFile(...).header`` lists them)."""
    with ImportFile(path, fmt, limits) as upload:
        yield from upload.rows()


# ------------------------------------------------------------------------------------------ validation

_MONTHS = "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y", "%d %b %Y", "%d %B %Y", "%d-%b-%Y", "%d-%b-%y"
_US_DATE = re.compile(
    r"(\d{1,2})[/-](\d{1,2})[/-](\d{4}|\d{2})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?"
)


def parse_posted_at(text: str) -> datetime:
    """ISO dates and datetimes, ``11/29/2026`` (US month first, ``11/29/26`` too, optionally with a time
    such as ``2:30 PM``) and ``Nov 29, 2026``. A value without a time zone is read as UTC."""
    text = text.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        if match := _US_DATE.fullmatch(text):
            month, day, year, hour, minute, second, meridiem = match.groups()
            h = int(hour or 0)
            if meridiem:
                if not 1 <= h <= 12:
                    raise ValueError(f"not a time: {text!r}") from None
                h = h % 12 + (12 if meridiem.lower() == "pm" else 0)
            y = int(year) + (2000 if len(year) == 2 else 0)
            try:
                parsed = datetime(y, int(month), int(day), h, int(minute or 0), int(second or 0))
            except ValueError:
                parsed = None
        else:
            for pattern in _MONTHS:
                try:
                    parsed = datetime.strptime(text, pattern)
                    break
                except ValueError:
                    continue
    if parsed is None:
        raise ValueError(f"not a date: {text!r}; use 2026-11-29 or 11/29/2026")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


_AMOUNT = re.compile(r"([$€£])?\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*([kKmM])?")
_CURRENCY_BY_SYMBOL: Final[Mapping[str, str]] = {"$": "USD", "€": "EUR", "£": "GBP"}


def parse_salary(text: str) -> tuple[Decimal, str | None]:
    """``85000``, ``85,000.00``, ``$85,000`` and ``85k`` (``1.2m``) as an amount, plus the currency a
    symbol implies (``$`` → USD). Commas must group thousands, so a European ``85,00`` is refused."""
    match = _AMOUNT.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not an amount: {text!r}; use 85000, $85,000 or 85k")
    symbol, whole, fraction, suffix = match.groups()
    try:
        amount = Decimal(whole.replace(",", "") + (fraction or ""))
    except InvalidOperation as exc:  # pragma: no cover - the pattern only lets numbers through
        raise ValueError(f"not an amount: {text!r}") from exc
    if suffix:
        amount *= 1000 if suffix in "kK" else 1_000_000
    return amount, _CURRENCY_BY_SYMBOL.get(symbol) if symbol else None


_COUNTRY_ALIASES: Final[Mapping[str, str]] = {
    "usa": "US",
    "us": "US",
    "u s": "US",
    "u s a": "US",
    "united states": "US",
    "united states of america": "US",
}

_MESSAGES: Final[Mapping[tuple[str, str], str]] = {
    ("missing", ""): "required",
    ("string_too_short", "country"): "must be a two-letter country code, such as US",
    ("string_too_long", "country"): "must be a two-letter country code, such as US",
    ("string_too_short", "salary_currency"): "must be a three-letter currency code, such as USD",
    ("string_too_long", "salary_currency"): "must be a three-letter currency code, such as USD",
}


def _short(value: str | None) -> str | None:
    return value if value is None or len(value) <= 200 else value[:199] + "…"


def validate_row(number: int, raw: Mapping[str, str | None]) -> tuple[LeadInput | None, list[RowError]]:
    """One raw row as a ``LeadInput``, or None and every problem found with it."""
    errors: list[RowError] = []
    data: dict[str, Any] = {}
    for name, value in raw.items():
        if value is None:
            continue  # blank: the field's default applies (country defaults to US)
        try:
            if name == "posted_at":
                data[name] = parse_posted_at(value)
            elif name in ("salary_min", "salary_max"):
                data[name], currency = parse_salary(value)
                if currency and not raw.get("salary_currency"):
                    data["salary_currency"] = currency
            elif name == "country":
                data[name] = _COUNTRY_ALIASES.get(re.sub(r"[.\s]+", " ", value.lower()).strip(), value)
            else:
                data[name] = value
        except ValueError as exc:
            errors.append(RowError(number, name, str(exc), _short(value)))
    lead: LeadInput | None = None
    try:
        lead = LeadInput.model_validate(data)
    except ValidationError as exc:
        for problem in exc.errors(include_url=False):
            loc = problem["loc"]
            at = str(loc[0]) if loc else None
            kind = problem["type"]
            message = _MESSAGES.get((kind, at or ""), _MESSAGES.get((kind, ""), problem["msg"]))
            message = message.removeprefix("Value error, ")
            errors.append(RowError(number, at, message, _short(raw.get(at)) if at else None))
    if errors:
        order = {name: i for i, name in enumerate(raw)}  # the file's column order
        errors.sort(key=lambda e: order.get(e.field or "", len(order)))
        return None, errors
    return lead, []


def validate_rows(
    rows: Iterable[tuple[int, Mapping[str, str | None]]],
) -> Iterator[tuple[int, LeadInput | None, list[RowError]]]:
    """``validate_row`` over ``iter_import_rows``: (row, lead or None, errors) for every data row."""
    for number, raw in rows:
        lead, errors = validate_row(number, raw)
        yield number, lead, errors


@dataclass(frozen=True, slots=True)
class PreviewRow:
    """One row as the preview table shows it: the lead as it will be stored (JSON-ready) when it is
    valid, the cells as read when it is not."""

    row: int
    values: dict[str, Any]
    errors: list[RowError]


@dataclass(frozen=True, slots=True)
class ImportPreview:
    """What a read of the whole file found. ``errors`` holds the first ``max_errors`` row errors; ``error_count`` all."""

    header: ImportHeader
    rows: list[PreviewRow]
    errors: list[RowError]
    total_rows: int
    valid_rows: int
    invalid_rows: int
    error_count: int

    @property
    def ok(self) -> bool:
        return self.invalid_rows == 0


def preview_import(
    path: Path,
    fmt: ImportFormat,
    limits: ImportLimits | None = None,
    *,
    sample_size: int = 20,
    max_errors: int = 200,
) -> ImportPreview:
    """A dry run: validate the whole file, keeping only the first rows and errors. A file with a header and
    no data rows is refused as a file (nothing to import)."""
    sample: list[PreviewRow] = []
    errors: list[RowError] = []
    total = valid = error_count = 0
    with ImportFile(path, fmt, limits) as upload:
        for number, raw in upload.rows():
            lead, row_errors = validate_row(number, raw)
            total += 1
            if lead is not None:
                valid += 1
            error_count += len(row_errors)
            if len(errors) < max_errors:
                errors.extend(row_errors[: max_errors - len(errors)])
            if len(sample) < sample_size:
                values = lead.model_dump(mode="json") if lead is not None else dict(raw)
                sample.append(PreviewRow(number, values, row_errors))
        header = upload.header
    if total == 0:
        raise ImportFileError("the file has a header row but no data rows")
    return ImportPreview(header, sample, errors, total, valid, total - valid, error_count)


class ImportScan:
    """One pass over a file for an import that stores as it reads: ``batches()`` yields the valid leads,
    ``size`` at a time, as long as no row has failed; it reads on to the end either way, and then
    ``preview()`` is what :func:`preview_import` would have said. The caller stores the batches in one
    transaction and rolls it back when the preview has any invalid row, so a bad file changes nothing
    while a good one is read only once."""

    def __init__(
        self,
        path: Path,
        fmt: ImportFormat,
        limits: ImportLimits | None = None,
        *,
        size: int = 1000,
        sample_size: int = 20,
        max_errors: int = 200,
    ) -> None:
        self.path, self.fmt, self.limits = path, fmt, limits
        self.size, self.sample_size, self.max_errors = size, sample_size, max_errors
        self._preview: ImportPreview | None = None

    def batches(self) -> Iterator[list[tuple[int, LeadInput]]]:
        sample: list[PreviewRow] = []
        errors: list[RowError] = []
        total = valid = error_count = 0
        batch: list[tuple[int, LeadInput]] = []
        with ImportFile(self.path, self.fmt, self.limits) as upload:
            for number, raw in upload.rows():
                lead, row_errors = validate_row(number, raw)
                total += 1
                if lead is not None:
                    valid += 1
                    if valid == total:  # clean so far: worth storing
                        batch.append((number, lead))
                        if len(batch) >= self.size:
                            yield batch
                            batch = []
                error_count += len(row_errors)
                if len(errors) < self.max_errors:
                    errors.extend(row_errors[: self.max_errors - len(errors)])
                if len(sample) < self.sample_size:
                    values = lead.model_dump(mode="json") if lead is not None else dict(raw)
                    sample.append(PreviewRow(number, values, row_errors))
            header = upload.header
        if total == 0:
            raise ImportFileError("the file has a header row but no data rows")
        if batch and valid == total:
            yield batch
        self._preview = ImportPreview(header, sample, errors, total, valid, total - valid, error_count)

    def preview(self) -> ImportPreview:
        if self._preview is None:
            raise RuntimeError("read every batch first")
        return self._preview


# -------------------------------------------------------------------------------------------- export

_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _export_text(value: object) -> str:
    """A value other than a number or None as export text, before the formula guard."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, str):
        return value
    if isinstance(value, date | time | UUID):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return "; ".join(_export_text(v) for v in value if v is not None)
    return str(value)


def _guard(text: str) -> str:
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_safe(value: object) -> str:
    """A value as a CSV cell a spreadsheet will not run as a formula (OWASP "CSV injection").

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` (and
    the importer removes it again). Numbers (int, float, Decimal) are written as they are, and so is
    text that is nothing but a plain number such as ``-5`` or ``-12.50``: a spreadsheet reads those as
    numbers, never as formulas, and quoting them would turn a salary into text. Datetimes are written as
    ISO 8601 in UTC to the second, None as an empty cell, lists joined with ``"; "``.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    return _guard(_export_text(value))


def csv_header(columns: Sequence[tuple[str, str]], *, bom: bool = True) -> str:
    """The header line of a CSV export of ``columns`` (field, header). With ``bom`` it starts with a UTF-8
    byte-order mark, which Excel needs to read non-ASCII text right; our importer ignores it."""
    out = io.StringIO()
    csv.writer(out).writerow([_guard(header) for _, header in columns])
    return ("\ufeff" if bom else "") + out.getvalue()


def csv_rows(rows: Iterable[Mapping[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    """``rows`` as CSV lines (no header), one chunk of a streamed export."""
    out = io.StringIO()
    writer = csv.writer(out)
    names = [name for name, _ in columns]
    writer.writerows([csv_safe(row.get(name)) for name in names] for row in rows)
    return out.getvalue()


def iter_csv(
    rows: Iterable[Mapping[str, Any]], columns: Sequence[tuple[str, str]], *, chunk_rows: int = 500
) -> Iterator[str]:
    """A whole CSV export as text chunks (header first), for a streaming response."""
    yield csv_header(columns)
    iterator = iter(rows)
    while chunk := list(islice(iterator, chunk_rows)):
        yield csv_rows(chunk, columns)


_XLSX_MAX_TEXT = 32_767  # Excel's limit for one cell


def _xlsx_value(value: object) -> object:
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime):
        # openpyxl refuses time zones: write UTC wall-clock time.
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.replace(microsecond=0)
    if isinstance(value, date):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", _export_text(value))
    return _guard(text)[:_XLSX_MAX_TEXT] or None


def write_leads_xlsx(
    path: Path,
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[tuple[str, str]] = LEAD_EXPORT_COLUMNS,
    limit: int = 5000,
) -> int:
    """Write ``rows`` (at most ``limit``; the rest are not even read) to a one-sheet workbook with a bold,
    frozen header row. Text is guarded like ``csv_safe``. Returns the number of rows written."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Leads")
    sheet.freeze_panes = "A2"
    for index, (_, header) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(len(header) + 4, 12), 40)
    bold = Font(bold=True)
    header_cells = []
    for _, header in columns:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    names = [name for name, _ in columns]
    written = 0
    for row in islice(rows, max(limit, 0)):
        sheet.append([_xlsx_value(row.get(name)) for name in names])
        written += 1
    workbook.save(path)
    return written
