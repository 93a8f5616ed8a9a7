"""Downloading the ruleset over HTTPS with the standard library (urllib, an SSLContext):
certificate and host name verified, a timeout on the connection and on the whole
download, a size limit, and a conditional request (If-None-Match with the ETag,
If-Modified-Since with the Last-Modified of the ruleset in force) so that an unchanged
ruleset costs a 304.

Every failure (a URL that is not HTTPS, an unreachable host, a TLS failure, an HTTP
error, a download too large or too slow) raises FeedError with one readable line;
the caller then leaves the rules in force as they are.
"""

from __future__ import annotations

import socket
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

USER_AGENT = "campaign-deliverability/1"
CHUNK = 64 * 1024


class FeedError(Exception):
    """The ruleset could not be downloaded; the message is one readable line."""


@dataclass(frozen=True)
class Download:
    """`body` is None when the server answered 304 Not Modified."""

    url: str
    body: bytes | None
    etag: str = ""
    last_modified: str = ""

    @property
    def not_modified(self) -> bool:
        return self.body is None


class _HttpsOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to another HTTPS URL (never downgrades to HTTP)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme != "https":
            raise FeedError(f"the server redirected to {newurl}, which is not HTTPS")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def check_url(url: str) -> str:
    """The host of an HTTPS URL, or FeedError."""
    parts = urlsplit(url or "")
    if parts.scheme != "https":
        raise FeedError(f"the ruleset URL must use HTTPS, not {url!r}" if url else "no ruleset URL is set")
    if not parts.hostname:
        raise FeedError(f"the ruleset URL {url!r} has no host")
    return parts.hostname


def _reason(exc: BaseException, host: str, timeout: float) -> str:
    """One line for a failure to reach or talk to the server."""
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"TLS failure with {host}: certificate not accepted ({reason.verify_message or reason.reason})"
    if isinstance(reason, ssl.SSLError):
        return f"TLS failure with {host}: {reason.reason or reason}"
    if isinstance(reason, TimeoutError | socket.timeout):
        return f"{host} did not answer within {timeout:g} s"
    if isinstance(reason, socket.gaierror):
        return f"host {host} not found ({reason.strerror or reason})"
    if isinstance(reason, ConnectionRefusedError):
        return f"{host} refused the connection"
    if isinstance(reason, OSError):
        return f"{host} unreachable: {reason.strerror or reason}"
    return f"{host} unreachable: {reason}"


def download(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    timeout: float = 30,
    max_bytes: int = 5 * 1024 * 1024,
    context: ssl.SSLContext | None = None,
) -> Download:
    """GET the ruleset at `url` (conditionally when `etag` or `last_modified` is known)."""
    host = check_url(url)
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=context or ssl.create_default_context()), _HttpsOnlyRedirects()
    )
    deadline = time.monotonic() + timeout
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=timeout) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FeedError(f"the ruleset is {int(declared):,} bytes, above the limit of {max_bytes:,}")
            chunks, size = [], 0
            while chunk := response.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise FeedError(f"the ruleset is larger than the limit of {max_bytes:,} bytes")
                if time.monotonic() > deadline:
                    raise FeedError(f"the download from {host} took longer than {timeout:g} s")
                chunks.append(chunk)
            return Download(
                url,
                b"".join(chunks),
                etag=response.headers.get("ETag", ""),
                last_modified=response.headers.get("Last-Modified", ""),
            )
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return Download(url, None, etag=etag, last_modified=last_modified)
        raise FeedError(f"HTTP {exc.code} {exc.reason} from {host}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise FeedError(_reason(exc, host, timeout)) from None
