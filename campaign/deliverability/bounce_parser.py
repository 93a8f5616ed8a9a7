"""Reading one message of the bounce mailbox with the standard library's email package:
what it is (bounce, spam complaint, auto-reply, delivery notice, not a bounce,
malformed), and for a bounce, each failed recipient with its status code and the
diagnostic text to qualify.

Formats read:
- delivery status notifications (RFC 3464: multipart/report, message/delivery-status
  with per-recipient Action, Status, Diagnostic-Code), wherever the part sits;
- spam complaints (RFC 5965, ARF: message/feedback-report);
- Amazon SES notifications (a JSON body: Bounce, Complaint, Delivery);
- the common non-standard bounces (qmail, Exim, old Sendmail, Lotus Notes, Exchange,
  Japanese carriers…): the human-readable text before the returned message, split by
  recipient address;
- auto-replies (RFC 3834 Auto-Submitted: auto-replied, X-Autoreply, Precedence,
  common subjects) and delivery notices (Action: delivered, relayed, expanded).

`parse(raw)` never raises: a message it cannot read comes back as MALFORMED with the
reason. The delivery log the platform's sending path named is found in the returned
message's X-Campaign-Log-Id header, or in the return path the bounce was sent to
(`<anything>+<log id>@<domain>`, VERP).
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message

from .choices import MessageKind

LOG_HEADER = "X-Campaign-Log-Id"
MAX_DIAGNOSTIC = 1500

ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
LOG_ID_IN_TEXT = re.compile(rf"^{LOG_HEADER}:\s*(\d+)\s*$", re.IGNORECASE | re.MULTILINE)
VERP = re.compile(r"^[^@+\s]+\+(\d{1,18})@", re.IGNORECASE)
DAEMONS = re.compile(
    r"^(mailer-daemon|mail-daemon|mailerdaemon|post_?master|mail\.?delivery|bounces?)@", re.I
)
BOUNCE_FROM_NAMES = re.compile(
    r"mail delivery (sub)?system|mailer-daemon|postmaster|mail administrator", re.I
)
BOUNCE_SUBJECTS = re.compile(
    r"undeliver|undelivered|delivery (status )?notification|delivery fail|failure notice|returned mail|"
    r"mail delivery|non[- ]?deliver|nondeliverable|delivery report|could not (be )?deliver|"
    r"returned to sender|rejected|not delivered|delivery problem|mail system error|"
    r"warning: could not send|error sending|unzustellbar|non remis|impossible de remettre|"
    r"不達|エラー|配信",
    re.I,
)
AUTO_REPLY_SUBJECTS = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response|respond|antwort)|auto:|out of (the )?office|"
    r"absence|away from|on vacation|vacation|réponse automatique|abwesenheit|automatische antwort|"
    r"risposta automatica|respuesta automática|不在)",
    re.I,
)
# Where the returned message starts in a bounce's text (the diagnostic is above).
ORIGINAL_MARKERS = re.compile(
    r"^.*(below this line is a copy of the message|unsent message follows|original message follows|"
    r"returned message|this is a copy of the message|original message header|"
    r"message headers? follows?|-+ ?original message ?-+|the original message was received|"
    r"rfc822 (headers|message)|included is a copy of|your message reads|"
    r"^received: |^return-path: |^message-id: ).*$",
    re.I | re.M,
)


@dataclass
class Failure:
    """One recipient of a bounce: its address, the DSN action and status, and the text
    to qualify."""

    recipient: str
    diagnostic: str
    status: str = ""
    action: str = ""


@dataclass
class ParsedMessage:
    kind: str
    key: str
    subject: str = ""
    failures: list[Failure] = field(default_factory=list)
    log_id: int | None = None
    return_path_log_id: int | None = None
    note: str = ""


def message_key(raw: bytes, message: Message | None) -> str:
    """sha256 of the Message-ID (so that a copy of a message is the same message), else
    of the raw bytes."""
    message_id = (message.get("Message-ID", "") if message is not None else "").strip()
    return hashlib.sha256(message_id.encode() if message_id else raw).hexdigest()


def header(message: Message, name: str) -> str:
    value = message.get(name)
    if value is None:
        return ""
    try:
        return " ".join(str(make_header(decode_header(str(value)))).split())
    except (UnicodeError, LookupError, ValueError, email.errors.HeaderParseError):
        return " ".join(str(value).split())


def part_text(part: Message) -> str:
    """A text part's content, decoded (transfer encoding and charset), never raising."""
    try:
        payload = part.get_payload(decode=True)
    except (ValueError, TypeError, AssertionError):
        payload = None
    if payload is None:
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    charset = part.get_content_charset() or "us-ascii"
    for candidate in (charset, "utf-8", "latin-1"):
        try:
            return payload.decode(candidate, errors="replace" if candidate == "latin-1" else "strict")
        except (LookupError, UnicodeDecodeError):
            continue
    return ""


