import csv
import io
import os
import tracemalloc
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from ra_sourcing.files import (
    LEAD_EXPORT_COLUMNS,
    ImportFile,
    ImportFileError,
    ImportLimits,
    ImportScan,
    RowError,
    csv_header,
    csv_rows,
    csv_safe,
    iter_csv,
    iter_import_rows,
    parse_posted_at,
    parse_salary,
    preview_import,
    validate_rows,
    write_leads_xlsx,
)

HEADER = ["Company", "Job Title", "City", "State", "Salary Min", "Salary Max", "Posted At", "Contact Email"]
ROW = ["Summit Foods", "Warehouse Manager", "Austin", "Texas", "$85,000", "95k", "11/29/2026", "Ann@Summit.com"]


def write_csv(path: Path, rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def read_xlsx(path: Path) -> list[tuple[Any, ...]]:
    workbook = openpyxl.load_workbook(path)
    return list(workbook.worksheets[0].iter_rows(values_only=True))


def rows_of(path: Path, fmt: Any = "csv", **limits: int) -> list[tuple[int, dict[str, str | None]]]:
    return list(iter_import_rows(path, fmt, ImportLimits(**limits)))


def file_error(path: Path, fmt: Any = "csv", **limits: int) -> str:
    with pytest.raises(ImportFileError) as caught:
        rows_of(path, fmt, **limits)
    return caught.value.message


def lead(**overrides: Any) -> dict[str, Any]:
    """A lead row as the service hands it to an export."""
    fields: dict[str, Any] = {
        "lead_id": uuid.UUID("00000000-0000-4000-8000-000000000001"),
        "company_name": "Summit Foods Inc.",
        "normalized_company": "summit foods",
        "job_title": "Warehouse Manager",
        "city": "Austin",
        "state": "TX",
        "country": "US",
        "industry": "Food & Beverage Manufacturing",
        "job_link": "https://jobs.example.com/1",
        "salary_min": Decimal("85000.00"),
        "salary_max": Decimal("95000.50"),
        "salary_currency": "USD",
        "employment_type": "Full-time",
        "posted_at": datetime(2026, 11, 29, 14, 30, tzinfo=UTC),
        "sources": ["indeed", "linkedin"],
        "status": "NEW",
        "quality_score": 80,
        "contact_first_name": "Ann",
        "contact_last_name": "Lee",
        "contact_email": "ann@summit.example",
        "contact_phone": "+1 512 555 0100",
        "contact_title": "HR Manager",
        "created_at": datetime(2026, 12, 1, 9, 0, 0, 123456, tzinfo=UTC),
    }
    fields.update(overrides)
    return fields


# ------------------------------------------------------------------------------------------------ reading


def test_csv_rows_are_read_with_spreadsheet_row_numbers(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "leads.csv", [HEADER, ROW, ["Acme", "Plant Manager"]])

    rows = rows_of(path)

    assert [number for number, _ in rows] == [2, 3]
    assert rows[0][1] == dict(zip(
        ["company_name", "job_title", "city", "state", "salary_min", "salary_max", "posted_at", "contact_email"],
        ROW, strict=True,
    ))  # fmt: skip
    assert rows[1][1]["company_name"] == "Acme"
    assert rows[1][1]["city"] is None  # a short row: missing cells are blank


def test_xlsx_rows_are_read_as_text(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "leads.xlsx",
        [
            ["Company Name", "Position", "State", "Salary Min", "Salary Max", "Date Posted", "Phone"],
            ["Summit Foods", "Warehouse Manager", "TX", 85000.0, 95000.5, datetime(2026, 11, 29), 5125550100],
            [None, None, None, None, None, None, None],
            ["Acme", "Plant Manager", "ohio", 70000, None, datetime(2026, 11, 30, 8, 15), None],
        ],
    )

    rows = rows_of(path, "xlsx")

    assert rows == [
        (2, {"company_name": "Summit Foods", "job_title": "Warehouse Manager", "state": "TX",
             "salary_min": "85000", "salary_max": "95000.5", "posted_at": "2026-11-29",
             "contact_phone": "5125550100"}),
        (4, {"company_name": "Acme", "job_title": "Plant Manager", "state": "ohio", "salary_min": "70000",
             "salary_max": None, "posted_at": "2026-11-30T08:15:00", "contact_phone": None}),
    ]  # fmt: skip
    leads = [lead for _, lead, _ in validate_rows(rows)]
    assert leads[0] is not None and leads[1] is not None
    assert leads[0].posted_at == datetime(2026, 11, 29, tzinfo=UTC)
    assert leads[1].state == "OH"


def test_xlsx_rows_start_where_the_sheet_starts(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["B3"], sheet["C3"] = "Company", "Title"
    sheet["B4"], sheet["C4"] = "Acme", "Plant Manager"
    sheet["B7"], sheet["C7"] = "Beta", "Office Manager"
    workbook.save(tmp_path / "offset.xlsx")

    with ImportFile(tmp_path / "offset.xlsx", "xlsx") as upload:
        assert upload.header.row == 3
        assert [(n, raw["company_name"]) for n, raw in upload.rows()] == [(4, "Acme"), (7, "Beta")]


def test_a_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bom.csv", [HEADER, ROW], encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    with ImportFile(path, "csv") as upload:
        assert next(iter(upload.header.columns)) == "Company"
        assert [raw["company_name"] for _, raw in upload.rows()] == ["Summit Foods"]


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
def test_the_delimiter_is_sniffed_from_the_header(tmp_path: Path, delimiter: str) -> None:
    path = write_csv(tmp_path / "d.csv", [HEADER, ["Acme, Inc.", "Plant Manager", "Dayton", "OH"]], delimiter=delimiter)

    [(_, raw)] = rows_of(path)

    assert (raw["company_name"], raw["job_title"], raw["state"]) == ("Acme, Inc.", "Plant Manager", "OH")


def test_excel_unicode_text_utf16_is_read(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "u16.txt", [["Company", "Job Title"], ["Café Nouveau", "Office Manager"]],
                     delimiter="\t", encoding="utf-16")  # fmt: skip

    assert rows_of(path) == [(2, {"company_name": "Café Nouveau", "job_title": "Office Manager"})]


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Company", "company_name"), ("company name", "company_name"), ("COMPANY_NAME", "company_name"),
        ("Employer", "company_name"), ("Job Title", "job_title"), ("title", "job_title"),
        ("Position", "job_title"), ("City", "city"), ("State", "state"), ("Country", "country"),
        ("Industry", "industry"), ("Job Link", "job_link"), ("URL", "job_link"), ("Job URL", "job_link"),
        ("Link", "job_link"), ("Salary Min", "salary_min"), ("Min Salary", "salary_min"),
        ("Salary Max", "salary_max"), ("max_salary", "salary_max"), ("Currency", "salary_currency"),
        ("Employment Type", "employment_type"), ("Job Type", "employment_type"),
        ("Description", "description"), ("Posted At", "posted_at"), ("Date Posted", "posted_at"),
        ("Posted", "posted_at"), ("Contact First Name", "contact_first_name"), ("First Name", "contact_first_name"),
        ("Contact Last Name", "contact_last_name"), ("Last Name", "contact_last_name"),
        ("Contact Email", "contact_email"), ("E-mail", "contact_email"), ("Contact Phone", "contact_phone"),
        ("Phone", "contact_phone"), ("Contact Title", "contact_title"), ("  contact  title ", "contact_title"),
    ],
)  # fmt: skip
def test_header_aliases(tmp_path: Path, header: str, field: str) -> None:
    others = {"company_name": ["Job Title"], "job_title": ["Company"]}
    columns = others.get(field, ["Company", "Job Title"])
    path = write_csv(tmp_path / "a.csv", [[*columns, header]])

    with ImportFile(path, "csv") as upload:
        assert upload.header.columns[header.strip()] == field


