"""Helpers for the API tests: role accounts as the admin defines them, and API clients."""

from django.contrib.auth.models import Group, Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from relations import models

from .factories import UserFactory

CONTENT_MODELS = (
    models.Era,
    models.Country,
    models.RelationPeriod,
    models.Mission,
    models.HeadOfMission,
    models.Event,
    models.Source,
    models.Citation,
    models.DateClaim,
)


def role_group(name):
    """Editor: add, change, delete (drafts) and view every record. Publisher: that, and publish."""
    group, _ = Group.objects.get_or_create(name=name)
    codenames = [
        f"{action}_{model._meta.model_name}"
        for model in CONTENT_MODELS
        for action in ("add", "change", "delete", "view")
    ]
    if name == "Publisher":
        codenames.append("publish_content")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="relations", codename__in=codenames))
    return group


def make_user(role):
    """``role`` is one of anonymous, reader, editor, publisher, superuser; None for anonymous."""
    if role == "anonymous":
        return None
    if role == "superuser":
        user = UserFactory(username="root", is_superuser=True, is_staff=True)
    else:
        user = UserFactory(username=role, is_staff=role != "reader")
    # The factory sets the password after saving; store it so session logins hold.
    user.save()
    if role in ("editor", "publisher"):
        user.groups.add(role_group(role.capitalize()))
    return user


def client_for(user, *, token=True):
    client = APIClient()
    if user is not None:
        if token:
            client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
        else:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content
