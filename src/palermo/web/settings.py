"""The one settings module of palermo.web, read from environment variables.

Every variable (all optional):

| variable | default | meaning |
|---|---|---|
| ``PALERMO_DATA_DIR`` | ``./var`` | SQLite file, generated secret key, field-key file |
| ``PALERMO_DATABASE_URL`` | empty: SQLite | ``postgres://user:password@host:port/dbname`` |
| ``PALERMO_DATABASE_CONN_MAX_AGE`` | 60 (PostgreSQL), 600 (SQLite) | seconds a connection is kept |
| ``PALERMO_SECRET_KEY`` / ``_FILE`` | generated file | Django's signing key |
| ``PALERMO_FIELD_KEYS`` / ``_FILE`` | generated file | field-encryption keys, newest first |
| ``PALERMO_STATIC_ROOT`` | unset | ``collectstatic`` target (else served from the package) |
| ``PALERMO_DEBUG`` | ``false`` | never true at a post |
| ``PALERMO_ALLOWED_HOSTS`` | ``127.0.0.1,localhost`` | host names the server answers to |
| ``PALERMO_SECURE_COOKIES`` | ``false`` | set true behind HTTPS |
| ``PALERMO_SESSION_IDLE_MINUTES`` | ``30`` | sessions end after this much inactivity |
| ``PALERMO_AUDIT_KEY_FILE`` | ``<data dir>/audit-keys`` | HMAC keys of the audit log |
| ``PALERMO_AUDIT_CHECKPOINT_FILE`` | ``<data dir>/audit-checkpoints`` | signed chain heads |
| ``PALERMO_AUDIT_CHECKPOINT_EVERY`` | ``100`` | entries between checkpoints |
| ``PALERMO_SESSION_MAX_HOURS`` | ``12`` | ... and this long after the log-in, however active |
| ``PALERMO_API_TOKEN_DAYS`` | ``90`` | an API token expires this long after it is made |
| ``PALERMO_OTP_ISSUER`` | ``Palermo`` | the name authenticator apps show for the second factor |
| ``PALERMO_NATIONAL_AGENCY`` | empty | code of the national body's agency (administers all) |
| ``PALERMO_ACTION_PLAN`` | bundled example | YAML of the action plan's indicators (reports) |
| ``PALERMO_OVERRIDE_SHARE_DAYS`` | ``30`` | a share without consent ends then, unless renewed |
| ``PALERMO_NRM_FIRST_STAGE_DAYS`` | ``5`` | days for the first-stage decision |
| ``PALERMO_NRM_RECOVERY_DAYS`` | ``30`` | recovery period (30 or more; less is refused) |
| ``PALERMO_NRM_RECONSIDERATION_DAYS`` | ``14`` | days to answer a request for reconsideration |
| ``PALERMO_CERTIFICATE_PASS_PERCENT`` | ``70`` | a certificate's mark: test after, exercises |
| ``PALERMO_CERTIFICATE_VALID_DAYS`` | ``730`` | a training certificate is valid this long |
| ``PALERMO_CERTIFICATE_REMINDER_DAYS`` | ``60`` | the holder is told this long before the end |
| ``PALERMO_CERTIFICATE_REMINDERS_DAILY`` | ``true`` | the task worker sends those reminders daily |
| ``PALERMO_CERTIFICATE_REQUIRED_FOR`` | both grants | need a valid certificate (or a reason) |
| ``PALERMO_NRM_OVERDUE_DAILY`` | ``true`` | daily: decisions past their deadline to both agencies |
| ``PALERMO_PROFILE_REVIEW_NOTICE_DAYS`` | ``30`` | outcomes sent this long before review |
| ``PALERMO_PROFILE_REVIEWS_DAILY`` | ``true`` | sent daily, once per review date |
| ``PALERMO_APPROVAL_TRAFFIC_DAYS`` | ``30`` | approval figures from these last days' traffic ... |
| ``PALERMO_APPROVAL_MIN_SCREENED`` | ``1000`` | ... if this many were screened (else synthetic) |
| ``PALERMO_DISPARITY_MIN_CONTROL`` | ``20`` | control travellers a group needs for its base rate |
| ``PALERMO_LOGIN_MAX_FAILURES`` | ``5`` | failed log-ins per user name and address ... |
| ``PALERMO_LOGIN_WINDOW_MINUTES`` | ``15`` | ... within this window lock that pair ... |
| ``PALERMO_LOGIN_LOCKOUT_MINUTES`` | ``15`` | ... for this long |
| ``PALERMO_LOGIN_ATTEMPTS_PER_ADDRESS`` | ``10`` | log-ins per address a minute (429) |
| ``PALERMO_LOGIN_PASSWORD_CHECKS_AT_ONCE`` | ``1`` | password checks at once, per process |
| ``PALERMO_LOGIN_PASSWORD_CHECKS_WAITING`` | ``3`` | log-ins waiting for one; more get 429 |
| ``PALERMO_TRUSTED_PROXIES`` | empty | proxies whose ``X-Forwarded-For`` counts |
| ``PALERMO_PROXY_SSL_HEADER`` | ``false`` | believe ``X-Forwarded-Proto`` |
| ``PALERMO_HTTPS_REDIRECT`` | ``false`` | redirect plain HTTP to HTTPS |
| ``PALERMO_HSTS_SECONDS`` | ``0`` | ``Strict-Transport-Security`` max-age (0: no header) |
| ``PALERMO_HSTS_INCLUDE_SUBDOMAINS`` / ``_PRELOAD`` | ``false`` | the header's two flags |
| ``PALERMO_CSRF_TRUSTED_ORIGINS`` | empty | origins that may post |
| ``PALERMO_TASK_WORKER_STALE_SECONDS`` | ``30`` | a silent task worker is dead after this |
| ``PALERMO_TASK_MAX_ATTEMPTS`` | ``3`` | runs of a task cut short before it is failed |
| ``PALERMO_RETENTION_DAILY`` | ``true`` | the task worker masks past-retention records daily |
| ``PALERMO_REFERRAL_ESCALATION`` | ``true`` | hourly: overdue referrals to sender's supervisors |
| ``PALERMO_REFERRAL_RESPONSE_HOURS`` | empty | ``service=hours,...``: answer times per service |
| ``PALERMO_REQUEST_MAX_BYTES`` | 2.5 MiB | largest request body of a page without a file |
| ``PALERMO_UPLOAD_MEMORY_BYTES`` | 2.5 MiB | larger uploads are sealed into ``uploads/incoming`` |
| ``PALERMO_PROFILE_MAX_BYTES`` | 100 kB | a profile or named-list file |
| ``PALERMO_WATCHLIST_MAX_BYTES`` | 20 MiB | a watchlist file |
| ``PALERMO_MANIFEST_MAX_BYTES`` | 200 MiB | a manifest for batch screening |
| ``PALERMO_ATTACHMENT_MAX_BYTES`` | 10 MiB | a file attached to a case |
| ``PALERMO_MANIFEST_MAX_ROWS`` | 1,000,000 | travellers in one manifest (Parquet: its metadata) |
| ``PALERMO_MANIFEST_MAX_DECOMPRESSED_BYTES`` | 1 GiB | Parquet data once decompressed |
| ``PALERMO_NOTIFY_BY_EMAIL`` | ``false`` | also e-mail each notification to its readers |
| ``PALERMO_EMAIL_BACKEND`` | console | Django e-mail backend (``smtp``, ``console`` or a path) |
| ``PALERMO_EMAIL_HOST`` / ``_PORT`` / ``_USER`` / ``_USE_TLS`` | localhost / 25 / - / no | SMTP |
| ``PALERMO_EMAIL_PASSWORD`` / ``_FILE`` | empty | the SMTP password |
| ``PALERMO_EMAIL_FROM`` | ``palermo@localhost`` | the sender of those e-mails |
| ``PALERMO_SITE_URL`` | empty | the address the e-mails' links start with |
| ``PALERMO_PAGE_RUN_MAX_ROWS`` | 100,000 | travellers of a file a page runs in the request |

A malformed value raises ``ConfigurationError`` naming the variable; suspicious but workable
configurations are reported by system checks (``palermo.E001`` ...; see ``web/lib/checks.py``).
"""

