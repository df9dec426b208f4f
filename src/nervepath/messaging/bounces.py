# SPDX-License-Identifier: AGPL-3.0-or-later
"""Bounces that arrive after the mail server accepted a message: delivery status
notifications (RFC 3464) mailed back to the envelope sender.

- Each e-mail goes out with its own envelope sender (SMTP MAIL FROM),
  ``BOUNCE_LOCAL_PART+<id>-<signature>@BOUNCE_DOMAIN`` (VERP), and a Message-ID that
  holds the same token (``<np-<id>-<signature>.<random>@domain>``). The signature is
  an HMAC of the outbox id keyed with SECRET_KEY, in lower-case hex (some mail systems
  lower-case addresses), so a report that names a message it was not sent for is
  recognised as forged and changes nothing.
- ``read_all`` takes the reports from where the clinic's mail system puts them: a Maildir
  (``BOUNCE_MAILDIR``, as Postfix or Dovecot deliver) and/or an IMAP folder
  (``BOUNCE_IMAP_*``). A report is read as RFC 3464 (multipart/report,
  report-type=delivery-status); one that is not (qmail, older Exchange) is read from its
  text: the original Message-ID in the returned headers and the status codes or words.
- ``Action: failed`` marks the message ``bounced``, with a sentence for its RFC 3463
  status as the reason; a 5.x.x status (permanent) also marks the address as bouncing
  (``address_bounce``). ``delayed`` (the server is still trying) and ``delivered``
  change nothing.
- A report read (whatever it said) is moved out of the way: to the ``.Processed``
  Maildir folder, or to ``BOUNCE_IMAP_DONE_FOLDER``. A report that cannot be read, or
  whose token is forged, stays where it was, flagged (Maildir "F", IMAP \\Flagged) for a
  person to look at, with a line in the log; flagged reports are not read again.
  Reading a report twice changes nothing (only a ``sent`` message becomes ``bounced``).
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import logging
import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import Message as MimeMessage
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from nervepath.messaging import signals
from nervepath.messaging.models import Channel, Message, MessageStatus

log = logging.getLogger(__name__)

_SALT = "nervepath.messaging.bounces"
_SIGNATURE_LENGTH = 20  # hex digits: 80 bits of the HMAC
_TOKEN = re.compile(r"(\d{1,12})-([0-9a-f]{" + str(_SIGNATURE_LENGTH) + "})", re.IGNORECASE)
# Bounces can arrive for days (a server gives up after about five days of retries): the
# worker keeps reading them for this long after the last e-mail went out.
READ_FOR = timedelta(days=7)
PROCESSED_FOLDER = "Processed"


def _conf(name: str) -> Any:
    return dict(settings.NERVEPATH).get(name)


# --- the token ---------------------------------------------------------------------------


def _signature(pk: int) -> str:
    return salted_hmac(_SALT, str(pk)).hexdigest()[:_SIGNATURE_LENGTH]


def token(pk: int) -> str:
    """``<id>-<signature>`` for outbox message ``pk``."""
    return f"{pk}-{_signature(pk)}"


def token_id(pk_text: str, signature: str) -> int | None:
    """The outbox id a token names, or None when its signature is wrong."""
    pk = int(pk_text)
    return pk if constant_time_compare(signature.lower(), _signature(pk)) else None


def envelope_sender(pk: int) -> str:
    """The SMTP MAIL FROM for message ``pk``; "" when no bounce domain is set."""
    domain = str(_conf("BOUNCE_DOMAIN") or "").strip()
    if not domain:
        return ""
    return f"{_conf('BOUNCE_LOCAL_PART') or 'bounces'}+{token(pk)}@{domain}"


def message_id_domain() -> str:
    return str(_conf("BOUNCE_DOMAIN") or "").strip() or "nervepath"


# --- reading one report ------------------------------------------------------------------

# Where a delivered report shows the address it was sent to (the envelope sender of the
# original): Postfix and Dovecot write Delivered-To / X-Original-To, Exim Envelope-To;
# the reporting server writes the same address as To.
_ADDRESS_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")
# An RFC 3463 code, not part of a longer dotted number (an IP address, a version).
_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?!\.?\d)")
_MESSAGE_ID_LINE = re.compile(r"^\s*Message-ID:\s*(<[^>\s]+>)", re.IGNORECASE | re.MULTILINE)
_ID_TOKEN = re.compile(r"<np-" + _TOKEN.pattern + r"\.[0-9a-f]+@", re.IGNORECASE)
_DELAY_WORDS = re.compile(
    r"\b(delayed|delay|not yet been delivered|will (?:continue to )?(?:retry|try)|"
    r"still trying|warning: message)\b",
    re.IGNORECASE,
)
_FAILURE_WORDS = re.compile(
    r"(could not be delivered|couldn't be delivered|undeliverable|undelivered mail|"
    r"delivery has failed|delivery failed|wasn't able to deliver|was not able to deliver|"
    r"permanent error|permanent fatal error|failure notice|returned mail|"
    r"mail delivery failed|delivery status notification \(failure\))",
    re.IGNORECASE,
)


@dataclass
class Report:
    """What one bounce says: ``action`` failed, delayed, delivered or "" (could not
    tell), the RFC 3463 ``status`` ("" when none), the outbox id its token names, and
    ``forged`` when a token is there but its signature is wrong."""

    action: str = ""
    status: str = ""
    message_id: int | None = None
    forged: bool = False
    standard: bool = False
    notes: list[str] = field(default_factory=list)


def _text(part: MimeMessage) -> str:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        charset = part.get_content_charset() or "utf-8"
        try:
            return payload.decode(charset, errors="replace")
        except LookupError:
            return payload.decode("utf-8", errors="replace")
    return payload if isinstance(payload, str) else ""


def _status_blocks(part: MimeMessage) -> list[MimeMessage]:
    """The field groups of a message/delivery-status part (one per message, then one
    per recipient)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        blocks = [p for p in payload if isinstance(p, MimeMessage)]
        if len(blocks) == len(payload):
            return blocks
    text = payload if isinstance(payload, str) else _text(part)
    return [email.message_from_string(block) for block in re.split(r"\r?\n\s*\r?\n", text)]


