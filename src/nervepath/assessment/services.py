# SPDX-License-Identifier: AGPL-3.0-or-later
"""Sending questionnaires, saving drafts, submitting and correcting answers.

Every write here either happens whole or not at all: answers are checked by the
instrument engine before anything is stored, and a refusal raises ``AssessmentError``
with a sentence for the person who sent them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from nervepath.accounts.models import Patient, User
from nervepath.assessment.models import (
    OPEN_STATES,
    CollectionMode,
    Reason,
    Request,
    RequestState,
    Response,
    ResponseStatus,
    Schedule,
    TypeQuestionnaires,
)
from nervepath.science import instruments
from nervepath.science.instruments import AnswerError, Instrument

# A questionnaire answered this recently is not asked again for a new booking, unless its
# definition sets its own interval (repeat_after_days).
RECENT_DAYS = 30


class AssessmentError(Exception):
    """Refused input; ``status`` is the HTTP status a page answers with. ``missing`` lists
    every unanswered question (item id, question text) so a form names them all at once."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        item_id: str | None = None,
        missing: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.item_id = item_id
        self.missing = missing or []


# -- who fills what (issue 19, section 2) ------------------------------------------------


def irls_mode() -> str:
    """How the clinic collects the IRLS: "clinician", "self_report" or "off"."""
    return str(settings.NERVEPATH.get("IRLS_MODE", "clinician"))


IRLS_MODES = {
    "clinician": "The clinician enters the ten IRLS item scores in the visit, from the "
    "licensed paper form; patients are never shown the IRLS.",
    "self_report": "Patients fill the IRLS in the portal, with the clinic's licensed wording.",
    "off": "The IRLS is turned off: neither sent to patients nor entered by clinicians.",
}


# The clinic's own questionnaires: nervepath's questions, translated with the rest of the
# patient pages (assessment/instrument_words.py). Every other instrument is a validated
# one: in another language it is offered only with its licensed, validated translation
# loaded like the English wording, from ``INSTRUMENT_WORDING_DIR/<language>/``.
OWN_INSTRUMENTS = ("clinic_sleep", "pain_nrs", "symptom_history")


def _wording_file(folder: Path, instrument_id: str) -> Path | None:
    for suffix in (".yaml", ".yml", ".json"):
        path = folder / f"{instrument_id}{suffix}"
        if path.is_file():
            return path
    return None


def offered_in(instrument_id: str, lang: str | None) -> bool:
    """Whether this questionnaire can be shown in ``lang`` (None or "en": English)."""
    if not lang or lang.split("-")[0] == "en" or instrument_id in OWN_INSTRUMENTS:
        return True
    folder = wording_dir()
    return folder is not None and _wording_file(Path(folder) / lang, instrument_id) is not None


def patient_may_fill(instrument_id: str, lang: str | None = None) -> bool:
    """Whether a patient may be sent (and shown) this questionnaire: patient-administered,
    its licensed wording loaded when it has one, and, for the IRLS, self-report mode;
    with ``lang``, also whether it can be shown in that language (``offered_in``)."""
    if instrument_id not in instruments.available():
        return False
    inst = instrument(instrument_id)
    if not inst.patient_may_see:
        return False
    if instrument_id == "irls" and irls_mode() != "self_report":
        return False
    return offered_in(instrument_id, lang)


def not_offered_in_language(patient: Any, instrument_ids: list[str]) -> list[str]:
    """The instruments among these that this patient cannot be shown in their language
    (no licensed translation loaded): the clinician goes through them in the visit."""
    from nervepath.accounts.language import patient_language

    lang = patient_language(patient)
    return [i for i in instrument_ids if not offered_in(i, lang)]


def clinician_may_enter(instrument_id: str) -> bool:
    """Whether a clinician may enter this instrument in the visit: the clinician's
    instruments, and the IRLS unless it is turned off."""
    if instrument_id not in instruments.available():
        return False
    if instrument_id == "irls":
        return irls_mode() != "off"
    return instruments.load(instrument_id).administered_by == "clinician"


