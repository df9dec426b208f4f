# SPDX-License-Identifier: AGPL-3.0-or-later
"""Print the current two-step sign-in code of a demo staff account (development only)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from nervepath.accounts import twofactor
from nervepath.accounts.models import User
from nervepath.demo import accounts as demo


class Command(BaseCommand):
    help = "Print the current authenticator code for a demo account (DEBUG or NERVEPATH_DEV)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="a demo account, e.g. frontdesk@demo.nervepath.org")

    def handle(self, *args: object, **options: object) -> None:
        if not (settings.DEBUG or getattr(settings, "DEV", False)):
            raise CommandError("demo_totp only runs with DEBUG=1 or NERVEPATH_DEV=1.")
        email = str(options["email"]).strip().lower()
        user = User.objects.filter(email=email).first()
        device = twofactor.confirmed_totp(user) if user is not None else None
        if device is None or not demo.is_demo_device(device):
            raise CommandError(
                f"{email} is not a demo account with the demo authenticator "
                "(run `nervepath seed_demo` first)."
            )
        self.stdout.write(twofactor.current_code(device))