def _strip_html(text: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"(?is)<(style|script)[^>]*>.*?</\1>", " ", text))


def readable_text(message: Message) -> str:
    """The human-readable text of a message, without the returned original message:
    its text parts outside any message/* part (HTML only when there is no plain text)."""
    plain, html = [], []

    def visit(part: Message) -> None:
        content_type = part.get_content_type()
        if content_type.startswith("message/") or content_type in ("text/rfc822-headers",):
            return
        if part.is_multipart():
            for child in part.get_payload():
                visit(child)
            return
        if part.get_content_maintype() == "multipart":  # broken MIME (no usable boundary): its raw text
            plain.append(part_text(part))
            return
        if (
            content_type == "text/plain"
            or part.get_content_maintype() == "text"
            and content_type != "text/html"
        ):
            plain.append(part_text(part))
        elif content_type == "text/html":
            html.append(_strip_html(part_text(part)))

    visit(message)
    return "\n".join(plain) if any(text.strip() for text in plain) else "\n".join(html)


def returned_headers(message: Message) -> str:
    """The headers of the returned original message, as text (message/rfc822,
    text/rfc822-headers), or ""."""
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type in ("message/rfc822", "message/rfc822-headers", "text/rfc822-headers"):
            payload = part.get_payload()
            if isinstance(payload, list) and payload:
                inner = payload[0]
                return "\n".join(f"{name}: {value}" for name, value in inner.items())
            if isinstance(payload, str):
                return payload
            return part_text(part)
    return ""


def _log_id(text: str) -> int | None:
    found = LOG_ID_IN_TEXT.search(text)
    return int(found.group(1)) if found else None


def _return_path_log_id(message: Message) -> int | None:
    for name in ("Delivered-To", "X-Original-To", "Envelope-To", "To"):
        for value in message.get_all(name, []):
            for address in ADDRESS.findall(str(value)):
                found = VERP.match(address)
                if found:
                    return int(found.group(1))
    return None


def _address(value: str) -> str:
    found = ADDRESS.search(value or "")
    return found.group(0).strip(".") if found else ""


# --- Delivery status notifications (RFC 3464) ------------------------------------------


def _status_blocks(message: Message) -> list[Message]:
    blocks: list[Message] = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        if isinstance(payload, list):
            blocks.extend(item for item in payload if isinstance(item, Message))
        else:  # not parsed into blocks (an odd encoding): parse its text
            text = part_text(part)
            for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
                if chunk.strip():
                    blocks.append(email.message_from_string(chunk.strip() + "\n\n"))
    return blocks


# Actions that say the message went through (RFC 3464 §2.3.3; "deliverable" from
# address verification); any other action ("failed", "delayed", "expired"…) is a failure.
NOT_FAILED = ("delivered", "relayed", "expanded", "deliverable")
DSN_FIELD_BLOCK = re.compile(
    r"^(?:final|original)-recipient:.*?(?=^[ \t]*$|^--|\Z)", re.IGNORECASE | re.MULTILINE | re.DOTALL
)


def _status_blocks_in_text(message: Message) -> list[Message]:
    """Per-recipient DSN fields found in the raw text of a message whose MIME structure
    is broken (a report without a boundary parameter, a mismatched boundary…)."""
    try:
        text = message.as_string()
    except (UnicodeError, LookupError, ValueError, TypeError, KeyError):
        return []
    body = text.split("\n\n", 1)[-1].replace("\r\n", "\n")
    return [
        email.message_from_string(found.group(0).strip() + "\n\n") for found in DSN_FIELD_BLOCK.finditer(body)
    ]


def _diagnostic_code(block: Message) -> str:
    text = header(block, "Diagnostic-Code")
    kind, sep, rest = text.partition(";")
    return rest.strip() if sep and len(kind) < 20 and " " not in kind.strip() else text


def _dsn_failures(message: Message, text: str) -> tuple[list[Failure], list[str]]:
    """(failures, the actions of every recipient) from the message/delivery-status part."""
    failures, actions = [], []
    blocks = _status_blocks(message) or _status_blocks_in_text(message)
    for block in blocks:
        recipient = _address(header(block, "Final-Recipient") or header(block, "Original-Recipient"))
        action = header(block, "Action").lower().split(" ")[0]
        if not recipient and not action:
            continue  # the per-message block
        actions.append(action)
        if action not in NOT_FAILED:
            status = header(block, "Status").split(" ")[0]
            diagnostic = _diagnostic_code(block)
            if not diagnostic:
                diagnostic = _text_for(recipient, text) or text
            failures.append(Failure(recipient, f"{status} {diagnostic}".strip(), status, action or "failed"))
    return failures, actions


