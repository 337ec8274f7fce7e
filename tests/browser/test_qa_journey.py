"""QA (PRODUCT.md rules 10 and 11; docs/QA.md): a supervisor draws last month's dip sample,
grades an item and sees the dashboard's figure change; an analyst filters the dashboard,
downloads the CSV and the XLSX, opens both and finds the page's numbers in them. The charts
each have their table and are not read by colour alone."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import openpyxl
from django.utils import timezone
from playwright.sync_api import Page, expect

from qa.models import Check, Grade, Review
from qa.rules import COLUMNS
from qa.services import review_record, sample_draw
from tests.browser.support import BROWSER, login, run_axe
from tests.factories import TeamFactory, UserFactory
from tests.qa.factories import closed_incident, grades

pytestmark = BROWSER

MEASURES = [key for key, _ in COLUMNS if key != "month"]


def last_month() -> date:
    first = timezone.localdate().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/login/")
    run_axe(page, once_per_session=True)


def menu(page: Page):
    return page.get_by_role("navigation", name="Menu")


def dashboard_table(page: Page) -> dict[str, dict[str, str]]:
    """The QA table as the page shows it: {measure: {YYYY-MM: figure}}, "" for a dash."""
    return page.evaluate(
        """() => {
            const table = {};
            for (const row of document.querySelectorAll("#qa-monthly tbody tr[data-measure]")) {
                table[row.dataset.measure] = {};
                for (const cell of row.querySelectorAll("td[data-month]")) {
                    const link = cell.querySelector("a");
                    let text = link ? link.firstChild.textContent : cell.textContent;
                    if (cell.textContent.includes("no graded items")) text = "";
                    table[row.dataset.measure][cell.dataset.month] = text.trim();
                }
            }
            return table;
        }"""
    )


def check_charts(page: Page, calls: str) -> None:
    """Each chart is an image with a name, beside the table of its figures; the bars carry
    their numbers and the trend's series differ by marker and line pattern, not colour only."""
    expect(page.get_by_role("table", name="Performance trends")).to_be_visible()
    charts = page.locator("svg.app-chart")
    expect(charts).to_have_count(2)
    for index in range(2):
        expect(charts.nth(index)).to_have_attribute("role", "img")
        expect(charts.nth(index)).to_have_accessible_name(re.compile(r"\w"))
    trend = page.get_by_role("img", name=re.compile("Trend of the four QA percentages"))
    assert trend.locator("[stroke-dasharray]").count() >= 1
    bars = page.get_by_role("img", name=re.compile("Calls assessed"))
    expect(bars).to_contain_text(calls)
    expect(page.locator("figcaption").first).to_contain_text("the table above gives every figure")


