"""Create (or update) an editor account: ``manage.py create_editor alice --email a@x.org [--publisher]``."""

import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

PASSWORD_VARIABLE = "EDITOR_PASSWORD"


class Command(BaseCommand):
    help = (
        "Create a staff account in the Editor group (or Publisher with --publisher). The password is "
        f"asked for, or read from the {PASSWORD_VARIABLE} environment variable with --no-input. "
        "Running it for an existing user updates the role (and the password if one is given)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--publisher", action="store_true", help="Also let this person publish, unpublish, delete and revert."
        )
        parser.add_argument(
            "--no-input",
            action="store_false",
            dest="interactive",
            help=f"Do not prompt; take the password from ${PASSWORD_VARIABLE} (or set none for an existing user).",
        )

    def handle(self, *args, username, email, publisher, interactive, **options):
        User = get_user_model()
        try:
            groups = [Group.objects.get(name="Editor")]
            if publisher:
                groups.append(Group.objects.get(name="Publisher"))
        except Group.DoesNotExist as error:
            raise CommandError("The Editor and Publisher groups are missing: run `manage.py migrate` first.") from error

        user = User.objects.filter(username=username).first()
        candidate = user or User(username=username, email=email)
        password = self.read_password(candidate, interactive, required=user is None)

        with transaction.atomic():
            if user is None:
                user = User.objects.create_user(username=username, email=email, password=password)
                created = True
            else:
                created = False
                if email:
                    user.email = email
                if password:
                    user.set_password(password)
            user.is_staff = True
            user.is_active = True
            user.save()
            if not publisher:
                user.groups.remove(*Group.objects.filter(name="Publisher"))
            user.groups.add(*groups)

        role = "Publisher" if publisher else "Editor"
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} {role} account “{username}”. Log in at /admin/."))

    def read_password(self, user, interactive, required):
        password = os.environ.get(PASSWORD_VARIABLE, "")
        if not password and interactive:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        if not password:
            if required:
                raise CommandError(f"A new account needs a password: type it, or set ${PASSWORD_VARIABLE}.")
            return ""
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        return password
