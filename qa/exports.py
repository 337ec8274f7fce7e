"""The analysts' downloads: the same rows as the API (qa.selectors.qa_monthly), the same
columns in the same order."""

import csv
import io

from django.http import HttpResponse
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.styles import Font

from qa.compliance import COMPLIANCE_COLUMNS, ComplianceFigures
from qa.exemptions import EXEMPTION_COLUMNS, ExemptionAuditFigures
from qa.rules import COLUMNS, MonthlyFigures
from qa.selectors import QaFilters
from qa.victims_code import CODE_COLUMNS, CodeFigures, victims_code_csv, victims_code_lines

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filename(filters: QaFilters, extension: str) -> str:
    parts = ["qa", f"{filters.first:%Y-%m}", f"{filters.last:%Y-%m}"]
    if filters.team:
        parts.append(slugify(filters.team.name) or "team")
    if filters.handler:
        # Slugged: a name is free text, and a quote would break the download header.
        parts.append(slugify(filters.handler.username) or "handler")
    return "_".join(parts) + "." + extension


def csv_response(rows: list[MonthlyFigures], filters: QaFilters) -> HttpResponse:
    """The API's keys as the header; an empty cell where the API says null."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([key for key, _ in COLUMNS])
    for row in rows:
        values = row.as_api()
        writer.writerow(["" if values[key] is None else values[key] for key, _ in COLUMNS])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(filters, "csv")}"'
    return response


def xlsx_response(
    rows: list[MonthlyFigures],
    filters: QaFilters,
    *,
    compliance: list[ComplianceFigures] | None = None,
    exemptions: list[ExemptionAuditFigures] | None = None,
    victims_code: dict[str, list[CodeFigures]] | None = None,
) -> HttpResponse:
    """A real spreadsheet: a header row, whole numbers and one-decimal percentages stored
    as numbers (with number formats), the month as text, and a sheet saying which filters."""
    book = Workbook()
    sheet = book.active
    sheet.title = "QA monthly"
    sheet.append([key for key, _ in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        values = row.as_api()
        sheet.append([values[key] for key, _ in COLUMNS])
        line = sheet.max_row
        sheet.cell(line, 2).number_format = "0"
        for column in range(3, len(COLUMNS) + 1):
            sheet.cell(line, column).number_format = "0.0"
    for column, (_, label) in zip("ABCDEF", COLUMNS, strict=True):
        sheet.column_dimensions[column].width = max(12, min(len(label), 48))
    sheet.freeze_panes = "A2"
    if compliance is not None:
        _compliance_sheet(book, compliance)
    if exemptions is not None:
        _exemption_sheet(book, exemptions)
    if victims_code is not None:
        _victims_code_sheet(book, victims_code)
    about = book.create_sheet("Filters")
    about.append(["filter", "value"])
    for key, value in filters.as_params().items():
        about.append([key, f"'{value}" if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value])  # no formulas
    about.append(["note", "Percentages exclude not-applicable grades; empty where nothing was graded."])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(filters, "xlsx")}"'
    return response


def _compliance_sheet(book: Workbook, rows: list[ComplianceFigures]) -> None:
    """Compliance on its own sheet: the API's columns, then a column per exempt code."""
    sheet = book.create_sheet("Compliance")
    codes = sorted({code for row in rows for code in row.exempt_by_code})
    sheet.append([key for key, _ in COMPLIANCE_COLUMNS] + [f"exempt_{code}" for code in codes])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        values = row.as_api()
        sheet.append([values[key] for key, _ in COMPLIANCE_COLUMNS] + [row.exempt_by_code.get(c, 0) for c in codes])
        line = sheet.max_row
        for column, (key, _) in enumerate(COMPLIANCE_COLUMNS, start=1):
            if key.endswith("_pct"):
                sheet.cell(line, column).number_format = "0.0"
            elif key != "month":
                sheet.cell(line, column).number_format = "0"
    sheet.freeze_panes = "A2"


def _exemption_sheet(book: Workbook, rows: list[ExemptionAuditFigures]) -> None:
    """The exemption audit on its own sheet, apart from the four QA measures."""
    sheet = book.create_sheet("Exemption audit")
    sheet.append([key for key, _ in EXEMPTION_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        values = row.as_api()
        sheet.append([values[key] for key, _ in EXEMPTION_COLUMNS])
        line = sheet.max_row
        for column, (key, _) in enumerate(EXEMPTION_COLUMNS, start=1):
            if key.endswith("_pct"):
                sheet.cell(line, column).number_format = "0.0"
            elif key != "month":
                sheet.cell(line, column).number_format = "0"
    sheet.freeze_panes = "A2"


def victims_code_csv_response(figures: dict[str, list[CodeFigures]], filters: QaFilters) -> HttpResponse:
    """Rule 14's figures as their own CSV (qa.victims_code): a line per month, team, handler."""
    response = HttpResponse(victims_code_csv(figures), content_type="text/csv; charset=utf-8")
    name = _filename(filters, "csv").replace("qa_", "victims_code_", 1)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _victims_code_sheet(book: Workbook, figures: dict[str, list[CodeFigures]]) -> None:
    """Rule 14 on its own sheet: the same columns as its CSV, a line per month, team and
    handler, the percentage a number with one decimal place."""
    sheet = book.create_sheet("Victims' Code")
    sheet.append([key for key, _ in CODE_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for line in victims_code_lines(figures):
        values = line.as_api()
        sheet.append([values[key] for key, _ in CODE_COLUMNS])
        sheet.cell(sheet.max_row, len(CODE_COLUMNS)).number_format = "0.0"
    sheet.freeze_panes = "A2"