def test_every_export_header_is_understood_by_the_importer(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.csv", [[header for _, header in LEAD_EXPORT_COLUMNS]])

    with ImportFile(path, "csv") as upload:
        header = upload.header

    assert header.unknown_columns == []
    assert set(header.columns.values()) | {"description"} == set(
        ("company_name job_title city state country industry job_link salary_min salary_max salary_currency "
         "employment_type description posted_at contact_first_name contact_last_name contact_email "
         "contact_phone contact_title").split()
    )  # fmt: skip
    assert header.skipped_columns == [
        "Normalized Company",
        "Sources",
        "Status",
        "Quality Score",
        "Created At",
        "Lead ID",
    ]


def test_unknown_columns_are_ignored_and_reported(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "u.csv", [["Company", "Notes", "Job Title", "Compnay Size", ""], ["Acme", "call", "CEO", "50", "x"]]
    )

    preview = preview_import(path, "csv")

    assert preview.header.unknown_columns == ["Notes", "Compnay Size"]
    assert preview.rows[0].values["company_name"] == "Acme"
    assert "Notes" not in preview.rows[0].values and "notes" not in preview.rows[0].values


def test_two_columns_for_one_field_are_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "dup.csv", [["Company", "Job Title", "Email", "Contact Email"]])

    assert (
        file_error(path) == "columns 'Email' and 'Contact Email' both hold contact_email; remove or rename one of them"
    )


