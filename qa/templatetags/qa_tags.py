from django import template

from qa.rules import MonthlyFigures, monthly_table

register = template.Library()


@register.filter
def qa_table(rows: list[MonthlyFigures]) -> list[dict[str, object]]:
    return monthly_table(rows)
