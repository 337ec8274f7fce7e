"""The peak's recorder (bench/peak_browser.py): once the driver stops waiting for the calls,
what a call still under way meets (the servers being stopped) is not counted as the service's
errors, only how many such requests there were."""

from bench.peak_browser import Recorder, Sample


def sample(error: str = "") -> Sample:
    return Sample("assessment_autosave", 8771, "handler001", 1.0, 1.0, 1.1, 0 if error else 200, error)


def test_samples_after_the_driver_stops_waiting_are_counted_apart():
    recorder = Recorder()
    recorder.add(sample())
    recorder.add(sample("ConnectionError(refused)"))
    recorder.close()
    recorder.add(sample("ConnectionError(refused)"))
    recorder.add(sample())
    assert [s.error for s in recorder.samples] == ["", "ConnectionError(refused)"]
    assert recorder.after_close == 2


def test_the_report_counts_errors_by_kind_not_by_quoting_them():
    from bench.peak_report import error_kinds

    refused = (
        "ConnectionError(MaxRetryError(\"HTTPConnectionPool(host='127.0.0.1', port=8771): Max retries exceeded "
        "with url: /x/ (Caused by NewConnectionError(... [Errno 111] Connection refused\"))'))"
    )
    errors = [
        sample(refused),
        sample(refused),
        sample('ReadTimeout(ReadTimeoutError("HTTPConnectionPool(...): Read timed out. (read timeout=120)"))'),
        Sample("assessment_submit", 8771, "handler001", 1.0, 1.0, 1.1, 500, "500"),
        sample("sent to sign in: the session was not recognised"),
    ]
    assert error_kinds(errors) == {
        "connection refused": 2,
        "timed out": 1,
        "HTTP 500": 1,
        "sent to sign in": 1,
    }


def test_the_verdict_names_each_page_s_errors_by_kind_in_one_line():
    from bench.peak_browser import HANDLER_PAGES, OTHER_PAGES
    from bench.verdict import peak_targets

    pages = {p: {"server": {"p95": 50.0}, "errors": 0, "error_kinds": {}} for p in (*HANDLER_PAGES, *OTHER_PAGES)}
    pages["assessment_autosave"].update(errors=3, error_kinds={"connection refused": 2, "timed out": 1})
    peak = {
        "options": {"rate": 7700, "seconds": 600, "servers": 2, "workers": 3},
        "pages": pages,
        "load_at_start": "1 1 1",
        "load_after_driving": "2 2 2",
        "requests_per_second": 27.0,
        "requests": 1000,
        "errors": 3,
        "handler_pages_over_100ms": [],
        "texts": {"max_in_any_60s": 3000, "limit_per_minute": 3000, "sent_twice": 0, "gateway_calls": 10},
        "sessions": {"sent_to_sign_in": 0, "answered_on_every_server": 5, "accounts": 5},
    }
    results: dict = {}
    peak_targets(results, peak, incidents=7_500_000)
    target = results["targets"]["peak_open_loop"]
    assert target["verdict"] == "MISSED"
    assert target["why"] == (
        "3 errors: assessment_autosave 3 (connection refused 2, timed out 1) (examples in benchmarks.json)"
    )