def _returned_headers(report: MimeMessage) -> list[MimeMessage]:
    found: list[MimeMessage] = []
    for part in report.walk():
        kind = part.get_content_type()
        if kind in ("message/rfc822", "message/global"):
            inner = part.get_payload()
            if isinstance(inner, list):
                found.extend(p for p in inner if isinstance(p, MimeMessage))
        elif kind in ("text/rfc822-headers", "text/global-headers"):
            found.append(email.message_from_string(_text(part)))
    return found


def _verp(report: MimeMessage, result: Report) -> None:
    local = re.escape(str(_conf("BOUNCE_LOCAL_PART") or "bounces"))
    pattern = re.compile(local + r"\+" + _TOKEN.pattern + r"@", re.IGNORECASE)
    for name in _ADDRESS_HEADERS:
        for value in report.get_all(name) or []:
            match = pattern.search(str(value))
            if match:
                _take(match.group(1), match.group(2), result, "address")
                return


def _take(pk_text: str, signature: str, result: Report, where: str) -> None:
    pk = token_id(pk_text, signature)
    if pk is None:
        result.forged = True
        result.notes.append(f"the {where} token's signature is wrong")
    elif result.message_id is None:
        result.message_id = pk


def _from_message_id(texts: list[str], result: Report) -> None:
    for text in texts:
        for found in _MESSAGE_ID_LINE.findall(text):
            match = _ID_TOKEN.search(found)
            if match:
                _take(match.group(1), match.group(2), result, "Message-ID")
                return


