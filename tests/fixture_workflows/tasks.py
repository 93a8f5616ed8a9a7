"""Test workflows, declared like the real ones. Their default schedule (1 January,
03:00) never fires during a test run unless a test edits it."""

from workflows.api import Module, technical_workflow

from . import barrier

NEVER_DURING_TESTS = "0 3 1 1 *"


@technical_workflow(
    name="testBarrier",
    label="Test barrier",
    module=Module.PLATFORM,
    crontab=NEVER_DURING_TESTS,
    description="Stays running until the file named by TEST_BARRIER_FILE exists.",
    time_limit=300,
)
def barrier_workflow(ctx):
    return barrier.wait(ctx)


@technical_workflow(
    name="testSleep",
    label="Test sleep",
    module=Module.PLATFORM,
    crontab=NEVER_DURING_TESTS,
    description="Sleeps TEST_SLEEP_SECONDS (default 1) on the long queue.",
    queue="long",
    time_limit=300,
)
def sleep_workflow(ctx):
    return barrier.sleep(ctx)


@technical_workflow(
    name="testFlaky",
    label="Test flaky",
    module=Module.PLATFORM,
    crontab=NEVER_DURING_TESTS,
    description="Fails its first attempt with a retryable error, then succeeds.",
    time_limit=60,
    max_retries=2,
    retry_on=(ConnectionError,),
    retry_backoff=1,
)
def flaky_workflow(ctx):
    if ctx.run.attempt == 1:
        raise ConnectionError("the remote end is not there yet")
    return {"attempt": ctx.run.attempt}
