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