def _standard(report: MimeMessage, result: Report) -> bool:
    if report.get_content_type() != "multipart/report":
        return False
    if str(report.get_param("report-type") or "").lower() not in (
        "delivery-status",
        "global-delivery-status",
    ):
        return False
    actions: list[tuple[str, str]] = []
    for part in report.walk():
        if part.get_content_type() in ("message/delivery-status", "message/global-delivery-status"):
            for block in _status_blocks(part):
                action = str(block.get("Action", "")).strip().lower()
                if action:
                    match = _STATUS.search(str(block.get("Status", "")))
                    actions.append((action, match.group(0) if match else ""))
    if not actions:
        return False
    result.standard = True
    for wanted in ("failed", "delayed", "delivered", "relayed", "expanded"):
        for action, status in actions:
            if action == wanted:
                result.action = "delivered" if wanted in ("relayed", "expanded") else wanted
                result.status = status
                return True
    result.notes.append("its Action field is not one RFC 3464 defines")
    return True


def _non_standard(texts: list[str], result: Report) -> None:
    body = "\n".join(texts)
    codes = [m.group(0) for m in _STATUS.finditer(body)]
    permanent = [c for c in codes if c.startswith("5")]
    if _DELAY_WORDS.search(body) and not permanent and not _FAILURE_WORDS.search(body):
        result.action = "delayed"
        result.status = next((c for c in codes if c.startswith("4")), "")
    elif permanent:
        result.action, result.status = "failed", permanent[0]
    elif _FAILURE_WORDS.search(body):
        result.action = "failed"
        result.status = next((c for c in codes if c.startswith("4")), "")
        if re.search(r"\bpermanent\b", body, re.IGNORECASE) and not result.status:
            result.status = "5.0.0"


def read(raw: bytes) -> Report:
    """What the bounce ``raw`` (the whole message as delivered) says; never raises."""
    result = Report()
    try:
        report = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception as exc:  # a message the parser cannot take at all
        result.notes.append(f"it is not a mail message ({type(exc).__name__})")
        return result
    _verp(report, result)
    returned = _returned_headers(report)
    header_types = ("text/rfc822-headers", "text/global-headers")
    bodies = [
        _text(p)
        for p in report.walk()
        if p.get_content_maintype() == "text" and p.get_content_type() not in header_types
    ]
    texts = [str(h) for h in returned] + bodies
    if result.message_id is None and not result.forged:
        for headers in returned:
            match = _ID_TOKEN.search(str(headers.get("Message-ID", "")))
            if match:
                _take(match.group(1), match.group(2), result, "Message-ID")
                break
        else:
            _from_message_id(texts, result)
    if not _standard(report, result):
        _non_standard([t for t in bodies if t], result)
    return result


# RFC 3463 (Enhanced Mail System Status Codes), section 3: subject.detail, then subject.
_DETAILS = {
    "1.1": "the mailbox does not exist",
    "1.2": "the recipient's mail domain does not exist or takes no mail",
    "1.3": "the address is not a valid e-mail address",
    "1.6": "the mailbox has moved and left no forwarding address",
    "1.10": "the recipient's domain accepts no mail",
    "2.1": "the mailbox is disabled",
    "2.2": "the mailbox is full",
    "2.3": "the message is larger than the mailbox accepts",
    "3.4": "the message is larger than the recipient's server accepts",
    "4.4": "the recipient's mail server could not be found",
    "4.7": "it could not be delivered before the sending server gave up",
    "7.1": "the recipient's server refused it by its policy (for example a spam filter)",
}
_SUBJECTS = {
    "1": "the address is wrong",
    "2": "the mailbox cannot take mail",
    "3": "the recipient's mail system failed",
    "4": "the recipient's server could not be reached",
    "5": "the mail servers could not agree on how to deliver it",
    "6": "the recipient's server could not take its content",
    "7": "the recipient's server refused it for security or policy reasons",
}


def reason(status: str) -> str:
    """One sentence for a failed delivery's status (no text from the report itself)."""
    if not status:
        return "Bounced: the recipient's mail system returned it undelivered."
    klass, subject, detail = status.split(".")
    why = _DETAILS.get(f"{subject}.{detail}") or _SUBJECTS.get(subject, "it was not delivered")
    if klass == "5":
        return f"Bounced for good: {why} ({status})."
    return f"Not delivered, the sending server gave up: {why} ({status})."


# --- acting on it ------------------------------------------------------------------------


