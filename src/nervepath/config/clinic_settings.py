# SPDX-License-Identifier: AGPL-3.0-or-later
"""The shape of ``settings.NERVEPATH``: one type per key, so mypy checks every reader.

The values and what each means are in ``settings.py``; a key added there is added here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict


class ClinicSettings(TypedDict, total=False):
    SECOND_LEG_MIN_DAYS: int
    SLOT_STEP_MINUTES: int
    CLINIC_NAME: str
    ALL_CLINICIANS_SEE_ALL: bool
    CARE_LAPSE_DAYS: int
    UNCONFIRMED_HOLD_MINUTES: int
    MANAGE_LINK_GRACE_HOURS: int
    MAX_DOCUMENT_MB: int
    MAX_RECORDING_MB: int
    ANALYSIS_LEASE_SECONDS: int
    STAFF_IDLE_MINUTES: int
    PATIENT_IDLE_MINUTES: int
    SESSION_MAX_HOURS: int
    RATE_LIMITS: dict[str, tuple[int, int]]  # (requests, seconds) by scope
    PROXY_COUNT: int
    INSTRUMENT_WORDING_DIR: Path | None
    DIARY_DAYS: int
    RELIEF_THRESHOLD: int
    CANDIDATE_MIN_DAYS: int
    DIARY_REMINDER_HOUR: int
    FOLLOW_UPS: list[str]
    FOLLOW_UP_TYPE: str
    FOLLOW_UP_WINDOW_DAYS: int
    QUESTIONNAIRE_LEAD_DAYS: int
    OUTCOME_INSTRUMENTS: list[str]
    ANALYSIS_TIMEOUT_SECONDS: int
    ANALYSIS_MEMORY_MB: int
    MAX_FUTURE_ONLINE_VISITS: int
    NEW_ACCOUNTS_PER_IP_PER_DAY: int
    UPLOAD_BYTES_PER_PATIENT_PER_DAY: int
    RESEARCH_MIN_CELL: int
    ADMINS_DO_RESEARCH: bool
    RESEARCH_DOWNLOAD_HOURS: int
    RESEARCH_JOB_LEASE_SECONDS: int
    EMERGENCY_GRANTS_PER_HOUR: int
    IRLS_MODE: str  # "clinician", "self_report" or "off" (docs/safety.md)
    ON_CALL_EMAIL: str
    ALERT_ADMIN_EMAIL: str
    URGENT_ACK_MINUTES: int
    CLINIC_HOURS: str  # "HH:MM-HH:MM"
    CLINIC_DAYS: list[str]
    INBOX_SWEEP_MINUTES: int
    INBOX_FOLLOW_UP_LEAD_DAYS: int
    NEW_PATIENT_TYPE: str
    OUTBOX_RETRY_SECONDS: int
    OUTBOX_RETRY_MAX_SECONDS: int
    OUTBOX_MAX_ATTEMPTS: int
    OUTBOX_CLAIM_SECONDS: int
    TEXT_REMINDERS: str  # "text" or "both"
    TEXT_PROVIDER: str  # "console" or "twilio"
    TWILIO_ACCOUNT_SID: str
    TWILIO_AUTH_TOKEN: str
    TWILIO_FROM: str
    TWILIO_MESSAGING_SERVICE_SID: str
    TWILIO_API_URL: str
    PHONE_REGION: str  # ISO 3166 region for numbers without a country code
    CLINIC_PHONE: str
    BOUNCE_DOMAIN: str  # empty: no per-message envelope sender
    BOUNCE_LOCAL_PART: str
    BOUNCE_CHECK_SECONDS: int
    BOUNCE_MAILDIR: str
    BOUNCE_IMAP_HOST: str
    BOUNCE_IMAP_PORT: int
    BOUNCE_IMAP_SSL: bool
    BOUNCE_IMAP_USER: str
    BOUNCE_IMAP_PASSWORD: str
    BOUNCE_IMAP_FOLDER: str
    BOUNCE_IMAP_DONE_FOLDER: str
