# SPDX-License-Identifier: AGPL-3.0-or-later
"""Issue 17: an e-mail the SMTP server accepted and that bounces later. Each message goes
out through a real local SMTP server (aiosmtpd) with its own signed envelope sender;
the delivery report (RFC 3464) the recipient's server would send back is put in a
Maildir or an IMAP folder (a small threaded IMAP server, tests/imap_stub.py), and the
worker's reader marks the message bounced, ignores delays, rejects forged tokens and
reads nothing twice."""

from __future__ import annotations

import logging
import mailbox
from collections.abc import Iterator
from email.message import EmailMessage
from email.message import Message as MimeMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from helpers import login
from imap_stub import ImapStub
from mailserver import MailServer
from nervepath.messaging import bounces, outbox, tasks
from nervepath.messaging.models import Message, MessageStatus

DOMAIN = "bounces.clinic.example"
CLINIC_FROM = "appointments@clinic.example"


@pytest.fixture
def verp(settings, tmp_path) -> Path:
    """A bounce domain and a Maildir as Postfix would deliver into."""
    maildir = tmp_path / "Maildir"
    mailbox.Maildir(str(maildir), create=True).close()
    settings.DEFAULT_FROM_EMAIL = f"Clinic <{CLINIC_FROM}>"
    settings.NERVEPATH = {
        **settings.NERVEPATH,
        "BOUNCE_DOMAIN": DOMAIN,
        "BOUNCE_MAILDIR": str(maildir),
    }
    return maildir


def _sent(smtp: MailServer, to: str = "alice@example.org", patient=None) -> Message:
    message = outbox.queue_email(
        to, "Your visit", "See you soon.", kind="confirmed", patient=patient
    )
    assert outbox.deliver(message.pk) == MessageStatus.SENT
    message.refresh_from_db()
    return message


def dsn(
    original: MimeMessage,
    envelope_sender: str,
    *,
    action: str = "failed",
    status: str = "5.1.1",
    diagnostic: str = "smtp; 550 5.1.1 <alice@example.org>: Recipient address rejected",
    delivered_to: str | None = None,
) -> bytes:
    """The report a recipient's server sends back for ``original`` (RFC 3464: a
    human-readable part, message/delivery-status, the returned headers)."""
    report = EmailMessage()
    report["From"] = "Mail Delivery System <MAILER-DAEMON@mx.example.org>"
    report["To"] = envelope_sender
    if delivered_to is not None:
        report["Delivered-To"] = delivered_to
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Date"] = formatdate()
    report["Message-ID"] = make_msgid(domain="mx.example.org")
    report["Auto-Submitted"] = "auto-replied"
    report.set_content("I'm sorry to have to inform you that your message could not be delivered.")
    report.make_mixed()
    report.set_type("multipart/report")
    report.set_param("report-type", "delivery-status")
    status_part = MimeMessage()
    status_part.set_type("message/delivery-status")
    per_message = MimeMessage()
    per_message["Reporting-MTA"] = "dns; mx.example.org"
    per_message["Arrival-Date"] = formatdate()
    per_recipient = MimeMessage()
    per_recipient["Final-Recipient"] = f"rfc822; {original['To']}"
    per_recipient["Action"] = action
    per_recipient["Status"] = status
    per_recipient["Diagnostic-Code"] = diagnostic
    status_part.set_payload([per_message, per_recipient])
    report.attach(status_part)  # type: ignore[arg-type]  # any Message attaches
    headers = MimeMessage()
    headers.set_type("text/rfc822-headers")
    headers.set_payload("".join(f"{k}: {v}\n" for k, v in original.items()))
    report.attach(headers)  # type: ignore[arg-type]
    return report.as_bytes()


def _drop(maildir: Path, raw: bytes) -> str:
    box = mailbox.Maildir(str(maildir), create=False)
    key = box.add(mailbox.MaildirMessage(raw))
    box.close()
    return key


def _inbox(maildir: Path) -> mailbox.Maildir:
    return mailbox.Maildir(str(maildir), create=False)


