"""The one exception a domain rule raises when it blocks an action.

Services raise it; the browser turns it into a message, the API into 409
{"code", "detail"} (config.api.exception_handler)."""


class Blocked(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