# --- Amazon SES notifications -----------------------------------------------------------


def _json_document(text: str) -> dict | None:
    """The JSON object a notification's body starts with, or None."""
    start = text.find("{")
    if start < 0 or text[:start].strip():
        return None
    # Mail gateways fold long lines: the JSON then has a line break and a space inside.
    for candidate in (text[start:], re.sub(r"\r?\n ?", "", text[start:])):
        try:
            document, _end = json.JSONDecoder().raw_decode(candidate)
        except ValueError:
            continue
        return document if isinstance(document, dict) else None
    return None


def _ses(text: str) -> ParsedMessage | None:
    document = _json_document(text)
    if document is None:
        return None
    if document.get("Type") == "Notification" and isinstance(document.get("Message"), str):
        try:  # an SNS envelope around the SES notification
            document = json.loads(document["Message"])
        except ValueError:
            return None
        if not isinstance(document, dict):
            return None
    kind = document.get("notificationType") or document.get("eventType")
    if kind == "Bounce":
        bounce = document.get("bounce", {})
        failures = []
        for item in bounce.get("bouncedRecipients", []):
            diagnostic = item.get("diagnosticCode") or " ".join(
                filter(None, [bounce.get("bounceType"), bounce.get("bounceSubType")])
            )
            status = item.get("status", "")
            failures.append(
                Failure(item.get("emailAddress", ""), f"{status} {diagnostic}".strip(), status, "failed")
            )
        return ParsedMessage(MessageKind.BOUNCE, "", failures=failures)
    if kind == "Complaint":
        recipients = document.get("complaint", {}).get("complainedRecipients", [])
        failures = [Failure(item.get("emailAddress", ""), "spam complaint") for item in recipients]
        return ParsedMessage(MessageKind.COMPLAINT, "", failures=failures)
    if kind == "Delivery":
        return ParsedMessage(MessageKind.DELIVERY_NOTICE, "")
    return None


# --- Spam complaints (ARF) --------------------------------------------------------------


def _complaint(message: Message) -> ParsedMessage | None:
    is_report = message.get_content_type() == "multipart/report" and (
        (message.get_param("report-type") or "").lower() == "feedback-report"
    )
    report = next((p for p in message.walk() if p.get_content_type() == "message/feedback-report"), None)
    if not is_report and report is None:
        return None
    recipient = ""
    if report is not None:
        payload = report.get_payload()
        fields = payload[0] if isinstance(payload, list) and payload else None
        text = "\n".join(f"{k}: {v}" for k, v in fields.items()) if fields is not None else part_text(report)
        found = re.search(r"^(original-rcpt-to|removal-recipient):\s*(.+)$", text, re.I | re.M)
        recipient = _address(found.group(2)) if found else ""
    if not recipient:
        recipient = _address(header_of_returned(message, "To"))
    return ParsedMessage(
        MessageKind.COMPLAINT, "", failures=[Failure(recipient, "spam complaint (feedback report)")]
    )


def header_of_returned(message: Message, name: str) -> str:
    found = re.search(rf"^{name}:\s*(.+)$", returned_headers(message), re.I | re.M)
    return found.group(1) if found else ""


# --- Non-standard bounces ---------------------------------------------------------------


def _diagnostic_region(text: str) -> str:
    """The bounce's own text: what comes before the returned message."""
    text = text.replace("\r\n", "\n")
    marker = ORIGINAL_MARKERS.search(text)
    return text[: marker.start()] if marker and marker.start() > 0 else text


def _text_for(recipient: str, text: str) -> str:
    """The part of a bounce's text about one recipient."""
    region = _diagnostic_region(text)
    return " ".join(region.split())[:MAX_DIAGNOSTIC] if recipient.lower() in region.lower() else ""


def _own_addresses(message: Message) -> set[str]:
    own = set()
    for name in ("From", "To", "Delivered-To", "X-Original-To", "Return-Path", "Sender", "Reply-To"):
        own.update(address.lower() for address in ADDRESS.findall(header(message, name)))
    return own


SENDER_LINE = re.compile(r"^\W*(from|sender|reply-to|mail from|return-path|envelope-from)\b", re.I)


def _candidates(region: str, own: set[str]) -> dict[str, int]:
    """Recipient addresses named in a bounce's text, with where each first appears
    (not the bounce's own addresses, mailer daemons, or senders named on a From line)."""
    positions: dict[str, int] = {}
    for found in ADDRESS.finditer(region):
        lowered = found.group(0).strip(".").lower()
        if lowered in own or DAEMONS.match(lowered) or lowered in positions:
            continue
        line = region[region.rfind("\n", 0, found.start()) + 1 : found.start()]
        if SENDER_LINE.match(line):
            continue
        positions[lowered] = found.start()
    return positions