def test_each_email_goes_out_with_its_own_signed_envelope_sender(smtp, verp, alice):
    message = _sent(smtp, patient=alice)
    (received,) = smtp.mailbox.received
    (sender,) = smtp.mailbox.senders
    assert sender == f"bounces+{message.pk}-{bounces._signature(message.pk)}@{DOMAIN}"
    assert received["From"] == f"Clinic <{CLINIC_FROM}>"  # what the patient sees
    assert received["Message-ID"].startswith(f"<np-{bounces.token(message.pk)}.")
    assert received["Message-ID"] == message.provider_id


def test_without_a_bounce_domain_the_envelope_is_the_clinics_address(smtp, settings, alice):
    settings.DEFAULT_FROM_EMAIL = CLINIC_FROM
    _sent(smtp, patient=alice)
    assert smtp.mailbox.senders == [CLINIC_FROM]


def test_a_permanent_bounce_in_the_maildir_marks_the_message_bounced_once(
    smtp, verp, alice, caplog
):
    message = _sent(smtp, patient=alice)
    (original,) = smtp.mailbox.received
    (sender,) = smtp.mailbox.senders
    _drop(verp, dsn(original, sender, delivered_to=sender))
    call_command("read_bounces")
    message.refresh_from_db()
    assert message.status == MessageStatus.BOUNCED
    assert message.bounce_status == "5.1.1"
    assert message.last_error == "Bounced for good: the mailbox does not exist (5.1.1)."
    assert message.bounced_at is not None
    assert len(_inbox(verp)) == 0  # moved out of the way
    processed = _inbox(verp).get_folder("Processed")
    assert len(processed) == 1
    assert all("S" in m.get_flags() for m in processed)
    assert bounces.address_bounce("Alice@Example.org") == message
    # Read again, and the same report delivered twice: nothing changes.
    first = message.bounced_at
    assert bounces.read_all() == {}
    _drop(verp, dsn(original, sender))
    assert bounces.read_all() == {"already": 1}
    message.refresh_from_db()
    assert message.bounced_at == first and message.status == MessageStatus.BOUNCED


def test_a_delayed_report_changes_nothing(smtp, verp, alice):
    message = _sent(smtp, patient=alice)
    (original,) = smtp.mailbox.received
    (sender,) = smtp.mailbox.senders
    raw = dsn(original, sender, action="delayed", status="4.4.1", diagnostic="smtp; 451 4.4.1")
    _drop(verp, raw)
    assert bounces.read_all() == {"delayed": 1}
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.bounced_at is None
    assert len(_inbox(verp)) == 0  # read: not read again


def test_a_report_that_gave_up_on_a_temporary_failure_bounces_without_blaming_the_address(
    smtp, verp, alice
):
    message = _sent(smtp, patient=alice)
    (original,) = smtp.mailbox.received
    (sender,) = smtp.mailbox.senders
    _drop(verp, dsn(original, sender, status="4.4.7", diagnostic="smtp; 421 timed out"))
    assert bounces.read_all() == {"bounced": 1}
    message.refresh_from_db()
    assert message.status == MessageStatus.BOUNCED
    assert "gave up" in message.last_error and "(4.4.7)" in message.last_error
    assert bounces.address_bounce("alice@example.org") is None


def test_a_forged_token_is_rejected_and_left_flagged(smtp, verp, alice, caplog):
    message = _sent(smtp, patient=alice)
    (original,) = smtp.mailbox.received
    forged = f"bounces+{message.pk}-{'0' * 20}@{DOMAIN}"
    key = _drop(verp, dsn(original, forged, delivered_to=forged))
    with caplog.at_level(logging.WARNING, logger="nervepath.messaging.bounces"):
        assert bounces.read_all() == {"forged": 1}
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert "signature is wrong" in caplog.text
    left = _inbox(verp)
    assert list(left.keys()) == [key] and "F" in left.get_message(key).get_flags()
    assert bounces.read_all() == {}  # flagged: left to a person, not read again