def test_a_file_without_company_and_job_title_columns_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", [["Employer Size", "Town", "State"], ["50", "Austin", "TX"]])

    message = file_error(path)

    assert message.startswith("no company column and no job title column in the header row (row 1)")
    assert "Found: 'Employer Size', 'Town', 'State'" in message


def test_a_file_whose_first_row_is_data_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "noheader.csv", [ROW, ROW])

    message = file_error(path)

    assert "no company column and no job title column" in message
    assert "'Summit Foods', 'Warehouse Manager'" in message


@pytest.mark.parametrize(("content", "fmt"), [(b"", "csv"), (b"\r\n , ,\r\n\r\n", "csv"), (b"", "xlsx")])
def test_an_empty_file_is_refused(tmp_path: Path, content: bytes, fmt: str) -> None:
    path = tmp_path / f"empty.{fmt}"
    path.write_bytes(content)

    assert file_error(path, fmt) == "the file is empty"


def test_an_empty_workbook_is_refused(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "empty.xlsx", [])

    assert file_error(path, "xlsx") == "the first sheet is empty"


def test_a_header_without_rows_has_nothing_to_import(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "h.csv", [HEADER])

    assert rows_of(path) == []
    with pytest.raises(ImportFileError, match="header row but no data rows"):
        preview_import(path, "csv")


@pytest.mark.parametrize("where", ["header", "row 3000"])
def test_bytes_that_are_not_utf8_are_refused(tmp_path: Path, where: str) -> None:
    lines = [b"Company,Job Title"] + [b"Acme,Plant Manager"] * 5000
    at = 0 if where == "header" else 2999
    lines[at] = "Café Nouveau,Office Manager".encode("cp1252")
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"\r\n".join(lines))

    assert file_error(path).startswith("the file is not UTF-8 text")


def test_nul_bytes_make_a_broken_csv(tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(b"Company,Job Title\r\nAcme,Plant Manager\r\nAcme,Plant\x00Manager\r\n")

    assert file_error(path) == "row 3 holds NUL bytes: the file is not a text CSV"


def test_a_cell_too_big_for_the_csv_reader_is_a_file_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "huge.csv", [["Company", "Job Title", "Description"], ["Acme", "CEO", "x" * 200_000]])

    assert file_error(path).startswith("not a readable CSV file (line 2: field larger than field limit")


def test_an_xlsx_uploaded_as_csv_is_named(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "leads.xlsx", [HEADER])

    assert file_error(path, "csv") == "this is an XLSX workbook (or another zip file), not a CSV file"