def clinician_instruments() -> list[str]:
    return [i for i in instruments.available() if clinician_may_enter(i)]


def wording_dir() -> Path | None:
    return settings.NERVEPATH.get("INSTRUMENT_WORDING_DIR")


@functools.cache
def _with_wording(instrument_id: str, folder: str) -> Instrument:
    inst = instruments.load(instrument_id)
    for suffix in (".yaml", ".yml", ".json"):
        path = Path(folder) / f"{instrument_id}{suffix}"
        if path.is_file():
            return inst.with_wording(path)
    return inst


def instrument(instrument_id: str, lang: str | None = None) -> Instrument:
    """The instrument as patients and clinicians read it: with the clinic's licensed
    wording when ``NERVEPATH_INSTRUMENT_WORDING_DIR`` holds a file for it; in ``lang``
    other than English, with the licensed translation in the folder's ``<lang>/``."""
    folder = wording_dir()
    if folder is None:
        return instruments.load(instrument_id)
    code = (lang or "en").split("-")[0]
    if code != "en" and instrument_id not in OWN_INSTRUMENTS:
        translated = Path(folder) / code
        if _wording_file(translated, instrument_id) is not None:
            return _with_wording(instrument_id, str(translated))
    return _with_wording(instrument_id, str(folder))


def describe(inst: Instrument, exc: AnswerError) -> str:
    """An engine refusal in words that name the question by its text (never its id)."""
    try:
        label = inst.item(exc.item_id).label
    except KeyError:
        return _("These answers do not fit this questionnaire; nothing was saved.")
    reason = str(exc).split(": ", 1)[-1]
    if reason == "is required and has no answer":
        reason = _("please answer this question")
    return f"“{_(label)}”: {reason}."


def require_complete(inst: Instrument, answers: Mapping[str, Any]) -> None:
    """Refuse, listing every unanswered question at once, by its text."""
    try:
        missing = instruments.unanswered(inst, answers)
    except AnswerError as exc:
        raise AssessmentError(describe(inst, exc), item_id=exc.item_id) from None
    if not missing:
        return
    listed = [(item_id, _(inst.item(item_id).label)) for item_id in missing]
    raise AssessmentError(
        ngettext(
            "Please answer %(count)d question before submitting; your answers are kept.",
            "Please answer %(count)d questions before submitting; your answers are kept.",
            len(listed),
        )
        % {"count": len(listed)},
        item_id=listed[0][0],
        missing=listed,
    )


def result_json(result: instruments.Result) -> dict[str, Any]:
    """The stored form of a score (read back with ``Response.scored``)."""
    return result.to_dict()


# -- sending ---------------------------------------------------------------------------


def _skip(patient: Patient, instrument_id: str, *, recent: bool) -> bool:
    """Whether not to send this questionnaire: patients may not fill it (the clinician's,
    or licensed wording not loaded), the patient already has it open, or (with
    ``recent``) answered it within its interval, whatever visit it was for."""
    if not patient_may_fill(instrument_id):
        return True
    if Request.objects.filter(
        patient=patient, instrument_id=instrument_id, state__in=OPEN_STATES
    ).exists():
        return True
    if recent:
        days = instruments.load(instrument_id).repeat_after_days or RECENT_DAYS
        since = timezone.now() - timedelta(days=days)
        return (
            Response.objects.submitted()
            .filter(patient=patient, instrument_id=instrument_id, submitted_at__gte=since)
            .exists()
        )
    return False


def create_requests(
    patient: Patient,
    instrument_ids: Iterable[str],
    *,
    reason: str,
    by: User | None = None,
    appointment: Any = None,
    schedule: Schedule | None = None,
    due: date | None = None,
    skip_recent: bool = True,
) -> list[Request]:
    """Open one request per questionnaire the patient does not already have open."""
    made = []
    for instrument_id in instrument_ids:
        if _skip(patient, instrument_id, recent=skip_recent):
            continue
        made.append(
            Request.objects.create(
                patient=patient,
                instrument_id=instrument_id,
                instrument_version=instruments.load(instrument_id).version,
                reason=reason,
                appointment=appointment,
                schedule=schedule,
                due_date=due,
                created_by=by,
            )
        )
    return made