def test_a_forged_message_id_is_rejected(smtp, verp, alice):
    message = _sent(smtp, patient=alice)
    (original,) = smtp.mailbox.received
    del original["Message-ID"]
    original["Message-ID"] = f"<np-{message.pk}-{'a' * 20}.0badc0de@{DOMAIN}>"
    _drop(verp, dsn(original, CLINIC_FROM))
    assert bounces.read_all() == {"forged": 1}
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_a_non_standard_bounce_is_matched_by_the_returned_message_id(smtp, verp, alice):
    """qmail's failure notice: plain text, the original quoted below, sent to the visible
    address (no VERP token in the address)."""
    message = _sent(smtp, patient=alice)
    (original,) = smtp.mailbox.received
    text = (
        "Hi. This is the qmail-send program at mx.example.org.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
        "<alice@example.org>:\n10.5.1.2 does not like recipient.\n"
        "Remote host said: 550 5.2.1 Mailbox disabled for this recipient\n\n"
        "--- Below this line is a copy of the message.\n\n" + original.as_string()
    )
    bounce = EmailMessage()
    bounce["From"] = "MAILER-DAEMON@mx.example.org"
    bounce["To"] = CLINIC_FROM
    bounce["Subject"] = "failure notice"
    bounce.set_content(text)
    _drop(verp, bounce.as_bytes())
    assert bounces.read_all() == {"bounced": 1}
    message.refresh_from_db()
    assert message.last_error == "Bounced for good: the mailbox is disabled (5.2.1)."


def test_unreadable_mail_is_left_flagged_with_a_note_and_never_stops_the_run(
    smtp, verp, alice, caplog
):
    message = _sent(smtp, patient=alice)
    (original,) = smtp.mailbox.received
    (sender,) = smtp.mailbox.senders
    junk = _drop(verp, b"\xff\xfe not a mail message at all \x00\x01")
    reply = EmailMessage()
    reply["From"] = "alice@example.org"
    reply["To"] = CLINIC_FROM
    reply["Subject"] = "Re: Your visit"
    reply["In-Reply-To"] = original["Message-ID"]
    reply.set_content("Thanks, see you then!")
    answered = _drop(verp, reply.as_bytes())
    _drop(verp, dsn(original, sender, delivered_to=sender))
    with caplog.at_level(logging.WARNING, logger="nervepath.messaging.bounces"):
        assert bounces.read_all() == {"unreadable": 2, "bounced": 1}
    assert "left in place and flagged" in caplog.text
    left = _inbox(verp)
    assert set(left.keys()) == {junk, answered}
    message.refresh_from_db()
    assert message.status == MessageStatus.BOUNCED


def test_a_missing_maildir_is_logged_not_raised(settings, tmp_path, caplog):
    settings.NERVEPATH = {**settings.NERVEPATH, "BOUNCE_MAILDIR": str(tmp_path / "nowhere")}
    with caplog.at_level(logging.ERROR, logger="nervepath.messaging.bounces"):
        assert bounces.read_all() == {}
    assert "cannot be opened" in caplog.text


def test_the_command_says_when_nothing_is_configured():
    with pytest.raises(CommandError, match="NERVEPATH_BOUNCE_MAILDIR"):
        call_command("read_bounces")


def test_a_sent_email_queues_the_workers_bounce_read_which_queues_the_next(smtp, verp, alice):
    def queued() -> int:
        return DBTaskResult.objects.filter(
            task_path=tasks.read_bounces.module_path, status="READY"
        ).count()

    assert queued() == 0
    message = _sent(smtp, patient=alice)
    _sent(smtp, to="bob@example.org")
    assert queued() == 1  # one chain
    (original, _) = smtp.mailbox.received
    _drop(verp, dsn(original, smtp.mailbox.senders[0]))
    result = DBTaskResult.objects.get(task_path=tasks.read_bounces.module_path, status="READY")
    DBTaskResult.objects.filter(pk=result.pk).delete()  # as if the worker took it
    assert tasks.read_bounces.call() == {"bounced": 1}
    assert queued() == 1  # the next read
    message.refresh_from_db()
    assert message.status == MessageStatus.BOUNCED


# --- IMAP --------------------------------------------------------------------------------