def test_supervisor_grades_a_sample_and_the_analyst_exports_the_figures(page: Page, supervisor, handler, analyst):
    month = last_month()
    label = f"{month:%Y-%m}"
    noon = datetime(month.year, month.month, 10, 12, tzinfo=UTC)
    for day in (0, 1):
        closed_incident(handler=handler, closed_at=noon + timedelta(days=day))
    # Another team's graded sample the same month: the filters must tell the teams apart.
    red = TeamFactory(name="Red Watch")
    red_supervisor = UserFactory(supervisor=True, team=red)
    red_handler = UserFactory(handler=True, team=red)
    closed_incident(handler=red_handler, closed_at=noon)
    red_item = sample_draw(actor=red_supervisor, month=month, seed=1).items.get()
    review_record(item=red_item, reviewer=red_supervisor, data=grades(*[Grade.INADEQUATE] * 3, Check.NO))

    # Supervisor: the dashboard before, then the sample drawn from the page.
    login(page, supervisor)
    run_axe(page)
    menu(page).get_by_role("link", name="QA dashboard").click()
    page.wait_for_url("**/qa/")
    run_axe(page)
    before = dashboard_table(page)
    assert before["calls_assessed"][label] == "1"  # Red Watch's one graded item
    menu(page).get_by_role("link", name="Dip samples").click()
    page.wait_for_url("**/qa/samples/")
    run_axe(page)
    page.get_by_label("Month").fill(label)
    page.get_by_label("Incidents per handler").fill("3")
    page.get_by_label("Seed (optional)").fill("7")
    page.get_by_role("button", name="Draw the sample").click()
    page.wait_for_url(re.compile(r"/qa/samples/\d+/$"))
    run_axe(page)
    expect(page.locator("#progress")).to_have_text("0 of 2 graded")

    # Grade the first item beside its assessment.
    page.get_by_role("link", name=re.compile(r"^Grade ")).first.click()
    page.wait_for_url(re.compile(r"/qa/items/\d+/review/$"))
    run_axe(page)
    page.get_by_role("group", name="Vulnerability").get_by_label("Good", exact=True).check()
    page.get_by_role("group", name="Prevention").get_by_label("Requires improvement").check()
    page.get_by_role("group", name="Scene preservation").get_by_label("Not applicable").check()
    page.get_by_role("group", name="Repeat victim check done?").get_by_label("Yes").check()
    page.get_by_label("Feedback to the handler").fill("Name the advice you gave on locks.")
    page.get_by_role("button", name="Save the review").click()
    page.wait_for_url(re.compile(r"/qa/samples/\d+/$"))
    expect(page.locator("#progress")).to_have_text("1 of 2 graded")
    run_axe(page)
    assert Review.objects.filter(current=True).count() == 2

    # The dashboard has changed: two graded items, each measure over both teams.
    menu(page).get_by_role("link", name="QA dashboard").click()
    page.wait_for_url("**/qa/")
    run_axe(page)
    after = dashboard_table(page)
    assert {m: after[m][label] for m in MEASURES} == {
        "calls_assessed": "2",
        "vulnerability_pct": "50.0",
        "prevention_pct": "0.0",
        "preservation_pct": "0.0",  # Blue's not applicable is left out: Red's inadequate only
        "repeat_victim_check_pct": "50.0",
    }
    check_charts(page, "2")
    sign_out(page)

    # Analyst: filter to Blue Watch and the handler.
    login(page, analyst)
    run_axe(page)
    menu(page).get_by_role("link", name="QA dashboard").click()
    page.wait_for_url("**/qa/")
    run_axe(page)
    page.get_by_label("Team").select_option(label=handler.team.name)
    page.get_by_label("Handler").select_option(value=handler.username)
    page.get_by_role("button", name="Show figures").click()
    page.wait_for_url(re.compile(r"/qa/\?.*team="))
    run_axe(page)
    shown = dashboard_table(page)
    assert {m: shown[m][label] for m in MEASURES} == {
        "calls_assessed": "1",
        "vulnerability_pct": "100.0",
        "prevention_pct": "0.0",
        "preservation_pct": "",
        "repeat_victim_check_pct": "100.0",
    }
    check_charts(page, "1")
    months = list(shown["calls_assessed"])

    # The CSV: every month and measure as the page shows it.
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Download these figures as CSV").click()
    assert csv_download.value.suggested_filename.endswith(f"_{handler.username}.csv")
    with open(csv_download.value.path(), newline="", encoding="utf-8") as f:
        csv_rows = list(csv.DictReader(f))
    assert [row["month"] for row in csv_rows] == months
    for row in csv_rows:
        for measure in MEASURES:
            assert row[measure] == shown[measure][row["month"]], (row["month"], measure)

    # The XLSX: the same, as numbers.
    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Download as XLSX").click()
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(xlsx_download.value.path().read_bytes()))  # no .xlsx suffix
    sheet = book["QA monthly"]
    header, *lines = [list(line) for line in sheet.iter_rows(values_only=True)]
    assert header == [key for key, _ in COLUMNS]
    assert [line[0] for line in lines] == months
    for line in lines:
        values = dict(zip(header, line, strict=True))
        for measure in MEASURES:
            page_value = shown[measure][values["month"]]
            if page_value == "":
                assert values[measure] is None, (values["month"], measure)
            else:
                assert values[measure] == float(page_value), (values["month"], measure)
    filters = dict(book["Filters"].iter_rows(values_only=True))
    assert filters["team"] == handler.team.name
    assert filters["handler"] == handler.username