def notify(patient: Patient, count: int) -> None:
    """Email the patient: the task that writes the message is queued in the requests'
    transaction (the worker then counts what is still waiting)."""
    if count <= 0:
        return
    from nervepath.assessment.tasks import send_questionnaire_email

    send_questionnaire_email.enqueue(patient.pk, count)


def intake_for_appointment(appointment_id: int) -> list[Request]:
    """The questionnaires the appointment's type sends, for a booked visit."""
    from nervepath.scheduling.models import Appointment, Status

    with transaction.atomic():
        appointment = (
            Appointment.objects.select_related("patient", "appointment_type", "location")
            .filter(pk=appointment_id, status=Status.BOOKED)
            .first()
        )
        if appointment is None:
            return []
        config = TypeQuestionnaires.objects.filter(
            appointment_type_id=appointment.appointment_type_id
        ).first()
        if config is None:
            return []
        due = appointment.local_start.date()
        made = create_requests(
            appointment.patient,
            config.instrument_ids,
            reason=Reason.INTAKE,
            by=appointment.created_by,
            appointment=appointment,
            due=due,
        )
        notify(appointment.patient, len(made))
    return made


def send_now(patient: Patient, instrument_ids: list[str], *, by: User) -> list[Request]:
    """A clinician asks for questionnaires now."""
    if not instrument_ids:
        raise AssessmentError("Choose at least one questionnaire to send.")
    unknown = [i for i in instrument_ids if i not in instruments.available()]
    if unknown:
        raise AssessmentError(f"{unknown[0]!r} is not a questionnaire.")
    barred = [i for i in instrument_ids if not patient_may_fill(i)]
    if barred:
        raise AssessmentError(
            f"{instruments.load(barred[0]).title} is not sent to patients: the clinician "
            "enters it in the visit (or the clinic turned it off)."
        )
    with transaction.atomic():
        made = create_requests(
            patient, instrument_ids, reason=Reason.STAFF, by=by, due=timezone.localdate()
        )
        notify(patient, len(made))
    return made


def withdraw(req: Request) -> None:
    with transaction.atomic():
        locked = Request.objects.select_for_update().get(pk=req.pk)
        if locked.state not in OPEN_STATES:
            raise AssessmentError("Only a questionnaire not yet submitted can be withdrawn.")
        locked.state = RequestState.WITHDRAWN
        locked.save(update_fields=["state"])
        Response.objects.filter(request=locked, status=ResponseStatus.DRAFT).delete()


# -- schedules -------------------------------------------------------------------------


def add_schedule(
    patient: Patient,
    instrument_ids: list[str],
    *,
    every_days: int,
    first_due: date,
    until: date | None,
    by: User,
) -> Schedule:
    if not instrument_ids:
        raise AssessmentError("Choose at least one questionnaire for the schedule.")
    if not 1 <= every_days <= 366:
        raise AssessmentError("Repeat every 1 to 366 days.")
    if until is not None and until < first_due:
        raise AssessmentError("The schedule must end on or after its first date.")
    if first_due < timezone.localdate():
        raise AssessmentError("The first date cannot be in the past.")
    barred = [i for i in instrument_ids if not patient_may_fill(i)]
    if barred:
        raise AssessmentError(
            f"{barred[0]!r} is not sent to patients: the clinician enters it in the visit."
        )
    schedule = Schedule(
        patient=patient,
        instrument_ids=instrument_ids,
        every_days=every_days,
        next_due=first_due,
        until=until,
        created_by=by,
    )
    schedule.full_clean()
    with transaction.atomic():
        schedule.save()
        from nervepath.assessment.tasks import enqueue_schedule_run

        transaction.on_commit(lambda: enqueue_schedule_run(schedule.next_due))
    return schedule