@pytest.mark.parametrize(
    "content",
    [os.urandom(4096), b"Company,Job Title\r\nAcme,Plant Manager\r\n", b"PK\x03\x04" + os.urandom(2000)],
    ids=["random", "csv", "zip-header"],
)
def test_a_broken_xlsx_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(content)

    assert file_error(path, "xlsx").startswith("not a readable XLSX workbook")


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "other.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")

    assert file_error(path, "xlsx").startswith("not a readable XLSX workbook")


def test_too_many_rows_fail_as_soon_as_the_limit_is_passed(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "many.csv", [["Company", "Job Title"], *[["Acme", "CEO"]] * 10])
    rows = iter_import_rows(path, "csv", ImportLimits(max_rows=5))

    assert len([next(rows) for _ in range(5)]) == 5
    with pytest.raises(ImportFileError, match=r"more than 5 rows \(row 7\)"):
        next(rows)
    assert len(rows_of(path, max_rows=10)) == 10


def test_too_many_bytes_are_refused_before_reading(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "big.csv", [HEADER, ROW])

    assert file_error(path, max_bytes=50).startswith("the file is ")
    assert "the limit is 50 bytes" in file_error(path, max_bytes=50)


def test_an_xlsx_that_unpacks_to_too_much_is_refused(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "bomb.xlsx", [["Company", "Job Title"], *[["Acme " * 50, "CEO"]] * 200])

    assert file_error(path, "xlsx", max_unpacked_bytes=10_000).startswith("the workbook unpacks to more than")


def test_blank_rows_are_skipped_and_rows_keep_their_numbers(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "gaps.csv",
        [
            [],
            ["Company", "Job Title", "State", "Description"],
            ["Acme", "Plant Manager", "OH", "line one\nline two"],  # one spreadsheet row, two lines
            ["", "  ", "", ""],
            [],
            ["Beta", "Office Manager", "Texass", ""],
        ],
    )

    results = list(validate_rows(iter_import_rows(path, "csv")))

    assert [(n, lead is not None) for n, lead, _ in results] == [(3, True), (6, False)]
    assert results[1][2] == [RowError(6, "state", "not a US state: 'Texass'", "Texass")]
    assert str(results[1][2][0]) == "row 6, state: not a US state: 'Texass'"


def test_row_errors_name_the_field_and_keep_the_value(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "errors.csv",
        [
            ["Company", "Job Title", "State", "Job Link", "Email", "Salary Min", "Salary Max", "Posted", "Country"],
            ["", "Plant Manager", "TX", "", "", "", "", "", ""],
            ["Acme", "CEO", "tx", "jobs.example.com/1", "ann at acme", "", "", "", ""],
            ["Acme", "CEO", "TX", "", "", "90k", "80k", "31/12/2026", "United Kingdom"],
            ["Acme", "CEO", "TX", "", "", "eighty", "", "", "USA"],
        ],
    )

    errors = {n: errs for n, _, errs in validate_rows(iter_import_rows(path, "csv"))}

    assert [str(e) for e in errors[2]] == ["row 2, company_name: required"]
    assert [str(e) for e in errors[3]] == [
        "row 3, job_link: must be an http(s) URL",
        "row 3, contact_email: not an email address",
    ]
    assert [str(e) for e in errors[4]] == [
        "row 4, posted_at: not a date: '31/12/2026'; use 2026-11-29 or 11/29/2026",
        "row 4, country: must be a two-letter country code, such as US",
    ]
    assert errors[4][1].value == "United Kingdom"
    assert [str(e) for e in errors[5]] == ["row 5, salary_min: not an amount: 'eighty'; use 85000, $85,000 or 85k"]


