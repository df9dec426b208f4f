# SPDX-License-Identifier: AGPL-3.0-or-later
"""Twilio's webhooks: inbound texts (STOP, START, HELP) and delivery reports. They carry
no session: each request must bear a valid ``X-Twilio-Signature`` (texts.signature_ok)
or it is refused with 403 and changes nothing."""

from __future__ import annotations

from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from nervepath.messaging import consent, signals, texts
from nervepath.messaging.models import Channel, Message, MessageStatus

# Twilio's MessageStatus values that mean the carrier did not deliver an accepted text.
UNDELIVERED = {"undelivered", "failed"}


def _signed(request: HttpRequest) -> bool:
    url = settings.SITE_URL + request.get_full_path()
    params = [(k, v) for k, values in request.POST.lists() for v in values]
    return texts.signature_ok(url, params, request.headers.get("X-Twilio-Signature", ""))


def _twiml(reply: str | None) -> HttpResponse:
    inner = f"<Message>{escape(reply)}</Message>" if reply else ""
    body = f'<?xml version="1.0" encoding="UTF-8"?><Response>{inner}</Response>'
    return HttpResponse(body, content_type="application/xml")


@csrf_exempt
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    if not _signed(request):
        return HttpResponseForbidden("The request signature does not match.")
    try:
        phone = consent.normalise(request.POST.get("From", ""))
    except consent.PhoneError:
        return _twiml(None)
    keyword = consent.keyword(request.POST.get("Body", ""))
    # The patient's language is read before a stop withdraws the agreement (the rows stay).
    language = consent.language_at(phone)
    if keyword in consent.STOP_WORDS:
        consent.withdraw_number(phone)
    elif keyword in consent.START_WORDS:
        consent.restart_number(phone)
    return _twiml(consent.reply_to(keyword, language))


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    if not _signed(request):
        return HttpResponseForbidden("The request signature does not match.")
    sid = request.POST.get("MessageSid", "")
    state = request.POST.get("MessageStatus", "")
    if sid and state in UNDELIVERED:
        code = request.POST.get("ErrorCode", "")
        bounced = Message.objects.filter(
            channel=Channel.TEXT, provider_id=sid, status=MessageStatus.SENT
        )
        ids = list(bounced.values_list("pk", flat=True))
        bounced.update(
            status=MessageStatus.BOUNCED,
            bounced_at=timezone.now(),
            last_error=f"The carrier reported {state}" + (f" (error {code})" if code else ""),
        )
        signals.announce(*ids)
    return HttpResponse(status=204)