def run_due_schedules(today: date | None = None) -> int:
    """Open the requests of every schedule due by ``today``; returns how many."""
    today = today or timezone.localdate()
    total = 0
    for schedule_id in Schedule.objects.filter(active=True, next_due__lte=today).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            schedule = (
                Schedule.objects.select_for_update()
                .select_related("patient")
                .filter(pk=schedule_id, active=True, next_due__lte=today)
                .first()
            )
            if schedule is None:
                continue
            if schedule.until is not None and schedule.next_due > schedule.until:
                schedule.active = False
                schedule.save(update_fields=["active"])
                continue
            made = create_requests(
                schedule.patient,
                schedule.instrument_ids,
                reason=Reason.SCHEDULED,
                by=schedule.created_by,
                schedule=schedule,
                due=schedule.next_due,
                skip_recent=False,
            )
            notify(schedule.patient, len(made))
            total += len(made)
            while schedule.next_due <= today:
                schedule.next_due += timedelta(days=schedule.every_days)
            if schedule.until is not None and schedule.next_due > schedule.until:
                schedule.active = False
            schedule.save(update_fields=["next_due", "active"])
    return total


# -- answering -------------------------------------------------------------------------


def prune(inst: Instrument, answers: Mapping[str, Any], shown: set[str]) -> dict[str, Any]:
    """Drop answers to questions that the new answers hide, but only for questions the
    form showed: the patient changed an earlier answer and the later question no longer
    applies. An answer to a question never shown stays, so the engine refuses it."""
    kept: dict[str, Any] = {}
    for item in inst.items:
        if item.id not in answers:
            continue
        visible = any(v.id == item.id for v in inst.visible_items(kept))
        if visible or item.id not in shown:
            kept[item.id] = answers[item.id]
    return {k: v for k, v in kept.items() if v is not None}


def _open_request(req_id: int, patient: Patient) -> Request:
    locked = Request.objects.select_for_update().filter(pk=req_id, patient=patient).first()
    if locked is None:
        raise AssessmentError(_("No such questionnaire."), status=404)
    if locked.state == RequestState.SUBMITTED:
        raise AssessmentError(
            _("This questionnaire was already submitted; your answers were not changed."),
            status=409,
        )
    if locked.state == RequestState.WITHDRAWN:
        raise AssessmentError(_("The clinic withdrew this questionnaire."), status=409)
    return locked


def draft_of(req: Request) -> Response | None:
    return req.responses.filter(status=ResponseStatus.DRAFT).first()


def save_draft(req: Request, answers: Mapping[str, Any]) -> Response:
    """Keep partial answers; every given answer is checked."""
    inst = instrument(req.instrument_id)
    try:
        clean, _ = instruments.validate(inst, answers, complete=False)
    except AnswerError as exc:
        raise AssessmentError(describe(inst, exc), item_id=exc.item_id) from None
    with transaction.atomic():
        locked = _open_request(req.pk, req.patient)
        draft = draft_of(locked)
        if draft is None:
            draft = Response(
                patient=locked.patient,
                request=locked,
                instrument_id=locked.instrument_id,
                instrument_version=inst.version,
            )
        draft.answers = clean
        draft.save()
        if locked.state != RequestState.DRAFT:
            locked.state = RequestState.DRAFT
            locked.save(update_fields=["state"])
    return draft


def submit(
    req: Request, answers: Mapping[str, Any], *, by: User, language: str | None = None
) -> Response:
    """Score the answers with the engine and store them for good, once; ``language`` is
    the one the questionnaire was shown in."""
    inst = instrument(req.instrument_id, language)
    require_complete(inst, answers)
    try:
        result = instruments.score(inst, answers)
        clean, _ = instruments.validate(inst, answers)
    except AnswerError as exc:
        raise AssessmentError(describe(inst, exc), item_id=exc.item_id) from None
    with transaction.atomic():
        locked = _open_request(req.pk, req.patient)
        response = draft_of(locked) or Response(
            patient=locked.patient, request=locked, instrument_id=locked.instrument_id
        )
        response.instrument_version = inst.version
        # The language the answers were given in (research can filter by it).
        response.language = language or ""
        response.answers = clean
        response.result = result_json(result)
        response.status = ResponseStatus.SUBMITTED
        response.submitted_at = timezone.now()
        response.submitted_by = by
        response.save()
        locked.state = RequestState.SUBMITTED
        locked.save(update_fields=["state"])
        if result.flags:
            # Red flags reach a person: urgent ones alert the care team at once, the
            # others wait in the inbox for the next visit (issue 19).
            from nervepath.inbox.services import raise_flags

            raise_flags(locked.patient, result.flags, source=f"assessment.Response:{response.pk}")
    return response


