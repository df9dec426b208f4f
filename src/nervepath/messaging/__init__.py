# SPDX-License-Identifier: AGPL-3.0-or-later
"""Every message the clinic sends, e-mail or text: a durable outbox the task worker
delivers with retries (outbox.py), the text providers (texts.py) and patients' consent
to texts (consent.py). See docs/messages.md."""