from __future__ import annotations

from pathlib import Path

from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from palermo.web.lib.env import (
    ConfigurationError,
    env_bool,
    env_hours_by_key,
    env_int,
    env_list,
    env_months,
    env_networks,
    env_secret,
    env_str,
    parse_database_url,
    secret_from_file,
)

WEB_DIR = Path(__file__).resolve().parent

DATA_DIR = Path(env_str("PALERMO_DATA_DIR", "var")).resolve()

DEBUG = env_bool("PALERMO_DEBUG", False)
ALLOWED_HOSTS = env_list("PALERMO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
SECRET_KEY = env_secret("PALERMO_SECRET_KEY") or secret_from_file(DATA_DIR / "secret-key")

# Field-encryption keys: read lazily by palermo.web.lib.crypto (the key file is created on
# first use, not at import time, so that `manage.py check` never writes a key by accident).
FIELD_KEYS = env_secret("PALERMO_FIELD_KEYS")
FIELD_KEY_FILE = DATA_DIR / "field-keys"

# The audit log's HMAC keys and the signed checkpoints of its head live outside the database
# (web/audit/keys.py, web/audit/checkpoints.py); both files are created 0600.
AUDIT_KEY_FILE = Path(env_str("PALERMO_AUDIT_KEY_FILE", str(DATA_DIR / "audit-keys")))
AUDIT_CHECKPOINT_FILE = Path(
    env_str("PALERMO_AUDIT_CHECKPOINT_FILE", str(DATA_DIR / "audit-checkpoints"))
)
AUDIT_CHECKPOINT_EVERY = env_int("PALERMO_AUDIT_CHECKPOINT_EVERY", 100, minimum=1)

SQLITE_INIT_COMMAND = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"

_database_url = env_str("PALERMO_DATABASE_URL", "")
if _database_url:
    _db = parse_database_url("PALERMO_DATABASE_URL", _database_url)
    DATABASES = {
        "default": {
            "ENGINE": _db.engine,
            "NAME": _db.name,
            "USER": _db.user,
            "PASSWORD": _db.password,
            "HOST": _db.host,
            "PORT": _db.port,
            "OPTIONS": _db.options,
            "CONN_MAX_AGE": env_int("PALERMO_DATABASE_CONN_MAX_AGE", 60, minimum=0),
            # a persistent connection is checked before a request reuses it (server restarts)
            "CONN_HEALTH_CHECKS": True,
            "TEST": {"NAME": env_str("PALERMO_TEST_DATABASE_NAME", f"test_{_db.name}")},
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "palermo.web.lib.queued_sqlite3",  # Django's, writers queued (issue 14)
            "NAME": DATA_DIR / "palermo.sqlite3",
            # several waitress threads write the audit chain; wait instead of failing.
            # WAL: readers never wait for the writer; synchronous=NORMAL: a commit appends to
            # the log without an fsync (the file stays consistent after a crash; a power cut
            # can lose the last commits, never corrupt older ones).
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": SQLITE_INIT_COMMAND,
            },
            # one connection per server thread, kept between requests
            "CONN_MAX_AGE": env_int("PALERMO_DATABASE_CONN_MAX_AGE", 600, minimum=0),
            "CONN_HEALTH_CHECKS": True,
            # a file, not memory: the plaintext test reads the bytes the database stores
            "TEST": {"NAME": str(DATA_DIR / "test-palermo.sqlite3")},
        }
    }