def test_a_salary_range_upside_down_is_a_row_error(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "range.csv", [["Company", "Job Title", "Salary Min", "Salary Max"], ["Acme", "CEO", "90k", "80k"]]
    )

    [(_, lead, errors)] = validate_rows(iter_import_rows(path, "csv"))

    assert lead is None
    assert errors == [RowError(2, None, "salary_min is above salary_max")]
    assert str(errors[0]) == "row 2: salary_min is above salary_max"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-29", datetime(2026, 11, 29, tzinfo=UTC)),
        ("2026-11-29T14:30:00", datetime(2026, 11, 29, 14, 30, tzinfo=UTC)),
        ("2026-11-29 14:30", datetime(2026, 11, 29, 14, 30, tzinfo=UTC)),
        ("2026-11-29T14:30:00Z", datetime(2026, 11, 29, 14, 30, tzinfo=UTC)),
        ("2026-11-29T09:30:00-05:00", datetime(2026, 11, 29, 14, 30, tzinfo=UTC)),
        ("11/29/2026", datetime(2026, 11, 29, tzinfo=UTC)),
        ("1/5/2026", datetime(2026, 1, 5, tzinfo=UTC)),
        ("11-29-2026", datetime(2026, 11, 29, tzinfo=UTC)),
        ("11/29/26", datetime(2026, 11, 29, tzinfo=UTC)),
        ("11/29/2026 2:30 PM", datetime(2026, 11, 29, 14, 30, tzinfo=UTC)),
        ("11/29/2026 12:05 am", datetime(2026, 11, 29, 0, 5, tzinfo=UTC)),
        ("11/29/2026 14:30:15", datetime(2026, 11, 29, 14, 30, 15, tzinfo=UTC)),
        ("Nov 29, 2026", datetime(2026, 11, 29, tzinfo=UTC)),
        ("November 29, 2026", datetime(2026, 11, 29, tzinfo=UTC)),
        ("29-Nov-2026", datetime(2026, 11, 29, tzinfo=UTC)),
    ],
)
def test_posted_dates(text: str, expected: datetime) -> None:
    parsed = parse_posted_at(text)

    assert parsed == expected
    assert parsed.tzinfo is not None


@pytest.mark.parametrize("text", ["29/11/2026", "2026-13-01", "yesterday", "11/29/2026 13:00 PM", ""])
def test_dates_that_are_not_dates(text: str) -> None:
    with pytest.raises(ValueError, match="not a"):
        parse_posted_at(text)


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("85000", Decimal(85000), None),
        ("85,000", Decimal(85000), None),
        ("$85,000", Decimal(85000), "USD"),
        ("$ 85,000.50", Decimal("85000.50"), "USD"),
        ("85k", Decimal(85000), None),
        ("$85K", Decimal(85000), "USD"),
        ("85.5k", Decimal(85500), None),
        ("1.2m", Decimal(1200000), None),
        ("€40000", Decimal(40000), "EUR"),
        ("1,234,567", Decimal(1234567), None),
    ],
)
def test_salaries(text: str, amount: Decimal, currency: str | None) -> None:
    assert parse_salary(text) == (amount, currency)


@pytest.mark.parametrize("text", ["85,00", "-5", "85 000", "85k-95k", "about 80k", "$"])
def test_amounts_that_are_not_amounts(text: str) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        parse_salary(text)


def test_a_currency_symbol_sets_the_currency_unless_a_column_says_otherwise(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "cur.csv",
        [
            ["Company", "Job Title", "Salary Min", "Currency"],
            ["Acme", "CEO", "$90k", ""],
            ["Beta", "CEO", "$90k", "cad"],
        ],
    )

    leads = [lead for _, lead, _ in validate_rows(iter_import_rows(path, "csv"))]

    assert [(lead.salary_min, lead.salary_currency) for lead in leads if lead] == [(90000, "USD"), (90000, "CAD")]


def test_preview_keeps_the_first_rows_and_errors_and_counts_everything(tmp_path: Path) -> None:
    rows = [["Company", "Job Title", "State"]]
    rows += [["Acme", "CEO", "Texass" if i % 3 == 0 else "TX"] for i in range(300)]
    path = write_csv(tmp_path / "p.csv", rows)

    preview = preview_import(path, "csv", sample_size=5, max_errors=7)

    assert (preview.total_rows, preview.valid_rows, preview.invalid_rows, preview.error_count) == (300, 200, 100, 100)
    assert not preview.ok
    assert [r.row for r in preview.rows] == [2, 3, 4, 5, 6]
    assert preview.rows[0].values == {"company_name": "Acme", "job_title": "CEO", "state": "Texass"}
    assert preview.rows[0].errors == [RowError(2, "state", "not a US state: 'Texass'", "Texass")]
    assert preview.rows[1].values["state"] == "TX" and preview.rows[1].values["country"] == "US"
    assert [e.row for e in preview.errors] == [2, 5, 8, 11, 14, 17, 20]


