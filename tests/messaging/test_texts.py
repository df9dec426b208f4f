# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reminders by text (issue 17): consent with its wording and time, E.164 numbers, the
Twilio provider against a local stub of its API (errors included), the signed inbound
webhook honouring STOP, START and HELP, and texts that carry nothing clinical."""

from __future__ import annotations

import urllib.parse

import pytest
from django.conf import settings as django_settings
from django.core import mail

from helpers import at, kind, next_weekday, send_outbox
from nervepath.accounts.models import Role, User
from nervepath.messaging import consent, outbox, texts
from nervepath.messaging.models import Channel, Message, MessageStatus, TextConsent
from nervepath.scheduling import services, tasks, waitlist
from nervepath.scheduling.models import Source

pytestmark = pytest.mark.booking

ALICE_MOBILE = "+19705550123"


def _book(clinic, hale, patient):
    """A nerve block (the front desk books those): the text must not say so."""
    fc = clinic["fort-collins"]
    desk = User.objects.create_user("desk@example.org", role=Role.FRONT_DESK)
    return services.book(
        services.Request(kind("nerve-block"), fc, hale, at(fc, next_weekday(1), "10:00")),
        patient,
        by=desk,
        source=Source.STAFF,
    )


def _signed_post(client, path: str, form: dict[str, str], token: str):
    url = django_settings.SITE_URL + path
    sig = texts.signature(url, form.items(), token)
    return client.post(
        path,
        urllib.parse.urlencode(form),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=sig,
    )


def test_the_signature_matches_twilios_published_example():
    # The worked example of Twilio's "Webhooks security" page (auth token 12345).
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert texts.signature(url, params.items(), "12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("970-555-0123", ALICE_MOBILE),
        ("(970) 555 0123", ALICE_MOBILE),
        ("+1 970 555 0123", ALICE_MOBILE),
    ],
)
def test_numbers_are_stored_in_e164(raw, e164):
    assert consent.normalise(raw) == e164


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("", "Enter"),
        ("12345", "not a valid"),
        ("call me", "not a phone number"),
        ("+1 800 555 1212", "not a mobile"),
    ],
)
def test_a_number_that_cannot_take_texts_is_refused_with_a_sentence(raw, error):
    with pytest.raises(consent.PhoneError, match=error):
        consent.normalise(raw)


def test_the_twilio_provider_posts_the_documented_form_and_keeps_the_sid(twilio, alice):
    consent.give(alice, ALICE_MOBILE)
    message = outbox.queue_text(ALICE_MOBILE, "Hello", kind="test", patient=alice)
    assert outbox.deliver(message.pk) == MessageStatus.SENT
    (request,) = twilio.requests
    assert request.path == f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json"
    assert request.auth == (twilio.account_sid, twilio.auth_token)
    assert request.form["To"] == ALICE_MOBILE
    assert request.form["From"] == "+19705550100"
    assert request.form["Body"] == "Hello"
    assert request.form["StatusCallback"].endswith("/texts/twilio/status/")
    message.refresh_from_db()
    assert message.provider_id.startswith("SM") and len(message.provider_id) == 34


@pytest.mark.parametrize(
    ("status", "code", "outcome"),
    [
        (400, 21211, MessageStatus.REFUSED),  # not a valid number
        (400, 21610, MessageStatus.REFUSED),  # the recipient replied STOP to Twilio
        (429, 20429, MessageStatus.FAILING),  # rate-limited: later
        (503, 20500, MessageStatus.FAILING),  # Twilio down: later
    ],
)
def test_twilio_errors_are_refused_for_good_or_retried(twilio, alice, status, code, outcome):
    consent.give(alice, ALICE_MOBILE)
    twilio.answers.append((status, code))
    message = outbox.queue_text(ALICE_MOBILE, "Hello", kind="test", patient=alice)
    assert outbox.deliver(message.pk) == outcome
    message.refresh_from_db()
    assert f"error {code}" in message.last_error
    assert twilio.accepted == []


def test_wrong_credentials_are_retried_not_dropped(twilio, alice, settings):
    consent.give(alice, ALICE_MOBILE)
    settings.NERVEPATH = {**settings.NERVEPATH, "TWILIO_AUTH_TOKEN": "wrong"}
    message = outbox.queue_text(ALICE_MOBILE, "Hello", kind="test", patient=alice)
    assert outbox.deliver(message.pk) == MessageStatus.FAILING
    assert "401" in Message.objects.get().last_error


def test_a_reminder_goes_by_text_to_a_patient_who_agreed_and_says_nothing_clinical(
    twilio, clinic, hale, alice, django_capture_on_commit_callbacks
):
    consent.give(alice, "970-555-0123")
    appt = _book(clinic, hale, alice)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_reminder.call(appt.id, appt.starts_at.isoformat())
    assert [m.subject for m in mail.outbox if m.subject.startswith("Reminder")] == []
    (text,) = twilio.accepted
    body = text.form["Body"]
    local = appt.local_start
    assert body.startswith("Nervepath Clinic: reminder of your visit")
    assert f"{local:%a %b %-d} at {local:%-I:%M %p}" in body
    assert appt.location.name in body and appt.location.address in body
    assert appt.get_absolute_url() in body
    rest = body.removeprefix("Nervepath Clinic").lower()
    for clinical in (appt.appointment_type.name, "block", "nerve", str(appt.clinician)):
        assert clinical.lower() not in rest
    assert Message.objects.get(kind="reminder").channel == Channel.TEXT


def test_the_clinic_can_send_reminders_by_text_and_email(
    twilio, clinic, hale, alice, settings, django_capture_on_commit_callbacks
):
    settings.NERVEPATH = {**settings.NERVEPATH, "TEXT_REMINDERS": "both"}
    consent.give(alice, ALICE_MOBILE)
    appt = _book(clinic, hale, alice)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_reminder.call(appt.id, appt.starts_at.isoformat())
    channels = sorted(Message.objects.filter(kind="reminder").values_list("channel", flat=True))
    assert channels == [Channel.EMAIL, Channel.TEXT]
    assert len(twilio.accepted) == 1


def test_without_consent_the_reminder_is_an_email(
    twilio, clinic, hale, alice, django_capture_on_commit_callbacks
):
    appt = _book(clinic, hale, alice)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_reminder.call(appt.id, appt.starts_at.isoformat())
    assert Message.objects.get(kind="reminder").channel == Channel.EMAIL
    assert twilio.requests == []


def test_a_waitlist_offer_goes_by_text(
    twilio, clinic, hale, alice, bob, django_capture_on_commit_callbacks
):
    fc = clinic["fort-collins"]
    appt = services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, next_weekday(0), "10:00")),
        alice,
        by=alice.user,
    )
    consent.give(bob, "+1 970 555 0188")
    entry = waitlist.join_waitlist(bob, kind("follow-up"), fc)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(appt, by=alice.user)
    send_outbox()
    (text,) = [r for r in twilio.accepted if r.form["To"] == "+19705550188"]
    assert f"/waitlist/{entry.token}/" in text.form["Body"]
    assert "earlier visit is free" in text.form["Body"]


def test_stop_withdraws_consent_and_no_text_goes_out_after_it(client, twilio, alice, settings):
    given = consent.give(alice, ALICE_MOBILE)
    queued = outbox.queue_text(ALICE_MOBILE, "Reminder", kind="reminder", patient=alice)
    response = _signed_post(
        client,
        "/texts/twilio/inbound/",
        {"From": ALICE_MOBILE, "To": "+19705550100", "Body": " stop ", "MessageSid": "SM1"},
        twilio.auth_token,
    )
    assert response.status_code == 200
    assert b"<Message>" not in response.content  # the carrier confirms the opt-out itself
    given.refresh_from_db()
    assert given.withdrawn_at is not None and given.withdrawn_via == "reply STOP"
    assert consent.text_number(alice) is None
    assert outbox.deliver(queued.pk) == MessageStatus.REFUSED
    assert twilio.requests == []


def test_start_restores_consent_with_its_wording_and_help_answers(client, twilio, alice):
    first = consent.give(alice, ALICE_MOBILE)
    form = {"From": ALICE_MOBILE, "To": "+19705550100", "MessageSid": "SM1"}
    _signed_post(client, "/texts/twilio/inbound/", {**form, "Body": "STOP"}, twilio.auth_token)
    response = _signed_post(
        client, "/texts/twilio/inbound/", {**form, "Body": "Start"}, twilio.auth_token
    )
    assert b"appointment texts again" in response.content
    again = consent.current(alice)
    assert again is not None and again.pk != first.pk
    assert again.given_via == "reply START" and again.wording == first.wording
    response = _signed_post(
        client, "/texts/twilio/inbound/", {**form, "Body": "HELP"}, twilio.auth_token
    )
    assert b"Reply STOP to stop" in response.content
    assert TextConsent.objects.filter(patient=alice).count() == 2


def test_an_unsigned_or_forged_webhook_is_refused_and_changes_nothing(client, twilio, alice):
    consent.give(alice, ALICE_MOBILE)
    form = {"From": ALICE_MOBILE, "Body": "STOP"}
    assert client.post("/texts/twilio/inbound/", form).status_code == 403
    assert _signed_post(client, "/texts/twilio/inbound/", form, "not-the-token").status_code == 403
    assert consent.text_number(alice) == ALICE_MOBILE


def test_an_undelivered_text_is_marked_bounced(client, twilio, alice):
    consent.give(alice, ALICE_MOBILE)
    message = outbox.queue_text(ALICE_MOBILE, "Hello", kind="test", patient=alice)
    outbox.deliver(message.pk)
    message.refresh_from_db()
    response = _signed_post(
        client,
        "/texts/twilio/status/",
        {"MessageSid": message.provider_id, "MessageStatus": "undelivered", "ErrorCode": "30003"},
        twilio.auth_token,
    )
    assert response.status_code == 204
    message.refresh_from_db()
    assert message.status == MessageStatus.BOUNCED and message.bounced_at is not None
    assert "30003" in message.last_error


def test_the_console_provider_prints_the_text(alice, capsys):
    consent.give(alice, ALICE_MOBILE)
    message = outbox.queue_text(ALICE_MOBILE, "Hello there", kind="test", patient=alice)
    assert outbox.deliver(message.pk) == MessageStatus.SENT
    assert f"text to {ALICE_MOBILE}" in capsys.readouterr().out
    assert texts.console_outbox[-1].body == "Hello there"


def _inbound(client, twilio, phone: str, body: str):
    form = {"From": phone, "To": "+19705550100", "Body": body, "MessageSid": "SM9"}
    return _signed_post(client, "/texts/twilio/inbound/", form, twilio.auth_token)


def test_a_spanish_speaking_patient_gets_replies_in_spanish(client, twilio, alice):
    alice.preferred_language = "Spanish"
    alice.save()
    consent.give(alice, ALICE_MOBILE)
    response = _inbound(client, twilio, ALICE_MOBILE, "HELP")
    assert "Mensajes de citas" in response.content.decode()
    assert b"appointment texts" not in response.content
    response = _inbound(client, twilio, ALICE_MOBILE, "stop")
    assert b"<Message>" not in response.content  # the carrier confirms STOP itself
    assert consent.text_number(alice) is None
    response = _inbound(client, twilio, ALICE_MOBILE, "Start")
    assert "le volveremos a mandar mensajes" in response.content.decode()
    assert consent.text_number(alice) == ALICE_MOBILE
    response = _inbound(client, twilio, ALICE_MOBILE, "gracias")
    assert "nadie lee las respuestas" in response.content.decode()


@pytest.mark.parametrize("word", ["ALTO", "parar", "Detener", "cancelar"])
def test_spanish_stop_words_withdraw_consent_and_we_confirm_in_spanish(client, twilio, alice, word):
    consent.give(alice, ALICE_MOBILE)
    response = _inbound(client, twilio, ALICE_MOBILE, f" {word} por favor")
    assert consent.text_number(alice) is None
    # Nothing on the record: the reply is in the keyword's language.
    assert "ya no le enviaremos" in response.content.decode()
    assert TextConsent.objects.get(patient=alice).withdrawn_via == "reply STOP"


def test_the_record_decides_over_the_keywords_language(client, twilio, alice):
    alice.preferred_language = "English"
    alice.save()
    consent.give(alice, ALICE_MOBILE)
    response = _inbound(client, twilio, ALICE_MOBILE, "ALTO")
    assert consent.text_number(alice) is None
    assert b"you will get no more texts from us. Reply START" in response.content


@pytest.mark.parametrize("word", ["COMENZAR", "inicio", "Empezar"])
def test_spanish_start_words_restore_consent(client, twilio, alice, word):
    alice.preferred_language = "es"
    alice.save()
    consent.give(alice, ALICE_MOBILE)
    _inbound(client, twilio, ALICE_MOBILE, "ALTO")
    assert consent.text_number(alice) is None
    response = _inbound(client, twilio, ALICE_MOBILE, word)
    assert consent.text_number(alice) == ALICE_MOBILE
    assert "le volveremos a mandar mensajes" in response.content.decode()


def test_an_unknown_number_is_answered_in_the_language_of_its_keyword(client, twilio, alice):
    stranger = "+19705550188"
    response = _inbound(client, twilio, stranger, "ayúda")
    assert "Mensajes de citas" in response.content.decode()
    response = _inbound(client, twilio, stranger, "HELP")
    assert b"appointment texts. Manage visits" in response.content
    response = _inbound(client, twilio, stranger, "ALTO")
    assert "ya no le enviaremos" in response.content.decode()
    assert TextConsent.objects.count() == 0


def test_keywords_are_matched_without_case_or_accents():
    assert consent.keyword("  ayúda ahora") == "AYUDA"
    assert consent.keyword("Stop") == "STOP"
    assert consent.keyword("") == ""
    assert consent.reply_to("STOP") is None
    assert consent.reply_to("ALTO", "en") is not None