def _nonstandard_failures(message: Message, text: str) -> list[Failure]:
    region = _diagnostic_region(text)
    own = _own_addresses(message)
    positions = _candidates(region, own)
    if not positions:  # the bounce went to the address that bounced (a test, a loop)
        positions = _candidates(region, own - {a.lower() for a in ADDRESS.findall(header(message, "To"))})
    if not positions:
        recipient = _address(header_of_returned(message, "To"))
        if not recipient or recipient.lower() in own:
            return []
        positions = {recipient.lower(): 0}
    ordered = sorted(positions.items(), key=lambda item: item[1])
    # What precedes the first recipient is said of them all ("Error: invalid user").
    preamble = region[: region.rfind("\n", 0, ordered[0][1]) + 1]
    failures = []
    for index, (address, start) in enumerate(ordered):
        if len(ordered) == 1:
            piece = region
        else:
            begin = region.rfind("\n", 0, start) + 1
            end = ordered[index + 1][1] if index + 1 < len(ordered) else len(region)
            end = region.rfind("\n", begin, end) if region.rfind("\n", begin, end) > begin else end
            piece = f"{region[begin:end]}\n{preamble}"
        diagnostic = " ".join(piece.split())[:MAX_DIAGNOSTIC]
        failures.append(Failure(address, diagnostic))
    return failures


def _looks_like_bounce(message: Message) -> bool:
    sender = header(message, "From")
    if DAEMONS.match(_address(sender).lower()) or BOUNCE_FROM_NAMES.search(sender):
        return True
    if BOUNCE_SUBJECTS.search(header(message, "Subject")):
        return True
    return header(message, "Return-Path").strip() in ("<>", "") and bool(returned_headers(message))


def _is_auto_reply(message: Message) -> bool:
    auto = header(message, "Auto-Submitted").lower()
    if auto.startswith("auto-replied"):
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond") or message.get("X-Autoresponder"):
        return True
    if header(message, "Precedence").lower() == "auto_reply":
        return True
    return bool(AUTO_REPLY_SUBJECTS.search(header(message, "Subject")))


# --- The entry point ------------------------------------------------------------------------


def parse(raw: bytes) -> ParsedMessage:
    """What one raw message is; never raises (MALFORMED with the reason instead)."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception as exc:  # the parser is lenient; anything it still raises is malformed
        return ParsedMessage(MessageKind.MALFORMED, message_key(raw, None), note=f"unreadable: {exc}"[:200])
    key = message_key(raw, message)
    try:
        return _classify(message, key)
    except Exception as exc:  # a message must never stop the run
        return ParsedMessage(MessageKind.MALFORMED, key, note=f"{type(exc).__name__}: {exc}"[:200])


def _classify(message: Message, key: str) -> ParsedMessage:
    if not message.keys():
        return ParsedMessage(MessageKind.MALFORMED, key, note="no header")
    if not message.get("From") and not message.get("Content-Type") and not message.get("Subject"):
        return ParsedMessage(MessageKind.MALFORMED, key, note="no From, Subject or Content-Type header")
    subject = header(message, "Subject")[:300]
    text = readable_text(message)
    original = returned_headers(message)
    hints = {"log_id": _log_id(original) or _log_id(text), "return_path_log_id": _return_path_log_id(message)}

    found = _complaint(message) or _ses(text)
    if found is None:
        failures, actions = _dsn_failures(message, text)
        if failures:
            found = ParsedMessage(MessageKind.BOUNCE, key, failures=failures)
        elif actions:  # every recipient delivered, relayed or expanded
            found = ParsedMessage(MessageKind.DELIVERY_NOTICE, key, note=", ".join(sorted(set(actions))))
    # Before auto-replies: Postfix marks its bounces "Auto-Submitted: auto-replied" too.
    if found is None and _looks_like_bounce(message):
        failures = _nonstandard_failures(message, text)
        if failures:
            found = ParsedMessage(MessageKind.BOUNCE, key, failures=failures)
    if found is None and _is_auto_reply(message):
        found = ParsedMessage(MessageKind.AUTO_REPLY, key)
    if found is None and _looks_like_bounce(message):
        found = ParsedMessage(MessageKind.UNRECOGNISED, key, note="a bounce without a recipient address")
    if found is None:
        found = ParsedMessage(MessageKind.UNRECOGNISED, key, note="not a bounce")
    found.key, found.subject = key, subject
    found.log_id, found.return_path_log_id = hints["log_id"], hints["return_path_log_id"]
    return found
