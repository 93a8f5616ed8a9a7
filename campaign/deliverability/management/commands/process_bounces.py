"""`manage.py process_bounces`: read the bounce mailbox (a Maildir folder, and the IMAP
mailbox of DELIVERABILITY_IMAP_URL when set), record each message once, apply the
quarantine transitions and record the failures on their delivery logs."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from campaign.commands import EXIT_UNAVAILABLE, PlatformCommand, failed, usage_error

from ... import bounces
from ...conf import DeliverabilitySettings, imap_mailbox
from ...mailboxes import ImapSource, MailboxError, MaildirSource


class Command(PlatformCommand):
    help = (
        "Read the bounce mailbox (a Maildir folder; the IMAP mailbox of DELIVERABILITY_IMAP_URL when set), "
        "qualify each bounce, update the quarantine and the delivery logs. Each message is processed once, "
        "then filed in a sub-folder (Processed, Malformed, Unrecognised). Exit code: 0 done, 2 bad "
        "arguments, 4 mailbox or database unavailable."
    )

    def add_command_arguments(self, parser):
        parser.add_argument(
            "--maildir",
            help="Maildir folder to read (default: the setting 'Bounce mailbox (Maildir folder)')",
        )
        parser.add_argument("--no-imap", action="store_true", help="do not read the IMAP mailbox")
        parser.add_argument("--limit", type=int, default=None, help="at most this many messages per mailbox")

    def sources(self, maildir, no_imap):
        found = []
        if maildir:
            folder = Path(maildir)
            if not folder.exists():
                raise usage_error(f"{folder} does not exist")
            try:
                found.append(MaildirSource(folder))
            except MailboxError as exc:
                raise usage_error(str(exc)) from None
        if not no_imap:
            try:
                account = imap_mailbox()
            except ImproperlyConfigured as exc:
                raise usage_error(str(exc)) from None
            if account is not None:
                try:
                    found.append(ImapSource(account))
                except MailboxError as exc:
                    raise failed(str(exc), EXIT_UNAVAILABLE) from None
        return found

    def run(self, *, maildir=None, no_imap=False, limit=None, **options):
        if limit is not None and limit < 1:
            raise usage_error("--limit must be 1 or more")
        settings = DeliverabilitySettings.load()
        sources = self.sources(maildir or settings.bounce_maildir, no_imap)
        if not sources:
            raise usage_error(
                "no bounce mailbox: give --maildir, set 'Bounce mailbox (Maildir folder)' on the Settings "
                "screen, or set DELIVERABILITY_IMAP_URL"
            )
        runs, lines = [], []
        try:
            for source in sources:
                try:
                    run = bounces.process(source, timezone.now(), settings.policy, limit)
                except LookupError as exc:
                    raise failed(str(exc)) from None
                except MailboxError as exc:
                    raise failed(str(exc), EXIT_UNAVAILABLE) from None
                runs.append(run.as_dict())
                figures = run.as_dict()
                lines.append(
                    f"{source.label}: {figures['messages']} messages ({figures['bounce']} bounces, "
                    f"{figures['complaint']} complaints, {figures['auto_reply']} auto-replies, "
                    f"{figures['delivery_notice']} delivery notices, {figures['unrecognised']} not bounces, "
                    f"{figures['malformed']} malformed, {figures['duplicates']} already processed); "
                    f"{figures['quarantined']} bounced addresses now in quarantine; "
                    f"{figures['logs_failed']} delivery logs "
                    f"marked failed ({figures['logs_matched_by_platform']} by header or return path, "
                    f"{figures['logs_matched_by_address']} by address), {figures['bounces_without_log']} "
                    "bounces without a delivery log"
                )
        finally:
            for source in sources:
                source.close()
        return {"mailboxes": runs}, lines