# Background work (batch screening, watchlist index builds, scheduled retention) runs through
# django-tasks with its database backend: a task is a row in the same database, enqueued in the
# same transaction as the work it stands for, run by `palermo serve`'s embedded worker or by
# `palermo web worker` processes (palermo.web.jobs adds heartbeats and crash recovery).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
TASK_WORKER_STALE_SECONDS = env_int("PALERMO_TASK_WORKER_STALE_SECONDS", 30, minimum=5)
TASK_MAX_ATTEMPTS = env_int("PALERMO_TASK_MAX_ATTEMPTS", 3, minimum=1, maximum=10)
RETENTION_DAILY = env_bool("PALERMO_RETENTION_DAILY", True)
REFERRAL_ESCALATION = env_bool("PALERMO_REFERRAL_ESCALATION", True)
# hours a receiving agency has to answer a referral, per service ("shelter=12,legal_aid=96"),
# replacing referrals.models.RESPONSE_TIME's defaults; an unknown service is palermo.E020
REFERRAL_RESPONSE_HOURS = env_hours_by_key("PALERMO_REFERRAL_RESPONSE_HOURS")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "palermo.web.lib",
    "palermo.web.jobs",
    "palermo.web.accounts",
    "palermo.web.audit",
    "palermo.web.cases",
    "palermo.web.consular",
    "palermo.web.api",
    "palermo.web.profiles",
    "palermo.web.screening",
    "palermo.web.interviews",
    "palermo.web.agreements",
    "palermo.web.retention",
    "palermo.web.administration",
    "palermo.web.watchlists",
    "palermo.web.exports",
    "palermo.web.exchange",
    "palermo.web.notifications",
    "palermo.web.workqueue",
    "palermo.web.directory",
    "palermo.web.nrm",
    "palermo.web.reports",
    "palermo.web.outcomes",
    "palermo.web.referrals",
    "palermo.web.children",
    "palermo.web.academy",
    "palermo.web.certificates",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "palermo.web.lib.security.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "palermo.web.lib.uploads.BodyLimitMiddleware",  # before anything reads a body
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "palermo.web.lib.permissions.DenyByDefaultMiddleware",
    "palermo.web.lib.errors.DomainErrorMiddleware",
]