def act(report: Report, now: datetime | None = None) -> str:
    """Record what ``report`` says; returns the outcome: bounced, already (reported
    before, or not a sent e-mail), delayed, delivered, forged or unreadable."""
    if report.forged:
        return "forged"
    if report.message_id is None or not report.action:
        return "unreadable"
    if report.action in ("delayed", "delivered"):
        return report.action
    updated = Message.objects.filter(
        pk=report.message_id, channel=Channel.EMAIL, status=MessageStatus.SENT
    ).update(
        status=MessageStatus.BOUNCED,
        bounced_at=now or timezone.now(),
        bounce_status=report.status,
        last_error=reason(report.status),
    )
    if updated:
        log.info("Message %s bounced (%s)", report.message_id, report.status or "no status")
        signals.announce(report.message_id)  # the work inbox raises its item
        return "bounced"
    return "already"


def address_bounce(address: str) -> Message | None:
    """The latest permanent bounce (5.x.x) of an e-mail to ``address``, if any: the desk
    should check the address with the patient."""
    if not address:
        return None
    return (
        Message.objects.filter(
            channel=Channel.EMAIL,
            to__iexact=address,
            status=MessageStatus.BOUNCED,
            bounce_status__startswith="5.",
        )
        .order_by("-bounced_at", "-pk")
        .first()
    )


# --- where reports arrive ----------------------------------------------------------------


class Source(Protocol):
    name: str

    def items(self) -> Iterator[tuple[str, bytes]]: ...

    def done(self, key: str) -> None: ...

    def leave(self, key: str) -> None: ...

    def close(self) -> None: ...


class MaildirSource:
    """A Maildir (new/ and cur/): read reports go to its ``.Processed`` folder; reports
    left for a person carry the "F" (flagged) flag and are skipped after."""

    def __init__(self, path: str) -> None:
        self.name = f"Maildir {path}"
        self.box = mailbox.Maildir(path, factory=None, create=False)
        if PROCESSED_FOLDER in self.box.list_folders():
            self.processed = self.box.get_folder(PROCESSED_FOLDER)
        else:
            self.processed = self.box.add_folder(PROCESSED_FOLDER)

    def items(self) -> Iterator[tuple[str, bytes]]:
        for key in list(self.box.keys()):
            try:
                if "F" in self.box.get_message(key).get_flags():
                    continue
                yield key, self.box.get_bytes(key)
            except KeyError:  # taken away meanwhile (another reader)
                continue

    def done(self, key: str) -> None:
        message = self.box.get_message(key)
        message.set_subdir("cur")
        message.add_flag("S")
        self.processed.add(message)
        self.box.discard(key)

    def leave(self, key: str) -> None:
        message = self.box.get_message(key)
        message.set_subdir("cur")
        message.add_flag("F")
        self.box[key] = message

    def close(self) -> None:
        self.box.close()


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapSource:
    """An IMAP folder: read reports are copied to the done folder and expunged here;
    reports left for a person get \\Flagged and are not searched again."""

    def __init__(self) -> None:
        host = str(_conf("BOUNCE_IMAP_HOST"))
        port = int(_conf("BOUNCE_IMAP_PORT") or 993)
        self.folder = str(_conf("BOUNCE_IMAP_FOLDER") or "INBOX")
        self.done_folder = str(_conf("BOUNCE_IMAP_DONE_FOLDER") or PROCESSED_FOLDER)
        self.name = f"IMAP {host} {self.folder}"
        self.conn: imaplib.IMAP4 = (
            imaplib.IMAP4_SSL(host, port, timeout=30)
            if _conf("BOUNCE_IMAP_SSL")
            else imaplib.IMAP4(host, port, timeout=30)
        )
        self.moved = False
        self.conn.login(str(_conf("BOUNCE_IMAP_USER")), str(_conf("BOUNCE_IMAP_PASSWORD")))
        self._ok(self.conn.select(_quoted(self.folder)), f"open the folder {self.folder}")
        self.conn.create(_quoted(self.done_folder))  # NO when it exists already: fine

    @staticmethod
    def _ok(answer: tuple[str, Any], doing: str) -> Any:
        typ, data = answer
        if typ != "OK":
            raise imaplib.IMAP4.error(f"The IMAP server would not {doing}: {data!r}")
        return data

    def items(self) -> Iterator[tuple[str, bytes]]:
        data = self._ok(self.conn.uid("SEARCH", "UNDELETED", "UNFLAGGED"), "search")
        for uid in (data[0] or b"").split():
            key = uid.decode()
            fetched = self._ok(self.conn.uid("FETCH", key, "(BODY.PEEK[])"), "fetch")
            raw = next((p[1] for p in fetched if isinstance(p, tuple)), None)
            if raw is not None:
                yield key, raw

    def done(self, key: str) -> None:
        self._ok(self.conn.uid("COPY", key, _quoted(self.done_folder)), "copy")
        self._ok(self.conn.uid("STORE", key, "+FLAGS.SILENT", r"(\Deleted)"), "flag")
        self.moved = True

    def leave(self, key: str) -> None:
        self._ok(self.conn.uid("STORE", key, "+FLAGS.SILENT", r"(\Flagged)"), "flag")

    def close(self) -> None:
        try:
            if self.moved:
                self.conn.expunge()
            self.conn.close()
        finally:
            self.conn.logout()


