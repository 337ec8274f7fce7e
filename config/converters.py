"""Path converters: a URL segment reaches a view only when it could be a real key.

An incident reference is ASCII letters, digits, `-` and `_` (281126-0042; the CAD's own
references are of the same alphabet), at most 40 characters. Anything else (a superscript
digit, a space, a NUL) is a 404 from the resolver, not a database look-up."""


class ReferenceConverter:
    regex = r"[A-Za-z0-9_-]{1,40}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class CadRefConverter:
    """A CAD's own reference (API.md "Command-and-control (CAD) integration"): letters,
    digits, `-`, `/` and `_`, at most 40 characters. The slash is part of the reference (a
    STORM log number such as 0042/30NOV), so the routes under it put `closure/` and `close/`
    before the bare reference (cad/api_urls.py). Anything else is a 404 from the resolver."""

    regex = r"[A-Za-z0-9_/-]{1,40}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