ROOT_URLCONF = "palermo.web.urls"
WSGI_APPLICATION = "palermo.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [WEB_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "palermo.web.lib.nav.role_context",
                "palermo.web.notifications.context.unread_notifications",
            ],
        },
    }
]

# Argon2 first: new and re-hashed passwords use it; the others only verify old hashes.
PASSWORD_HASHERS = [
    # Django's Argon2 with one lane (see there); it verifies Django's 8-lane hashes too
    "palermo.web.accounts.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "palermo.web.accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_IDLE_MINUTES = env_int("PALERMO_SESSION_IDLE_MINUTES", 30, minimum=1, maximum=24 * 60)
# Saving on every request moves the expiry forward: the session ends after inactivity.
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# However active, a session ends this long after the log-in (lib/login_steps.py).
SESSION_MAX_HOURS = env_int("PALERMO_SESSION_MAX_HOURS", 12, minimum=1, maximum=7 * 24)
PASSWORD_CHANGE_URL = "accounts:password_change"  # noqa: S105  (a URL name)
SECOND_FACTOR_URL = "accounts:second_factor"
# the issuer shown in authenticator apps beside the user name
OTP_TOTP_ISSUER = env_str("PALERMO_OTP_ISSUER", "Palermo")
API_TOKEN_DAYS = env_int("PALERMO_API_TOKEN_DAYS", 90, minimum=1, maximum=3 * 365)
SECURE_COOKIES = env_bool("PALERMO_SECURE_COOKIES", False)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
CSRF_TRUSTED_ORIGINS = env_list("PALERMO_CSRF_TRUSTED_ORIGINS", [])
TRUSTED_PROXIES = env_networks("PALERMO_TRUSTED_PROXIES")
# Believe X-Forwarded-Proto only when a proxy sets it (checked: palermo.W005 without proxies).
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("PALERMO_PROXY_SSL_HEADER", False) else None
)
SECURE_SSL_REDIRECT = env_bool("PALERMO_HTTPS_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("PALERMO_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("PALERMO_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("PALERMO_HSTS_PRELOAD", False)
# Only our own files: htmx and the stylesheet are served from /static/, pages carry no inline
# script or style (htmx's own indicator style is off, see base.html), forms post to us only.
# The API documentation (Swagger UI, served locally) draws its icons from data: URIs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
    }
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# The national body's agency code: its administrators manage every agency's accounts (what
# they ask for in another agency waits for that agency's administrators). Empty: none.
NATIONAL_AGENCY = env_str("PALERMO_NATIONAL_AGENCY", "")
# the action plan whose indicators the reports page compares with their targets (YAML)
ACTION_PLAN = env_str("PALERMO_ACTION_PLAN", "")

# A case shared without consent (supervisor override) stays shared this many days unless a
# supervisor renews it with a reason.
OVERRIDE_SHARE_DAYS = env_int("PALERMO_OVERRIDE_SHARE_DAYS", 30, minimum=1, maximum=365)

# The national referral mechanism's clock (nrm app). The country's own figures: days for the
# first-stage (reasonable grounds) decision after a referral; the recovery and reflection period
# a positive first-stage decision starts (Council of Europe Convention Art. 13: at least 30
# days, so fewer is refused at start-up); days to answer a request for reconsideration.
NRM_FIRST_STAGE_DAYS = env_int("PALERMO_NRM_FIRST_STAGE_DAYS", 5, minimum=1, maximum=365)
NRM_RECOVERY_DAYS = env_int("PALERMO_NRM_RECOVERY_DAYS", 30, minimum=30, maximum=3 * 365)
NRM_RECONSIDERATION_DAYS = env_int("PALERMO_NRM_RECONSIDERATION_DAYS", 14, minimum=1, maximum=365)
# daily (06:00): a decision past its deadline is announced to both agencies, once (nrm/tasks.py)
NRM_OVERDUE_DAILY = env_bool("PALERMO_NRM_OVERDUE_DAILY", True)

# Consular return: follow-ups after a national's return fall due this many months after
# arrival (consular/services.py); a daily task announces those that fell due.
RETURN_FOLLOWUP_MONTHS = env_months("PALERMO_RETURN_FOLLOWUP_MONTHS", [3, 6, 12])
RETURN_FOLLOWUP_DAILY = env_bool("PALERMO_RETURN_FOLLOWUP_DAILY", True)

# Training certificates (certificates app): the mark a trainee needs in the test after the
# course and, when the course has scenarios, as the mean of their scored exercises; how long a
# certificate is valid.
CERTIFICATE_PASS_PERCENT = env_int("PALERMO_CERTIFICATE_PASS_PERCENT", 70, minimum=1, maximum=100)
CERTIFICATE_VALID_DAYS = env_int("PALERMO_CERTIFICATE_VALID_DAYS", 730, minimum=1, maximum=3650)
# ... and this many days before its end the holder is told to take a refresher (daily task).
CERTIFICATE_REMINDER_DAYS = env_int("PALERMO_CERTIFICATE_REMINDER_DAYS", 60, minimum=1, maximum=365)
CERTIFICATE_REMINDERS_DAILY = env_bool("PALERMO_CERTIFICATE_REMINDERS_DAILY", True)
# The role and the qualification an administrator gives only to the holder of a valid
# certificate of a course that taught it (certificates/rules.py), or with a recorded reason.
_CERTIFIED_GRANTS = ("second_line_interviewer", "child_interview")  # lib/certificate_rule.py
CERTIFICATE_REQUIRED_FOR = [
    g for g in env_list("PALERMO_CERTIFICATE_REQUIRED_FOR", list(_CERTIFIED_GRANTS)) if g != "none"
]
if set(CERTIFICATE_REQUIRED_FOR) - set(_CERTIFIED_GRANTS):
    raise ConfigurationError(
        "PALERMO_CERTIFICATE_REQUIRED_FOR: each item must be one of "
        f"{', '.join(_CERTIFIED_GRANTS)}, or 'none'"
    )

# Notifications by e-mail (notifications/mail.py), off unless asked for: each notification is
# also sent, after its transaction commits, to the e-mail address of every active reader who
# has one, in English and Chinese, with the link to its page. Only what the inbox shows goes
# (references and labels, never a person's data). The console backend (the demo) prints them.
NOTIFY_BY_EMAIL = env_bool("PALERMO_NOTIFY_BY_EMAIL", False)
_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
_email_backend = env_str("PALERMO_EMAIL_BACKEND", "console")
EMAIL_BACKEND = _EMAIL_BACKENDS.get(_email_backend, _email_backend)
EMAIL_HOST = env_str("PALERMO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("PALERMO_EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("PALERMO_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_secret("PALERMO_EMAIL_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("PALERMO_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("PALERMO_EMAIL_FROM", "palermo@localhost")
SITE_URL = env_str("PALERMO_SITE_URL", "").rstrip("/")

# Bounded input: a body larger than its view allows is refused (413) before it is read
# (lib/uploads.py); the files Palermo writes are 0600 in 0700 folders (lib/apps.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("PALERMO_REQUEST_MAX_BYTES", 2_621_440, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("PALERMO_UPLOAD_MEMORY_BYTES", 2_621_440, minimum=0)
FILE_UPLOAD_TEMP_DIR = str(DATA_DIR / "uploads" / "incoming")
# a larger upload is sealed (AES-256-GCM) as it arrives, never written in plain text: see
# lib/upload_handlers.py
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "palermo.web.lib.upload_handlers.SealedUploadHandler",
]
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
PROFILE_MAX_BYTES = env_int("PALERMO_PROFILE_MAX_BYTES", 100_000, minimum=1000)
WATCHLIST_MAX_BYTES = env_int("PALERMO_WATCHLIST_MAX_BYTES", 20 * 1024 * 1024, minimum=1000)
MANIFEST_MAX_BYTES = env_int("PALERMO_MANIFEST_MAX_BYTES", 200 * 1024 * 1024, minimum=1000)
ATTACHMENT_MAX_BYTES = env_int("PALERMO_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1000)
MANIFEST_MAX_ROWS = env_int("PALERMO_MANIFEST_MAX_ROWS", 1_000_000, minimum=1)
MANIFEST_MAX_DECOMPRESSED_BYTES = env_int(
    "PALERMO_MANIFEST_MAX_DECOMPRESSED_BYTES", 1024**3, minimum=1000
)

LOGIN_MAX_FAILURES = env_int("PALERMO_LOGIN_MAX_FAILURES", 5, minimum=1)
# Counted in the database every server process shares, one small write per attempt: a flood of
# log-ins is refused before any password is hashed (see accounts/throttle.py).
LOGIN_ATTEMPTS_PER_ADDRESS = env_int("PALERMO_LOGIN_ATTEMPTS_PER_ADDRESS", 10, minimum=1)
# Password checks (Argon2: 100 MiB and about a quarter of a second of one core each) one at a
# time in a server process, with at most this many log-ins waiting for their turn; more are
# refused at once (429), so that log-ins never hold more than a few of the server's threads
# nor more than one core, whatever the addresses (accounts/throttle.py).
LOGIN_PASSWORD_CHECKS_AT_ONCE = env_int("PALERMO_LOGIN_PASSWORD_CHECKS_AT_ONCE", 1, minimum=1)
LOGIN_PASSWORD_CHECKS_WAITING = env_int("PALERMO_LOGIN_PASSWORD_CHECKS_WAITING", 3, minimum=0)
# Django's default; nothing in Palermo caches through it (the log-in limit is in the database)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# screening records without a referral or case are masked after this many days
SCREENING_RETENTION_DAYS = env_int("PALERMO_SCREENING_RETENTION_DAYS", 183, minimum=1)
# Issue 11. The random control sample: of every 100,000 travellers screened without a hit, how
# many on average are drawn (at the desk, in the API and in batches) for the same first-line
# look as a hit: the only unbiased estimate of the base rate and of what the profiles miss.
CONTROL_SAMPLE_PER_100000 = env_int(
    "PALERMO_CONTROL_SAMPLE_PER_100000", 500, minimum=0, maximum=100_000
)
# A draft backtested on stored screenings (outcomes/backtest.py) is estimated only when at
# least this many control-sample travellers of the period stand for those without a hit.
BACKTEST_MIN_CONTROL = env_int("PALERMO_BACKTEST_MIN_CONTROL", 100, minimum=1)
# a population file backtested or mined on a page runs in the request: about 15 s for 100,000
# travellers on a loaded two-core machine (README); larger files go to the command line
PAGE_RUN_MAX_ROWS = env_int("PALERMO_PAGE_RUN_MAX_ROWS", 100_000, minimum=1)
# A profile is flagged for review when even the upper 95% bound of its yield (possible or
# presumed victims per 100,000 travellers screened) is below this floor.
PROFILE_YIELD_FLOOR_PER_100000 = env_int("PALERMO_PROFILE_YIELD_FLOOR_PER_100000", 1, minimum=0)
# A group's selection rate over everyone else's, in percent, above which (or below whose
# inverse) a profile is flagged for disparity unless its yield differs as much.
DISPARITY_RATIO_PERCENT = env_int("PALERMO_DISPARITY_RATIO_PERCENT", 125, minimum=101)
# The yield that must match a selection ratio is the group's base rate from the control sample
# when it holds at least this many travellers of the group and of everyone else; with fewer,
# the victims the profiles found (which follow selection), and the pages say so.
DISPARITY_MIN_CONTROL = env_int("PALERMO_DISPARITY_MIN_CONTROL", 20, minimum=1)
# At approval (issue 11 item 2) a version is backtested on the screenings stored in the last
# this many days when they hold enough for an estimate (BACKTEST_MIN_CONTROL control travellers
# and APPROVAL_MIN_SCREENED screened), else on the synthetic reference population.
APPROVAL_TRAFFIC_DAYS = env_int("PALERMO_APPROVAL_TRAFFIC_DAYS", 30, minimum=1)
APPROVAL_MIN_SCREENED = env_int("PALERMO_APPROVAL_MIN_SCREENED", 1000, minimum=1)
# A profile's outcomes are sent to its holders this many days before its review date (issue 11
# item 3), once per review date, by the daily task profile-reviews-daily.
PROFILE_REVIEW_NOTICE_DAYS = env_int("PALERMO_PROFILE_REVIEW_NOTICE_DAYS", 30, minimum=0)
PROFILE_REVIEWS_DAILY = env_bool("PALERMO_PROFILE_REVIEWS_DAILY", True)
LOGIN_WINDOW_MINUTES = env_int("PALERMO_LOGIN_WINDOW_MINUTES", 15, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("PALERMO_LOGIN_LOCKOUT_MINUTES", 15, minimum=1)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [WEB_DIR / "locale"]
USE_I18N = True
# dates in the page's language: {{ d|date:"DATE_FORMAT" }} / "DATETIME_FORMAT" in templates
FORMAT_MODULE_PATH = ["palermo.web.formats"]
USE_TZ = True
TIME_ZONE = env_str("PALERMO_TIME_ZONE", "UTC")

STATIC_URL = "static/"
# Production may run `collectstatic` into PALERMO_STATIC_ROOT; without it whitenoise serves
# the files straight from the package (embedded use, the demo, tests).
_static_root = env_str("PALERMO_STATIC_ROOT", "")
STATIC_ROOT = Path(_static_root).resolve() if _static_root else None
STATICFILES_DIRS = [WEB_DIR / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

CASE_LIST_PAGE_SIZE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("PALERMO_LOG_LEVEL", "WARNING")},
}