@pytest.fixture
def imap(settings) -> Iterator[ImapStub]:
    stub = ImapStub().start()
    settings.DEFAULT_FROM_EMAIL = f"Clinic <{CLINIC_FROM}>"
    settings.NERVEPATH = {
        **settings.NERVEPATH,
        "BOUNCE_DOMAIN": DOMAIN,
        "BOUNCE_MAILDIR": "",
        "BOUNCE_IMAP_HOST": "127.0.0.1",
        "BOUNCE_IMAP_PORT": stub.port,
        "BOUNCE_IMAP_SSL": False,
        "BOUNCE_IMAP_USER": stub.user,
        "BOUNCE_IMAP_PASSWORD": stub.password,
        "BOUNCE_IMAP_FOLDER": "Bounces",
        "BOUNCE_IMAP_DONE_FOLDER": "Bounces/Done",
    }
    stub.folders.boxes["Bounces"] = []
    yield stub
    stub.stop()


def test_bounces_are_read_from_an_imap_folder(smtp, imap, alice, bob):
    to_alice = _sent(smtp, patient=alice)
    to_bob = _sent(smtp, to="bob@example.org", patient=bob)
    (for_alice, for_bob) = smtp.mailbox.received
    (alice_sender, bob_sender) = smtp.mailbox.senders
    imap.folders.add("Bounces", dsn(for_alice, alice_sender, delivered_to=alice_sender))
    imap.folders.add("Bounces", dsn(for_bob, bob_sender, action="delayed", status="4.2.2"))
    junk = imap.folders.add("Bounces", b"Subject: hello\r\n\r\nNothing to see.\r\n")
    assert call_command("read_bounces") is None
    to_alice.refresh_from_db()
    to_bob.refresh_from_db()
    assert to_alice.status == MessageStatus.BOUNCED and to_alice.bounce_status == "5.1.1"
    assert to_bob.status == MessageStatus.SENT
    left = imap.folder("Bounces")
    assert [s.uid for s in left] == [junk] and "\\Flagged" in left[0].flags
    assert len(imap.folder("Bounces/Done")) == 2
    assert all("\\Seen" not in s.flags for s in imap.folder("Bounces/Done"))  # peeked
    assert bounces.read_all() == {}  # nothing read twice


def test_a_wrong_imap_password_is_logged_and_changes_nothing(smtp, imap, settings, caplog):
    settings.NERVEPATH = {**settings.NERVEPATH, "BOUNCE_IMAP_PASSWORD": "wrong"}
    with caplog.at_level(logging.ERROR, logger="nervepath.messaging.bounces"):
        assert bounces.read_all() == {}
    assert "cannot be opened" in caplog.text


# --- what staff see ----------------------------------------------------------------------


def test_staff_see_the_bounce_reason_and_the_patients_bouncing_address(
    smtp, verp, client, frontdesk, alice
):
    _sent(smtp, patient=alice)
    (original,) = smtp.mailbox.received
    (sender,) = smtp.mailbox.senders
    _drop(verp, dsn(original, sender))
    bounces.read_all()
    login(client, frontdesk)
    page = client.get("/staff/messages/?status=bounced").content.decode()
    assert "Bounced after sending" in page
    assert "Bounced for good: the mailbox does not exist (5.1.1)." in page
    one = client.get(f"/staff/messages/?patient={alice.pk}").content.decode()
    assert 'id="email-bouncing"' in one and "alice@example.org" in one
    record = client.get(f"/staff/patients/{alice.pk}/").content.decode()
    assert 'id="email-bouncing"' in record


@pytest.mark.parametrize(
    ("status", "sentence"),
    [
        ("5.1.1", "Bounced for good: the mailbox does not exist (5.1.1)."),
        ("5.2.2", "Bounced for good: the mailbox is full (5.2.2)."),
        ("5.7.1", "Bounced for good: the recipient's server refused it by its policy"),
        ("5.6.9", "Bounced for good: the recipient's server could not take its content"),
        ("", "Bounced: the recipient's mail system returned it undelivered."),
    ],
)
def test_reasons_are_short_sentences(status, sentence):
    assert bounces.reason(status).startswith(sentence)