def test_leads_come_in_batches_for_insertion(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "b.csv", [["Company", "Job Title"], *[[f"Acme {i}", "CEO"] for i in range(2500)]])

    scan = ImportScan(path, "csv")
    batches = list(scan.batches())

    assert [len(b) for b in batches] == [1000, 1000, 500]
    assert batches[0][0][0] == 2 and batches[0][0][1].company_name == "Acme 0"
    assert batches[-1][-1][0] == 2501
    assert scan.preview().ok and scan.preview().total_rows == 2500


def test_batches_stop_at_an_invalid_row_and_the_preview_tells(tmp_path: Path) -> None:
    rows = [["Company", "Job Title", "State"], ["Acme", "CEO", "TX"], ["Beta", "CEO", "Texass"], ["Gamma", "CEO", "OH"]]
    scan = ImportScan(write_csv(tmp_path / "bad.csv", rows), "csv", size=1)

    batches = list(scan.batches())

    assert [[n for n, _ in b] for b in batches] == [[2]]  # nothing after the bad row
    preview = scan.preview()
    assert not preview.ok and preview.invalid_rows == 1 and preview.total_rows == 3
    assert [str(e) for e in preview.errors] == ["row 3, state: not a US state: 'Texass'"]
    with pytest.raises(RuntimeError):
        ImportScan(write_csv(tmp_path / "x.csv", rows), "csv").preview()


# ------------------------------------------------------------------------------------------------ writing


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+1 512 555 0100", "'+1 512 555 0100"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Acme = best", "Acme = best"),
        ("-5", "-5"),
        ("-12.50", "-12.50"),
        (-5, "-5"),
        (Decimal("-12.50"), "-12.50"),
        (85000, "85000"),
        (None, ""),
        (True, "true"),
        (datetime(2026, 11, 29, 9, 30, 0, 999, tzinfo=timezone(timedelta(hours=-5))), "2026-11-29T14:30:00+00:00"),
        (date(2026, 11, 29), "2026-11-29"),
        (["indeed", "linkedin"], "indeed; linkedin"),
        (["=cmd", "x"], "'=cmd; x"),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
    ],
)
def test_csv_safe(value: Any, cell: str) -> None:
    assert csv_safe(value) == cell


def test_csv_export_chunks(tmp_path: Path) -> None:
    columns = [("company_name", "Company"), ("salary_min", "Salary Min"), ("sources", "Sources")]
    rows = [lead(company_name="=1+1"), lead(company_name='Acme, "the best"', sources=[])]

    header = csv_header(columns)
    body = csv_rows(rows, columns)

    assert header == "\ufeffCompany,Salary Min,Sources\r\n"
    assert csv_header(columns, bom=False) == "Company,Salary Min,Sources\r\n"
    assert list(csv.reader(io.StringIO(body))) == [
        ["'=1+1", "85000.00", "indeed; linkedin"],
        ['Acme, "the best"', "85000.00", ""],
    ]
    chunks = list(iter_csv(iter([lead()] * 5), columns, chunk_rows=2))
    assert len(chunks) == 4 and chunks[0] == header


