"""Small pieces every app's pages share, so no page imports another app's private helper."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from config.params import whole_number


def errors_list(errors: dict[str, list[str]], anchors: dict[str, str]) -> list[dict[str, str]]:
    """A form's errors as the GOV.UK error summary lists them: each message with the id of
    the field it links to (`anchors`, by field name; the name itself when not given)."""
    return [
        {"anchor": anchors.get(field, field), "message": message}
        for field, messages_ in errors.items()
        for message in messages_
    ]


def errors_shown_once(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """A message that names several fields (for the API), shown once on a page: at the first
    of them ("Give a phone, a date of birth or an address")."""
    seen: set[str] = set()
    shown: dict[str, list[str]] = {}
    for field, messages_ in errors.items():
        fresh = [m for m in messages_ if m not in seen]
        seen.update(messages_)
        if fresh:
            shown[field] = fresh
    return shown


def posted_row_version(request: HttpRequest) -> int | None:
    """The incident row version the form was drawn from (optimistic locking), None if absent."""
    return whole_number(request.POST.get("row_version", ""), minimum=0)


def redirect_after_post(request: HttpRequest, target: str) -> HttpResponse:
    """Where a successful form post goes next: a redirect for a full page, and for htmx an
    empty answer whose HX-Redirect makes the browser load `target` as a whole page."""
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)