def configured() -> bool:
    return bool(_conf("BOUNCE_MAILDIR") or _conf("BOUNCE_IMAP_HOST"))


def _sources() -> Iterator[Source]:
    if _conf("BOUNCE_MAILDIR"):
        path = str(_conf("BOUNCE_MAILDIR"))
        try:
            yield MaildirSource(path)
        except (OSError, mailbox.Error) as exc:
            log.error("Bounces not read: the Maildir %s cannot be opened (%s)", path, exc)
    if _conf("BOUNCE_IMAP_HOST"):
        try:
            yield ImapSource()
        except (OSError, imaplib.IMAP4.error) as exc:
            log.error("Bounces not read: the IMAP folder cannot be opened (%s)", exc)


def read_source(source: Source, counts: dict[str, int]) -> None:
    for key, raw in source.items():
        try:
            report = read(raw)
            outcome = act(report)
        except Exception:  # one bad report never stops the others
            log.exception("Bounce %s in %s could not be handled", key, source.name)
            outcome = "unreadable"
            report = Report(notes=["reading it raised an error"])
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome in ("forged", "unreadable"):
            why = "; ".join(report.notes) or (
                "it names no message of ours"
                if report.message_id is None
                else "it says neither failed nor delayed"
            )
            log.warning(
                "Bounce %s in %s left in place and flagged (%s): %s",
                key,
                source.name,
                outcome,
                why,
            )
            source.leave(key)
        else:
            source.done(key)


def read_all() -> dict[str, int]:
    """Read every new report in the configured places; returns how many had each
    outcome. A place that cannot be reached is logged and skipped."""
    counts: dict[str, int] = {}
    for source in _sources():
        try:
            read_source(source, counts)
        except (OSError, imaplib.IMAP4.error, mailbox.Error) as exc:
            log.error("Reading bounces from %s stopped: %s", source.name, exc)
        finally:
            try:
                source.close()
            except (OSError, imaplib.IMAP4.error) as exc:
                log.warning("Closing %s: %s", source.name, exc)
    return counts


def schedule(after: timedelta | None = None) -> bool:
    """Queue the next read (``BOUNCE_CHECK_SECONDS`` from now) while a place to read is
    set and an e-mail went out within ``READ_FOR``; returns whether one is queued."""
    from nervepath.messaging import tasks
    from nervepath.taskqueue import enqueue_once

    if not configured() or not tasks.read_bounces.get_backend().supports_defer:
        return False
    now = timezone.now()
    recent = Message.objects.filter(channel=Channel.EMAIL, sent_at__gte=now - READ_FOR)
    if not recent.exists():
        return False
    when = now + (after or timedelta(seconds=int(_conf("BOUNCE_CHECK_SECONDS") or 300)))
    enqueue_once(tasks.read_bounces, when)
    return True
