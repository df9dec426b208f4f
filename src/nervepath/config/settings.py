# SPDX-License-Identifier: AGPL-3.0-or-later
"""Django settings for nervepath, read only from the environment (see ``env.py``)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from nervepath.config.clinic_settings import ClinicSettings
from nervepath.config.env import (
    env_bool,
    env_choice,
    env_dir,
    env_int,
    env_list,
    env_rate,
    env_required,
    env_str,
)

PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("NERVEPATH_VAR_DIR", str(Path.cwd() / "var")))

DEBUG = env_bool("DEBUG", False)
DEV = env_bool("NERVEPATH_DEV", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and not DEV:
        raise ImproperlyConfigured("SECRET_KEY must be set (or DEBUG=1 / NERVEPATH_DEV=1 for dev)")
    SECRET_KEY = "dev-only-not-secret-nervepath-key-change-me"  # noqa: S105 (dev only)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "django_htmx",
    # The deploy checks, the <id:...> path converter (config/apps.py), and the task
    # worker that waits out a locked database: before django_tasks_db, whose db_worker
    # command it replaces (config/management/commands/db_worker.py).
    "nervepath.config",
    "django_tasks",
    "django_tasks_db",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "nervepath.accounts",
    "nervepath.audit",
    "nervepath.access",
    "nervepath.messaging",
    "nervepath.documents",
    "nervepath.site",
    "nervepath.scheduling",
    "nervepath.backup",
    "nervepath.inbox",
    "nervepath.assessment",
    "nervepath.wearables",
    "nervepath.notes",
    "nervepath.pathway",
    "nervepath.research",
    # The demo clinic (seed_demo, demo_totp): the top of the layers, importing any app.
    "nervepath.demo",
]

MIDDLEWARE = [
    "nervepath.audit.log.RequestIdMiddleware",
    # Issue 22, finding 12: a NUL in the path or query string is a 400, before any view.
    "nervepath.config.middleware.RefuseNulMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Above the session middleware, so it sees the session cookie being set.
    "nervepath.config.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The visitor's language: the language cookie (the header picker), else the browser's.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in patient reads in the language on their record; staff pages stay English.
    "nervepath.accounts.language.PatientLanguageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After OTP and messages: expiry logs out idle sessions with a message, then the
    # two-factor gate keeps unverified staff on the 2FA pages.
    "nervepath.accounts.middleware.SessionExpiryMiddleware",
    "nervepath.accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A stored result newer than this code: a 409 page with a sentence, not a 500.
    "nervepath.config.middleware.StoredVersionMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "nervepath.config.urls"
WSGI_APPLICATION = "nervepath.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "nervepath.site.context.clinic",
                "nervepath.inbox.context.inbox",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(VAR_DIR / "nervepath.sqlite3")),
            "OPTIONS": {
                # BEGIN IMMEDIATE takes the write lock at the start of every atomic
                # block, so a check-then-insert (booking a slot) is serialised.
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked-out account before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "site:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# The languages patients may choose (docs/languages.md says how to add one). Staff pages
# are marked for translation but shown in English.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "nervepath_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "America/Denver"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Uploads and reports go through Django's storage API (never open() on a path), so
# several web and worker machines can share them. The folder is outside the web root
# and there is deliberately no MEDIA_URL route: files reach people only through views
# that check who is asking.
MEDIA_ROOT = Path(env_str("NERVEPATH_MEDIA_ROOT", str(VAR_DIR / "uploads")))
STORAGE_KIND = env_choice("NERVEPATH_STORAGE", "filesystem", ("filesystem", "s3"))
if STORAGE_KIND == "s3":
    # django-storages' S3 backend (pip install 'nervepath[s3]'); works with any
    # S3-compatible service through NERVEPATH_S3_ENDPOINT_URL. Without access keys
    # boto3 uses its own chain (instance role, ~/.aws).
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_required(
                "NERVEPATH_S3_BUCKET", "the bucket that holds uploads when NERVEPATH_STORAGE=s3"
            ),
            "endpoint_url": env_str("NERVEPATH_S3_ENDPOINT_URL") or None,
            "region_name": env_str("NERVEPATH_S3_REGION") or None,
            "access_key": env_str("NERVEPATH_S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("NERVEPATH_S3_SECRET_ACCESS_KEY") or None,
            "location": env_str("NERVEPATH_S3_PREFIX", "").strip("/"),
            # Private objects, reached only through short-lived signed URLs, and never
            # silently replaced by an upload with the same name.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
        },
    }
else:
    DEFAULT_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # No location: FileSystemStorage follows MEDIA_ROOT (also when tests override it).
        "OPTIONS": {"base_url": None},
    }
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Uploads above 2.5 MB go to a temp file, never whole into the web process's memory;
# the upload views then stream that file into storage in 1 MB chunks.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Nervepath Clinic <appointments@localhost>")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
# Seconds before an SMTP connection or answer counts as failed (the outbox retries it).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Sign-in hardening (README "Sign-in and sessions").
AXES_FAILURE_LIMIT = env_int("NERVEPATH_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("NERVEPATH_LOCKOUT_MINUTES", 15, minimum=1))
# Per account, whether or not it exists: an unknown email locks out the same way, so the
# lock-out page tells an attacker nothing.
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for the address in the lock-out too; guessing from one address across
# many accounts is limited by NERVEPATH_RATE_LOGIN instead (ratelimit.py), so a clinic's
# shared address (one NAT for the whole front desk) never locks everyone out.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_CALLABLE = "nervepath.accounts.lockout.username_from_request"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

OTP_TOTP_ISSUER = env_str("NERVEPATH_CLINIC_NAME", "Nervepath Clinic")
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3600, minimum=60)

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # A table every web machine shares (created by migration accounts/0002).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "nervepath_cache",
        }
    }

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Sessions live in the database (Django's default engine), so any web machine sharing
# the database can serve any signed-in person.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Content-Security-Policy (django-csp 4). The pages have no inline scripts or styles, so
# the policy is strict everywhere, development and tests included; the API docs page
# widens only what Swagger UI needs (see nervepath.api.routes).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
    }
}

NERVEPATH: ClinicSettings = {
    # Days between decompression of one leg and the other (DESIGN.md: about three
    # weeks); an appointment type may override it.
    "SECOND_LEG_MIN_DAYS": env_int("NERVEPATH_SECOND_LEG_MIN_DAYS", 21, minimum=0),
    "SLOT_STEP_MINUTES": env_int("NERVEPATH_SLOT_STEP_MINUTES", 15, minimum=5),
    "CLINIC_NAME": env_str("NERVEPATH_CLINIC_NAME", "Nervepath Clinic"),
    # Small practices may open every record to every clinician (see access/policy.py).
    "ALL_CLINICIANS_SEE_ALL": env_bool("NERVEPATH_ALL_CLINICIANS_SEE_ALL", False),
    # A clinician's care of a patient lapses this many days after the last visit that
    # conferred it, when no assignment is open (docs/security.md, care relationship).
    "CARE_LAPSE_DAYS": env_int("NERVEPATH_CARE_LAPSE_DAYS", 365, minimum=1),
    # A booking made without signing in holds its time this long, until it is confirmed
    # from the mailbox; then it lapses and the time is free again.
    "UNCONFIRMED_HOLD_MINUTES": env_int("NERVEPATH_UNCONFIRMED_HOLD_MINUTES", 30, minimum=5),
    # Emailed manage links stop working this long after the visit ended or was cancelled.
    "MANAGE_LINK_GRACE_HOURS": env_int("NERVEPATH_MANAGE_LINK_GRACE_HOURS", 24, minimum=0),
    # Largest document a patient or clinician may add (referral letters, lab results).
    "MAX_DOCUMENT_MB": env_int("NERVEPATH_MAX_DOCUMENT_MB", 20, minimum=1),
    # Largest night file (a 7-day 100 Hz .cwa is several hundred MB); streamed to storage.
    "MAX_RECORDING_MB": env_int("NERVEPATH_MAX_RECORDING_MB", 1024, minimum=1),
    # A running analysis whose worker has not renewed its lease for this long (the
    # worker died) is queued again (wearables/services.py).
    "ANALYSIS_LEASE_SECONDS": env_int("NERVEPATH_ANALYSIS_LEASE_SECONDS", 120, minimum=2),
    # Sessions end after this long without a request, by role, and this long after
    # sign-in whatever happens (accounts/middleware.py).
    "STAFF_IDLE_MINUTES": env_int("NERVEPATH_STAFF_IDLE_MINUTES", 15, minimum=1),
    "PATIENT_IDLE_MINUTES": env_int("NERVEPATH_PATIENT_IDLE_MINUTES", 30, minimum=1),
    "SESSION_MAX_HOURS": env_int("NERVEPATH_SESSION_MAX_HOURS", 12, minimum=1),
    # (requests, seconds) for the POSTs that ratelimit.py guards.
    "RATE_LIMITS": {
        "login": env_rate("NERVEPATH_RATE_LOGIN", "30/60"),
        "booking": env_rate("NERVEPATH_RATE_BOOKING", "30/60"),
        "upload": env_rate("NERVEPATH_RATE_UPLOAD", "20/60"),
    },
    # Reverse proxies in front of the app that append to X-Forwarded-For; 0 trusts
    # only REMOTE_ADDR (the client address used by rate limits).
    "PROXY_COUNT": env_int("NERVEPATH_PROXY_COUNT", 0, minimum=0),
    # A folder of licensed questionnaire wording, <instrument_id>.yaml or .json (see
    # docs/assessment.md); empty: the shipped text (placeholders for licensed items).
    "INSTRUMENT_WORDING_DIR": env_dir("NERVEPATH_INSTRUMENT_WORDING_DIR"),
    # How the IRLS is collected (issue 19): "clinician" (the clinician enters the ten item
    # scores from the licensed paper form in the visit), "self_report" (patients fill it
    # in the portal; needs the licensed wording in INSTRUMENT_WORDING_DIR, refused at
    # start-up without it) or "off". Never shown to patients without its wording.
    "IRLS_MODE": env_choice(
        "NERVEPATH_IRLS_MODE", "clinician", ("clinician", "self_report", "off")
    ),
    # Red flags (issue 19, inbox/): an urgent flag alerts the clinicians caring for the
    # patient during clinic hours (CLINIC_HOURS on CLINIC_DAYS, the clinic's zone), the
    # on-call address outside them; unacknowledged after URGENT_ACK_MINUTES it is
    # escalated to ALERT_ADMIN_EMAIL (empty: every active administrator).
    "ON_CALL_EMAIL": env_str("NERVEPATH_ON_CALL_EMAIL", ""),
    "ALERT_ADMIN_EMAIL": env_str("NERVEPATH_ALERT_ADMIN_EMAIL", ""),
    "URGENT_ACK_MINUTES": env_int("NERVEPATH_URGENT_ACK_MINUTES", 60, minimum=1),
    "CLINIC_HOURS": env_str("NERVEPATH_CLINIC_HOURS", "08:00-17:00"),
    "CLINIC_DAYS": env_list("NERVEPATH_CLINIC_DAYS", ["mon", "tue", "wed", "thu", "fri"]),
    # The work inbox (issue 18, inbox/): items are raised and closed where their cause
    # changes; a sweep on the task worker every INBOX_SWEEP_MINUTES catches what time
    # alone changes (a diary day passing, a follow-up's booking window opening).
    # Follow-ups show INBOX_FOLLOW_UP_LEAD_DAYS before their booking window opens.
    "INBOX_SWEEP_MINUTES": env_int("NERVEPATH_INBOX_SWEEP_MINUTES", 60, minimum=5),
    "INBOX_FOLLOW_UP_LEAD_DAYS": env_int("NERVEPATH_INBOX_FOLLOW_UP_LEAD_DAYS", 28, minimum=0),
    # A referral's "book a new-patient visit" item closes once a visit of this type
    # (appointment type slug) is booked for the patient (issue 20, notes/referrals).
    "NEW_PATIENT_TYPE": env_str("NERVEPATH_NEW_PATIENT_TYPE", "new-patient"),
    # Care pathway (pathway/). A diagnostic block's diary lasts DIARY_DAYS (day 1 = the
    # block); a day counts as relief at RELIEF_THRESHOLD % or more, and CANDIDATE_MIN_DAYS
    # such days in a row mark a likely surgical candidate (the clinic's practice: 5-7
    # days of relief; science/nerves/relief.py).
    "DIARY_DAYS": env_int("NERVEPATH_DIARY_DAYS", 14, minimum=1),
    "RELIEF_THRESHOLD": env_int("NERVEPATH_RELIEF_THRESHOLD", 50, minimum=1),
    "CANDIDATE_MIN_DAYS": env_int("NERVEPATH_CANDIDATE_MIN_DAYS", 5, minimum=1),
    # Diary reminders go out once a day from this local hour while days are missing.
    "DIARY_REMINDER_HOUR": env_int("NERVEPATH_DIARY_REMINDER_HOUR", 18, minimum=0),
    # Post-operative follow-ups, as days after surgery:label (DESIGN.md step 6: 2 weeks,
    # 3, 6 and 12 months), the appointment type they are booked as, how many days either
    # side of the due date the visit may fall, and the outcome questionnaires sent
    # QUESTIONNAIRE_LEAD_DAYS before it is due.
    "FOLLOW_UPS": env_list(
        "NERVEPATH_FOLLOW_UPS", ["14:2 weeks", "91:3 months", "182:6 months", "365:12 months"]
    ),
    "FOLLOW_UP_TYPE": env_str("NERVEPATH_FOLLOW_UP_TYPE", "post-op"),
    "FOLLOW_UP_WINDOW_DAYS": env_int("NERVEPATH_FOLLOW_UP_WINDOW_DAYS", 7, minimum=0),
    "QUESTIONNAIRE_LEAD_DAYS": env_int("NERVEPATH_QUESTIONNAIRE_LEAD_DAYS", 5, minimum=0),
    "OUTCOME_INSTRUMENTS": env_list(
        "NERVEPATH_OUTCOME_INSTRUMENTS", ["irls", "pain_nrs", "clinic_sleep"]
    ),
    # --- issue 22 (findings 3, 4, 7): ceilings and limits -------------------------------
    # One night analysis runs in a child process: stopped after this many seconds, or
    # when it needs more than this many MB beyond what the worker already holds
    # (wearables/sandbox.py); the night then says why and the queue moves on.
    "ANALYSIS_TIMEOUT_SECONDS": env_int("NERVEPATH_ANALYSIS_TIMEOUT_SECONDS", 600, minimum=1),
    "ANALYSIS_MEMORY_MB": env_int("NERVEPATH_ANALYSIS_MEMORY_MB", 3072, minimum=16),
    # Ceilings (finding 7): future visits a patient books online (signed in, by e-mail or
    # by the API; staff bookings are not bound), new patient accounts the public forms
    # create from one client address per day, and night-file bytes per patient per day.
    "MAX_FUTURE_ONLINE_VISITS": env_int("NERVEPATH_MAX_FUTURE_ONLINE_VISITS", 4, minimum=1),
    "NEW_ACCOUNTS_PER_IP_PER_DAY": env_int("NERVEPATH_NEW_ACCOUNTS_PER_IP_PER_DAY", 5, minimum=1),
    "UPLOAD_BYTES_PER_PATIENT_PER_DAY": env_int(
        "NERVEPATH_UPLOAD_BYTES_PER_PATIENT_PER_DAY", 2 * 1024**3, minimum=1
    ),
    # Research outputs (finding 3, research/disclosure.py): a cohort of fewer patients
    # than this gets no analysis, figure, report, export or study-code list, and any
    # count of 1 to this - 1 reads "<N" (CMS cell-size suppression policy: no cell of
    # 1 to 10 is shown, so 11).
    "RESEARCH_MIN_CELL": env_int("NERVEPATH_RESEARCH_MIN_CELL", 11, minimum=1),
    # Administrators see identities, so they reach the research pages only when this is
    # on or another administrator granted them research access (accounts.User
    # research_access, audited; docs/security.md "research-access rule").
    "ADMINS_DO_RESEARCH": env_bool("NERVEPATH_ADMINS_DO_RESEARCH", False),
    # Research analyses, documents and exports run on the task worker; a finished file
    # can be downloaded for this many hours, then it is deleted (research/jobs.py).
    "RESEARCH_DOWNLOAD_HOURS": env_int("NERVEPATH_RESEARCH_DOWNLOAD_HOURS", 24, minimum=1),
    # A running research job whose worker has not renewed its heartbeat for this long
    # (the worker died) is marked failed with a sentence (research/jobs.py).
    "RESEARCH_JOB_LEASE_SECONDS": env_int("NERVEPATH_RESEARCH_JOB_LEASE_SECONDS", 120, minimum=2),
    # --- end issue 22 (findings 3, 4, 7) -------------------------------------------------
    # --- Issue 17: the outbox and text messages (docs/messages.md) --------------------------
    # Failed sends are retried after OUTBOX_RETRY_SECONDS, doubling each time up to
    # OUTBOX_RETRY_MAX_SECONDS, and count as failed for good after OUTBOX_MAX_ATTEMPTS;
    # a send that has not finished after OUTBOX_CLAIM_SECONDS may be taken up again.
    "OUTBOX_RETRY_SECONDS": env_int("NERVEPATH_OUTBOX_RETRY_SECONDS", 60, minimum=1),
    "OUTBOX_RETRY_MAX_SECONDS": env_int("NERVEPATH_OUTBOX_RETRY_MAX_SECONDS", 3600, minimum=1),
    "OUTBOX_MAX_ATTEMPTS": env_int("NERVEPATH_OUTBOX_MAX_ATTEMPTS", 12, minimum=1),
    "OUTBOX_CLAIM_SECONDS": env_int("NERVEPATH_OUTBOX_CLAIM_SECONDS", 300, minimum=10),
    # Reminders and waitlist offers to a patient who agreed to texts: "text" (a text
    # instead of the e-mail) or "both" (a text and the e-mail).
    "TEXT_REMINDERS": env_choice("NERVEPATH_TEXT_REMINDERS", "text", ("text", "both")),
    # console (prints texts; development) or twilio.
    "TEXT_PROVIDER": env_choice("NERVEPATH_TEXT_PROVIDER", "console", ("console", "twilio")),
    "TWILIO_ACCOUNT_SID": env_str("NERVEPATH_TWILIO_ACCOUNT_SID"),
    "TWILIO_AUTH_TOKEN": env_str("NERVEPATH_TWILIO_AUTH_TOKEN"),
    "TWILIO_FROM": env_str("NERVEPATH_TWILIO_FROM"),
    "TWILIO_MESSAGING_SERVICE_SID": env_str("NERVEPATH_TWILIO_MESSAGING_SERVICE_SID"),
    "TWILIO_API_URL": env_str("NERVEPATH_TWILIO_API_URL", "https://api.twilio.com"),
    # Numbers written without a country code are read in this region (ISO 3166 code).
    "PHONE_REGION": env_str("NERVEPATH_PHONE_REGION", "US"),
    # The number HELP replies give (empty: none).
    "CLINIC_PHONE": env_str("NERVEPATH_CLINIC_PHONE"),
    # Bounces (docs/messages.md "Bounces"): each e-mail's envelope sender (SMTP MAIL FROM)
    # is BOUNCE_LOCAL_PART+<signed outbox id>@BOUNCE_DOMAIN (empty: DEFAULT_FROM_EMAIL, no
    # bounce is matched by address). The worker reads delivery reports every
    # BOUNCE_CHECK_SECONDS from a Maildir and/or an IMAP folder (empty: not read);
    # processed reports move to BOUNCE_IMAP_DONE_FOLDER (IMAP) or the ".Processed"
    # folder (Maildir).
    "BOUNCE_DOMAIN": env_str("NERVEPATH_BOUNCE_DOMAIN"),
    "BOUNCE_LOCAL_PART": env_str("NERVEPATH_BOUNCE_LOCAL_PART", "bounces"),
    "BOUNCE_CHECK_SECONDS": env_int("NERVEPATH_BOUNCE_CHECK_SECONDS", 300, minimum=10),
    "BOUNCE_MAILDIR": env_str("NERVEPATH_BOUNCE_MAILDIR"),
    "BOUNCE_IMAP_HOST": env_str("NERVEPATH_BOUNCE_IMAP_HOST"),
    "BOUNCE_IMAP_PORT": env_int("NERVEPATH_BOUNCE_IMAP_PORT", 993, minimum=1),
    "BOUNCE_IMAP_SSL": env_bool("NERVEPATH_BOUNCE_IMAP_SSL", True),
    "BOUNCE_IMAP_USER": env_str("NERVEPATH_BOUNCE_IMAP_USER"),
    "BOUNCE_IMAP_PASSWORD": env_str("NERVEPATH_BOUNCE_IMAP_PASSWORD"),
    "BOUNCE_IMAP_FOLDER": env_str("NERVEPATH_BOUNCE_IMAP_FOLDER", "INBOX"),
    "BOUNCE_IMAP_DONE_FOLDER": env_str("NERVEPATH_BOUNCE_IMAP_DONE_FOLDER", "Processed"),
}
# --- Issue 22, finding 8: break-glass ----------------------------------------------------
# Emergency accesses one clinician may open in any hour (docs/security.md); every grant
# is e-mailed to each active admin.
NERVEPATH["EMERGENCY_GRANTS_PER_HOUR"] = env_int(
    "NERVEPATH_EMERGENCY_GRANTS_PER_HOUR", 3, minimum=1
)
# --- end of break-glass --------------------------------------------------------------------

if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", NERVEPATH["CLINIC_HOURS"]):
    raise ImproperlyConfigured('NERVEPATH_CLINIC_HOURS is "HH:MM-HH:MM", e.g. "08:00-17:00".')
if set(NERVEPATH["CLINIC_DAYS"]) - {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}:
    raise ImproperlyConfigured("NERVEPATH_CLINIC_DAYS lists days as mon,tue,...,sun.")
if not 1 <= NERVEPATH["RELIEF_THRESHOLD"] <= 100:
    raise ImproperlyConfigured("NERVEPATH_RELIEF_THRESHOLD is a percentage from 1 to 100.")
# The session cookie and row never outlive the absolute limit.
SESSION_COOKIE_AGE = NERVEPATH["SESSION_MAX_HOURS"] * 3600

LOG_LEVEL = env_choice("LOG_LEVEL", "warning", ("debug", "info", "warning", "error")).upper()
# Logs never carry request bodies or query strings (they may hold patient data): no
# mail_admins handler (it attaches the whole request), and every message passes a
# filter that cuts query strings out of quoted paths (nervepath.config.logfilters).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_query_strings": {"()": "nervepath.config.logfilters.RedactQueryStrings"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["no_query_strings"],
            "formatter": "plain",
        }
    },
    "loggers": {
        # Replace Django's defaults (which add mail_admins and a request-line format).
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
