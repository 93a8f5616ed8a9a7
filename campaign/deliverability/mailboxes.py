"""The bounce mailbox: a Maildir folder (the standard library's `mailbox`) or an IMAP
mailbox (`imaplib`), read one message at a time. A message read is then filed in a
sub-folder: "Processed" (bounces, complaints, auto-replies, notices), "Malformed", or
"Unrecognised" (not a bounce: for an operator to look at), so the folder itself holds
only what is still to process.

Filing comes after the message's rows are committed; if the process dies in between,
the next run finds the message again, sees its key already recorded, and only files it.
"""

from __future__ import annotations

import imaplib
import mailbox
import ssl
from collections.abc import Iterator
from pathlib import Path

from .conf import ImapMailbox

PROCESSED = "Processed"
MALFORMED = "Malformed"
UNRECOGNISED = "Unrecognised"
FOLDERS = (PROCESSED, MALFORMED, UNRECOGNISED)


class MailboxError(Exception):
    """The mailbox cannot be read; the message is one readable line."""


class MaildirSource:
    """A Maildir folder (new/ and cur/); the sub-folders are Maildir++ folders
    (.Processed, .Malformed, .Unrecognised)."""

    def __init__(self, path: str | Path):
        folder = Path(path)
        if not (folder / "new").is_dir() or not (folder / "cur").is_dir():
            raise MailboxError(f"{folder} is not a Maildir folder (it needs new/ and cur/)")
        self.label = f"maildir:{folder}"
        self.maildir = mailbox.Maildir(folder, factory=None, create=False)
        self.folders: dict[str, mailbox.Maildir] = {}

    def messages(self, limit: int | None = None) -> Iterator[tuple[str, bytes]]:
        for count, key in enumerate(sorted(self.maildir.iterkeys())):
            if limit is not None and count >= limit:
                return
            try:
                raw = self.maildir.get_bytes(key)
            except (KeyError, OSError):  # taken by another process meanwhile
                continue
            yield key, raw

    def _folder(self, name: str) -> mailbox.Maildir:
        if name not in self.folders:
            try:
                self.folders[name] = self.maildir.get_folder(name)
            except mailbox.NoSuchMailboxError:
                self.folders[name] = self.maildir.add_folder(name)
        return self.folders[name]

    def file(self, key: str, folder: str) -> None:
        try:
            raw = self.maildir.get_bytes(key)
        except KeyError:  # already filed by another process
            return
        self._folder(folder).add(raw)
        self.maildir.discard(key)

    def close(self) -> None:
        self.maildir.close()


class ImapSource:
    """An IMAP mailbox folder; messages are moved to sibling folders once read."""

    def __init__(self, account: ImapMailbox, timeout: int = 60):
        self.label = account.label
        self.folder = account.folder
        try:
            if account.tls:
                self.client = imaplib.IMAP4_SSL(
                    account.host, account.port, ssl_context=ssl.create_default_context(), timeout=timeout
                )
            else:
                self.client = imaplib.IMAP4(account.host, account.port, timeout=timeout)
            self.client.login(account.user, account.password)
            status, _data = self.client.select(self._quote(account.folder))
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxError(f"IMAP {account.host}:{account.port}: {exc}") from None
        if status != "OK":
            raise MailboxError(f"IMAP {account.host}:{account.port}: no folder {account.folder!r}")
        self.has_move = "MOVE" in self.client.capabilities
        self.created: set[str] = set()

    @staticmethod
    def _quote(name: str) -> str:
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def _target(self, folder: str) -> str:
        return folder if self.folder.upper() == "INBOX" else f"{self.folder}.{folder}"

    def messages(self, limit: int | None = None) -> Iterator[tuple[str, bytes]]:
        status, data = self.client.uid("SEARCH", None, "NOT", "DELETED")
        if status != "OK":
            raise MailboxError(f"IMAP search failed: {data!r}")
        uids = data[0].split() if data and data[0] else []
        for count, uid in enumerate(uids):
            if limit is not None and count >= limit:
                return
            status, parts = self.client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((part[1] for part in parts or [] if isinstance(part, tuple)), None)
            if status == "OK" and raw is not None:
                yield uid.decode(), raw

    def file(self, uid: str, folder: str) -> None:
        target = self._quote(self._target(folder))
        if folder not in self.created:
            self.client.create(target)  # "already exists" is fine
            self.created.add(folder)
        if self.has_move:
            status, data = self.client.uid("MOVE", uid, target)
        else:
            status, data = self.client.uid("COPY", uid, target)
            if status == "OK":
                self.client.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")
                self.client.expunge()
        if status != "OK":
            raise MailboxError(f"IMAP: cannot move message {uid} to {folder}: {data!r}")

    def close(self) -> None:
        try:
            self.client.logout()
        except (OSError, imaplib.IMAP4.error):
            pass
