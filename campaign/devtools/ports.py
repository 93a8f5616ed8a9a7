"""Local TCP ports for the servers that tests and benchmarks start (gunicorn, SMTP,
IMAP, the web server of `runall`)."""

import socket
import urllib.error
import urllib.request


def free_port():
    """A port nobody listens on right now (the kernel's pick)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listening(port):
    """Whether something accepts connections on the port (a server started yet)."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def answers(url):
    """Whether a web server answers the URL, whatever the status (a 503 too)."""
    try:
        urllib.request.urlopen(url, timeout=2).close()
    except urllib.error.HTTPError:
        return True
    except OSError:  # refused, reset, timed out: not serving yet
        return False
    return True