def record_response(
    patient: Patient,
    instrument_id: str,
    answers: Mapping[str, Any],
    *,
    by: User,
    when: Any = None,
    mode: str = CollectionMode.SELF_REPORT,
) -> Response:
    """A submitted response without a request (demo data, paper forms typed in, or an
    instrument the clinician enters: ``mode`` says which)."""
    inst = instrument(instrument_id)
    if mode == CollectionMode.CLINICIAN:
        require_complete(inst, answers)
    try:
        result = instruments.score(inst, answers)
        clean, _ = instruments.validate(inst, answers)
    except AnswerError as exc:
        raise AssessmentError(describe(inst, exc), item_id=exc.item_id) from None
    return Response.objects.create(
        patient=patient,
        instrument_id=instrument_id,
        instrument_version=inst.version,
        answers=clean,
        result=result_json(result),
        status=ResponseStatus.SUBMITTED,
        submitted_at=when or timezone.now(),
        submitted_by=by,
        mode=mode,
    )


def enter(
    patient: Patient, instrument_id: str, answers: Mapping[str, Any], *, by: User
) -> Response:
    """A clinician enters an instrument in the visit (criterion 5, the MPI checklist, the
    MNSI examination, the JHRLSS, or the IRLS from the licensed paper form)."""
    if not clinician_may_enter(instrument_id):
        raise AssessmentError(
            "This questionnaire is not entered by clinicians here"
            + (" (the IRLS is turned off)." if instrument_id == "irls" else "."),
            status=404 if instrument_id not in instruments.available() else 400,
        )
    return record_response(patient, instrument_id, answers, by=by, mode=CollectionMode.CLINICIAN)


def correct(original: Response, answers: Mapping[str, Any], *, reason: str, by: User) -> Response:
    """A new submitted response replacing ``original``; the original stays as it was."""
    reason = " ".join(reason.split())
    if len(reason) < 5:
        raise AssessmentError("Say why the answers are corrected (at least 5 characters).")
    if len(reason) > 1000:
        raise AssessmentError("Keep the reason under 1000 characters.")
    if "\x00" in reason:
        raise AssessmentError("The reason contains a character that is not allowed.")
    inst = instrument(original.instrument_id)
    try:
        result = instruments.score(inst, answers)
        clean, _ = instruments.validate(inst, answers)
    except AnswerError as exc:
        raise AssessmentError(describe(inst, exc), item_id=exc.item_id) from None
    with transaction.atomic():
        locked = Response.objects.select_for_update().get(pk=original.pk)
        if locked.status != ResponseStatus.SUBMITTED:
            raise AssessmentError("Only a submitted response can be corrected.", status=409)
        if Response.objects.filter(corrects=locked).exists():
            raise AssessmentError(
                "This response was already corrected; correct the latest version.", status=409
            )
        if clean == locked.answers:
            raise AssessmentError("Nothing changed: the answers are the same as before.")
        return Response.objects.create(
            patient=locked.patient,
            request=locked.request,
            instrument_id=locked.instrument_id,
            instrument_version=inst.version,
            answers=clean,
            result=result_json(result),
            status=ResponseStatus.SUBMITTED,
            submitted_at=timezone.now(),
            submitted_by=by,
            corrects=locked,
            correction_reason=reason,
            mode=locked.mode,
        )
