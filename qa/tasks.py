"""Background work for the QA figures: the monthly summary's sweep (qa.summary_build)."""

from celery import shared_task

from qa.summary_build import summaries_refresh


@shared_task(name="qa.tasks.summary_sweep")
def summary_sweep() -> int:
    """Every minute (beat): build the settled months changed since they were built (a late
    return, a reopen, a text's receipt...) and those never built, at most a year a run.
    Until then each is counted live, so no reader waits for this."""
    return summaries_refresh()