def test_xlsx_export_has_a_bold_header_and_guarded_text(tmp_path: Path) -> None:
    path = tmp_path / "leads.xlsx"
    rows = [lead(company_name='=HYPERLINK("http://evil")', contact_title="Boss\x07\x00", job_title="-1+1")]

    assert write_leads_xlsx(path, rows, LEAD_EXPORT_COLUMNS) == 1

    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == [header for _, header in LEAD_EXPORT_COLUMNS]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    values = dict(zip([f for f, _ in LEAD_EXPORT_COLUMNS], [c.value for c in sheet[2]], strict=True))
    assert all(c.data_type != "f" for c in sheet[2])
    assert values["company_name"] == '\'=HYPERLINK("http://evil")'
    assert values["job_title"] == "'-1+1"
    assert values["contact_title"] == "Boss"
    assert values["contact_phone"] == "'+1 512 555 0100"
    assert values["posted_at"] == datetime(2026, 11, 29, 14, 30)  # naive UTC
    assert values["created_at"] == datetime(2026, 12, 1, 9, 0)
    assert values["salary_min"] == 85000 and values["salary_max"] == 95000.5
    assert values["quality_score"] == 80
    assert values["sources"] == "indeed; linkedin"
    assert values["lead_id"] == "00000000-0000-4000-8000-000000000001"


def test_xlsx_export_stops_at_the_limit_without_reading_further(tmp_path: Path) -> None:
    read = 0
    columns = [("company_name", "Company"), ("posted_at", "Posted At")]

    def many() -> Any:
        nonlocal read
        for i in range(6000):
            read += 1
            yield {"company_name": f"Acme {i}", "posted_at": datetime(2026, 11, 29, tzinfo=UTC)}

    path = tmp_path / "limit.xlsx"
    assert write_leads_xlsx(path, many(), columns) == 5000
    assert read == 5000
    workbook = openpyxl.load_workbook(path, read_only=True)
    assert sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True)) == 5001
    workbook.close()
    assert write_leads_xlsx(tmp_path / "small.xlsx", [lead()] * 3, LEAD_EXPORT_COLUMNS, limit=2) == 2


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_again(tmp_path: Path, fmt: str) -> None:
    originals = [
        lead(),
        lead(company_name="=Evil Corp", job_title="-Plant Manager", city=None, salary_min=None, salary_max=None,
             salary_currency=None, posted_at=None, contact_phone="+1 512 555 0199", state="OH",
             job_link="https://jobs.example.com/2"),
    ]  # fmt: skip
    path = tmp_path / f"export.{fmt}"
    if fmt == "csv":
        path.write_text("".join(iter_csv(originals, LEAD_EXPORT_COLUMNS)), encoding="utf-8", newline="")
    else:
        write_leads_xlsx(path, originals, LEAD_EXPORT_COLUMNS)

    preview = preview_import(path, fmt)  # type: ignore[arg-type]
    leads = [lead for batch in ImportScan(path, fmt).batches() for _, lead in batch]  # type: ignore[arg-type]

    assert preview.ok and preview.header.unknown_columns == []
    fields = [f for f, _ in LEAD_EXPORT_COLUMNS if f in type(leads[0]).model_fields]
    assert [lead.model_dump(include=set(fields)) for lead in leads] == [
        {f: original[f] for f in fields} for original in originals
    ]


# -------------------------------------------------------------------------------------------- big files


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "100k.csv"
    states = ["TX", "Ohio", "ca", "New York"]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([*HEADER, "Job Link", "Industry", "Notes"])
        for i in range(100_000):
            writer.writerow([
                f"Company {i}", "Warehouse Manager", "Austin", states[i % 4], "$85,000", "95k",
                "2026-11-29" if i % 2 else "11/29/2026", f"hr{i}@company{i}.example",
                f"https://jobs.example.com/{i}", "Manufacturing", "x" * 40,
            ])  # fmt: skip
    return path


def test_a_100k_row_file_validates_whole(big_csv: Path) -> None:
    # Its speed is measured by bench/leads_api.py (import), not here.
    valid = sum(lead is not None for _, lead, _ in validate_rows(iter_import_rows(big_csv, "csv")))
    assert valid == 100_000


def test_a_100k_row_file_is_streamed(big_csv: Path) -> None:
    tracemalloc.start()
    try:
        with ImportFile(big_csv, "csv") as upload:
            read = sum(1 for _ in islice(validate_rows(upload.rows()), 25_000))
            _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    print(f"\npeak traced memory after validating {read:,} rows: {peak / 1e6:.2f} MB")
    assert peak < 4_000_000  # the file is ~18 MB
