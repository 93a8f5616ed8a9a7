"""No N+1 on list pages: a page with 1 row and with 300 rows runs the same queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_of(client, url):
    """The queries one GET of `url` runs (after a first GET that warms the session,
    permission and content-type caches)."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def assert_no_n_plus_one(client, url, add_rows):
    """`add_rows(count)` adds rows the page lists; the page with 1 and with 300 rows runs
    as many queries."""
    add_rows(1)
    with_one = queries_of(client, url)
    add_rows(299)
    with_many = queries_of(client, url)
    assert len(with_many) == len(with_one), (
        f"{url}: {len(with_one)} queries with 1 row, {len(with_many)} with 300:\n" + "\n".join(with_many)
    )
