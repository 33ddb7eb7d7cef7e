"""The record itself: eras, counterparts, relation status periods, missions, heads of mission, events."""

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length, Upper
from django.db.models.lookups import Exact
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..dates import format_date
from ..links import slug_url
from ..querysets import (
    CountryManager,
    EraManager,
    EventManager,
    HeadOfMissionManager,
    MissionManager,
    RelationPeriodManager,
)
from .base import (
    Citation,
    ContentModel,
    DateClaim,
    choice_label,
    drafts_index,
    nulls_last_indexes,
    precision_field,
    publication_known,
)


def end_after_start(start, end, name):
    return models.CheckConstraint(
        condition=Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gt": F(start)}),
        name=name,
        violation_error_message=_("The end must come after the start."),
    )


class Citable(models.Model):
    citations = GenericRelation(Citation)
    date_claims = GenericRelation(DateClaim)

    # Date fields for which editors may record competing, cited claims.
    claimable_date_fields = ()

    class Meta:
        abstract = True


class Era(ContentModel, Citable):
    """A period of Afghan statehood and foreign policy. Eras do not overlap; an
    event or status belongs to an era by its date."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    starts_on = models.DateField(_("starts on"), db_index=True)
    starts_on_precision = precision_field(_("precision of start"))
    ends_on = models.DateField(
        _("ends on"), null=True, blank=True, db_index=True, help_text=_("Leave empty while the era continues.")
    )
    ends_on_precision = precision_field(_("precision of end"))
    summary = models.CharField(_("summary"), max_length=400, help_text=_("One or two plain sentences for lists."))
    narrative = models.TextField(_("narrative"), help_text=_("Markdown. Written in our own words, with citations."))

    objects = EraManager()
    history = HistoricalRecords()

    claimable_date_fields = ("starts_on", "ends_on")

    class Meta:
        ordering = ("starts_on",)
        constraints = [end_after_start("starts_on", "ends_on", "era_ends_after_start"), publication_known("era")]
        indexes = [drafts_index("era")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return slug_url("relations:era-detail", self.slug)

    def natural_key(self):
        return (self.slug,)

    @property
    def span_display(self):
        start = format_date(self.starts_on, self.starts_on_precision)
        end = format_date(self.ends_on, self.ends_on_precision) if self.ends_on else _("present")
        return f"{start} – {end}"

    def clean(self):
        super().clean()
        self.clean_precise_dates(("starts_on", "starts_on_precision"), ("ends_on", "ends_on_precision"))
        if self.starts_on and self.ends_on and self.ends_on <= self.starts_on:
            raise ValidationError({"ends_on": _("The end must come after the start.")})
        if self.starts_on:
            clash = Era.objects.overlapping(self.starts_on, self.ends_on).exclude(pk=self.pk).first()
            if clash:
                raise ValidationError(
                    _("Eras may not overlap: this one overlaps %(era)s (%(span)s).")
                    % {"era": clash.name, "span": clash.span_display}
                )


class CountryKind(models.TextChoices):
    STATE = "state", _("state")
    FORMER_STATE = "former_state", _("former state")
    ORGANISATION = "organisation", _("international organisation")


class Region(models.TextChoices):
    AFRICA = "africa", _("Africa")
    AMERICAS = "americas", _("Americas")
    ASIA = "asia", _("Asia")
    EUROPE = "europe", _("Europe")
    OCEANIA = "oceania", _("Oceania")


class Country(ContentModel, Citable):
    """A counterpart of Afghanistan: a present state, a former state, or an international organisation."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=150, unique=True)
    official_name = models.CharField(_("official name"), max_length=250, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=CountryKind.choices, db_index=True)
    iso2 = models.CharField(
        _("ISO 3166 alpha-2"),
        max_length=2,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Two-letter code; ISO 3166-3 former codes for former states (e.g. SU). Empty for organisations."),
    )
    iso3 = models.CharField(_("ISO 3166 alpha-3"), max_length=3, unique=True, null=True, blank=True)
    iso_numeric = models.CharField(_("ISO 3166 numeric"), max_length=3, unique=True, null=True, blank=True)
    region = models.CharField(
        _("region"),
        max_length=8,
        choices=Region.choices,
        blank=True,
        db_index=True,
        help_text=_("The continent the record groups it under. Empty for worldwide organisations."),
    )
    successors = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="predecessors",
        verbose_name=_("successor states"),
        help_text=_("For a former state: the present states that took its place."),
    )
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    dissolved_on_precision = precision_field(_("precision of dissolution"))
    summary = models.TextField(_("summary"), blank=True, help_text=_("Markdown. Afghanistan's relations in brief."))

    objects = CountryManager()
    history = HistoricalRecords(m2m_fields=[successors])

    class Meta:
        ordering = ("name",)
        verbose_name_plural = _("countries")
        constraints = [
            models.CheckConstraint(
                condition=Q(iso2__isnull=True) | Q(Exact(Length("iso2"), 2), iso2=Upper("iso2")),
                name="country_iso2_upper",
                violation_error_message=_("ISO alpha-2 codes are two capital letters."),
            ),
            models.CheckConstraint(
                condition=Q(iso3__isnull=True) | Q(Exact(Length("iso3"), 3), iso3=Upper("iso3")),
                name="country_iso3_upper",
                violation_error_message=_("ISO alpha-3 codes are three capital letters."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="organisation") | Q(iso2__isnull=True),
                name="country_organisation_has_no_iso_code",
                violation_error_message=_("International organisations have no ISO 3166 code."),
            ),
            publication_known("country"),
        ]
        # The published countries in name order: lists of missions walk them and stop after a page.
        indexes = [models.Index(fields=("publication", "name")), drafts_index("country")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return slug_url("relations:country-detail", self.slug)

    @property
    def status_on_label(self):
        """The reader's label of ``status_on``, the status annotated by ``CountryQuerySet.with_status_on``."""
        status = getattr(self, "status_on", None)
        return choice_label(RelationPeriod._meta.get_field("status"), status, get_language()) if status else ""

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        super().clean()
        for field in ("iso2", "iso3", "iso_numeric"):
            value = getattr(self, field)
            setattr(self, field, value.strip().upper() or None if value else None)
        self.clean_precise_dates(("dissolved_on", "dissolved_on_precision"))
        if self.dissolved_on and self.kind == CountryKind.STATE:
            raise ValidationError(
                {"dissolved_on": _("A present state has no dissolution date; mark it a former state.")}
            )
        if self.iso2 == "AF":
            raise ValidationError({"iso2": _("Afghanistan is the subject of this record, not a counterpart.")})


class RelationStatus(models.TextChoices):
    DIPLOMATIC = "diplomatic", _("diplomatic relations")
    RECOGNITION = "recognition", _("recognition without diplomatic relations")
    INFORMAL = "informal", _("informal contact")
    SUSPENDED = "suspended", _("suspended")
    SEVERED = "severed", _("severed")
    NONE = "none", _("no relations")


class RelationPeriod(ContentModel, Citable):
    """A stretch of time during which Afghanistan's relations with one counterpart had one status.

    Periods of one counterpart never overlap; the status on a date is the period
    in force that day, and relations were established at the start of the first
    period of diplomatic relations.
    """

    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="relation_periods", verbose_name=_("country")
    )
    status = models.CharField(_("status"), max_length=11, choices=RelationStatus.choices, db_index=True)
    starts_on = models.DateField(_("starts on"), db_index=True)
    starts_on_precision = precision_field(_("precision of start"))
    ends_on = models.DateField(
        _("ends on"), null=True, blank=True, db_index=True, help_text=_("Leave empty while the status holds.")
    )
    ends_on_precision = precision_field(_("precision of end"))
    summary = models.TextField(_("summary"), blank=True, help_text=_("Markdown. What happened, in a sentence or two."))

    objects = RelationPeriodManager()
    history = HistoricalRecords()

    claimable_date_fields = ("starts_on", "ends_on")

    class Meta:
        ordering = ("country__name", "starts_on")
        verbose_name = _("relation status period")
        constraints = [
            end_after_start("starts_on", "ends_on", "relationperiod_ends_after_start"),
            models.UniqueConstraint(fields=("country", "starts_on"), name="relationperiod_one_start_per_country"),
            publication_known("relationperiod"),
        ]
        indexes = [
            models.Index(fields=("country", "starts_on", "ends_on")),
            # Counting the published periods of published countries reads this index alone.
            models.Index(fields=("publication", "country")),
            # When relations were established: a country's first diplomatic period, one index seek.
            models.Index(fields=("country", "status", "starts_on")),
            drafts_index("relationperiod"),
            # The API's list by start, either way (``StableOrderingFilter``).
            models.Index(fields=("publication", "starts_on", "id"), name="relationperiod_start_order_idx"),
        ]

    def __str__(self):
        return f"{self.country}: {self.get_status_display()} ({self.span_display})"

    def get_absolute_url(self):
        return self.country.get_absolute_url()

    def natural_key(self):
        return (self.country.slug, self.status, self.starts_on.isoformat())

    natural_key.dependencies = ["relations.country"]

    @property
    def span_display(self):
        start = format_date(self.starts_on, self.starts_on_precision)
        end = format_date(self.ends_on, self.ends_on_precision) if self.ends_on else _("present")
        return f"{start} – {end}"

    def clean(self):
        super().clean()
        self.clean_precise_dates(("starts_on", "starts_on_precision"), ("ends_on", "ends_on_precision"))
        if self.starts_on and self.ends_on and self.ends_on <= self.starts_on:
            raise ValidationError({"ends_on": _("The end must come after the start.")})
        if self.starts_on and self.country_id:
            clash = (
                RelationPeriod.objects.filter(country_id=self.country_id)
                .overlapping(self.starts_on, self.ends_on)
                .exclude(pk=self.pk)
                .first()
            )
            if clash:
                raise ValidationError(
                    _("Status periods of one country may not overlap: this one overlaps “%(period)s”.")
                    % {"period": clash}
                )


class MissionDirection(models.TextChoices):
    IN_AFGHANISTAN = "in_afghanistan", _("foreign mission in Afghanistan")
    OF_AFGHANISTAN = "of_afghanistan", _("Afghan mission abroad")


class MissionKind(models.TextChoices):
    EMBASSY = "embassy", _("embassy")
    CONSULATE_GENERAL = "consulate_general", _("consulate general")
    CONSULATE = "consulate", _("consulate")
    PERMANENT_MISSION = "permanent_mission", _("permanent mission")
    LIAISON_OFFICE = "liaison_office", _("liaison office")
    HONORARY_CONSULATE = "honorary_consulate", _("honorary consulate")
    LEGATION = "legation", _("legation")
    UN_MISSION = "un_mission", _("UN mission")


class MissionStatus(models.TextChoices):
    OPEN = "open", _("open")
    SUSPENDED = "suspended", _("operations suspended")
    CLOSED = "closed", _("closed")


class AfghanGovernment(models.TextChoices):
    EMIRATE_KINGDOM = "kingdom", _("Emirate and Kingdom of Afghanistan (to 1973)")
    REPUBLIC = "republic", _("Republic of Afghanistan (1973–1978)")
    DEMOCRATIC_REPUBLIC = "dra", _("Democratic Republic of Afghanistan (1978–1992)")
    ISLAMIC_STATE = "islamic_state", _("Islamic State of Afghanistan (1992–2001)")
    FIRST_EMIRATE = "first_emirate", _("Taliban Islamic Emirate (1996–2001)")
    ISLAMIC_REPUBLIC = "islamic_republic", _("Islamic Republic of Afghanistan (2001–2021)")
    ISLAMIC_EMIRATE = "islamic_emirate", _("Islamic Emirate of Afghanistan (2021–)")


# Cities an Afghan mission abroad can never be in.
AFGHAN_CITIES = frozenset(
    {"kabul", "kandahar", "herat", "mazar-i-sharif", "mazar-e-sharif", "jalalabad", "kunduz", "ghazni", "bamyan"}
)


class Mission(ContentModel, Citable):
    """An embassy, consulate or other office: a foreign mission in Afghanistan or an Afghan mission abroad.

    ``country`` is the counterpart: the sending state or organisation for a mission
    in Afghanistan, the host state or organisation for an Afghan mission abroad.
    """

    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="missions", verbose_name=_("country"))
    direction = models.CharField(_("direction"), max_length=14, choices=MissionDirection.choices, db_index=True)
    kind = models.CharField(_("kind"), max_length=18, choices=MissionKind.choices, db_index=True)
    city = models.CharField(_("city"), max_length=100, db_index=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True, db_index=True)
    opened_on_precision = precision_field(_("precision of opening"))
    closed_on = models.DateField(
        _("closed on"), null=True, blank=True, db_index=True, help_text=_("Leave empty while the mission is open.")
    )
    closed_on_precision = precision_field(_("precision of closing"))
    status = models.CharField(
        _("status"), max_length=9, choices=MissionStatus.choices, default=MissionStatus.OPEN, db_index=True
    )
    staff_represent = models.CharField(
        _("staff represent"),
        max_length=16,
        choices=AfghanGovernment.choices,
        blank=True,
        db_index=True,
        help_text=_("For an Afghan mission abroad: which Afghan government its staff answer to now."),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    website = models.URLField(_("website"), max_length=500, blank=True)
    summary = models.TextField(_("summary"), blank=True, help_text=_("Markdown."))

    objects = MissionManager()
    history = HistoricalRecords()

    claimable_date_fields = ("opened_on", "closed_on")

    class Meta:
        # By counterpart, then direction and city: lists walk the countries in name order.
        ordering = ("country__name", "direction", "city")
        constraints = [
            end_after_start("opened_on", "closed_on", "mission_closes_after_opening"),
            models.CheckConstraint(
                condition=Q(status="closed") | Q(closed_on__isnull=True),
                name="mission_closing_date_only_when_closed",
                violation_error_message=_("Only a closed mission has a closing date."),
            ),
            models.CheckConstraint(
                condition=Q(direction="of_afghanistan") | Q(staff_represent=""),
                name="mission_staff_only_for_afghan_missions",
                violation_error_message=_("Only an Afghan mission abroad has staff representing an Afghan government."),
            ),
            publication_known("mission"),
        ]
        indexes = [
            # Counting the published missions of published countries reads this index alone, and so do
            # the keys of a page of the lists, which walk the countries by name and each one's missions
            # in the lists' order (direction, city, id) without sorting them or reading their rows.
            models.Index(fields=("publication", "country", "direction", "city", "id")),
            # A country's missions one way, in the lists' order (the home page's missions in Kabul), and
            # their statuses, which the home page counts from this index alone.
            models.Index(fields=("publication", "direction", "country", "city", "status")),
            drafts_index("mission"),
            # The API's list by opening or closing date, either way (``StableOrderingFilter``).
            *nulls_last_indexes("mission", "opened_on"),
            *nulls_last_indexes("mission", "closed_on"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        # Missions are listed, with their heads, on their counterpart's page.
        return f"{self.country.get_absolute_url()}#mission-{self.slug}"

    def natural_key(self):
        return (self.slug,)

    @property
    def name(self):
        kind = self.get_kind_display()
        if self.direction == MissionDirection.OF_AFGHANISTAN:
            return f"{capfirst(kind)} of Afghanistan in {self.city} ({self.country.name})"
        return f"{capfirst(kind)} of {self.country.name} in {self.city}"

    def clean(self):
        super().clean()
        self.clean_precise_dates(("opened_on", "opened_on_precision"), ("closed_on", "closed_on_precision"))
        errors = {}
        if self.opened_on and self.closed_on and self.closed_on <= self.opened_on:
            errors["closed_on"] = _("The mission must close after it opened.")
        if self.closed_on and self.status != MissionStatus.CLOSED:
            errors["status"] = _("A mission with a closing date must have the status “closed”.")
        if self.direction == MissionDirection.OF_AFGHANISTAN and (self.city or "").strip().lower() in AFGHAN_CITIES:
            errors["city"] = _("An Afghan mission abroad cannot be located in Afghanistan.")
        if self.direction == MissionDirection.IN_AFGHANISTAN and self.staff_represent:
            errors["staff_represent"] = _("Only Afghan missions abroad have staff representing an Afghan government.")
        if errors:
            raise ValidationError(errors)


class HeadOfMission(ContentModel, Citable):
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="heads", verbose_name=_("mission"))
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title"), max_length=120, help_text=_("e.g. Ambassador, Chargé d'affaires a.i."))
    started_on = models.DateField(_("started on"), null=True, blank=True, db_index=True)
    started_on_precision = precision_field(_("precision of start"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True, db_index=True)
    ended_on_precision = precision_field(_("precision of end"))

    objects = HeadOfMissionManager()
    history = HistoricalRecords()

    claimable_date_fields = ("started_on", "ended_on")

    class Meta:
        # The mission's id, not its own ordering, which would join missions and countries.
        ordering = ("mission_id", "started_on")
        # The API's list, in that order, stopping after a page (``querysets.mission_visible``).
        indexes = [
            models.Index(fields=["publication", "mission", "started_on", "id"], name="headofmission_list_idx"),
            drafts_index("headofmission"),
            # The API's list ordered by name, read along this index either way (``StableOrderingFilter``).
            models.Index(fields=("publication", "name", "id"), name="headofmission_name_order_idx"),
            *nulls_last_indexes("headofmission", "started_on"),
        ]
        verbose_name = _("head of mission")
        verbose_name_plural = _("heads of mission")
        constraints = [
            end_after_start("started_on", "ended_on", "headofmission_ends_after_start"),
            publication_known("headofmission"),
        ]

    def __str__(self):
        return f"{self.name}, {self.title}"

    def get_absolute_url(self):
        return self.mission.get_absolute_url()

    def natural_key(self):
        return (self.mission.slug, self.name, self.started_on.isoformat() if self.started_on else None)

    natural_key.dependencies = ["relations.mission"]

    @property
    def span_display(self):
        start = format_date(self.started_on, self.started_on_precision) if self.started_on else "?"
        end = format_date(self.ended_on, self.ended_on_precision) if self.ended_on else ""
        return f"{start} – {end}"

    def clean(self):
        super().clean()
        self.clean_precise_dates(("started_on", "started_on_precision"), ("ended_on", "ended_on_precision"))
        if self.started_on and self.ended_on and self.ended_on <= self.started_on:
            raise ValidationError({"ended_on": _("The end must come after the start.")})


class EventKind(models.TextChoices):
    TREATY = "treaty", _("treaty or agreement")
    RECOGNITION = "recognition", _("recognition")
    RELATIONS_ESTABLISHED = "relations_established", _("relations established")
    RELATIONS_SEVERED = "relations_severed", _("relations broken off")
    RELATIONS_RESTORED = "relations_restored", _("relations restored")
    MISSION_OPENED = "mission_opened", _("mission opened")
    MISSION_CLOSED = "mission_closed", _("mission closed")
    ENVOY_ACCREDITED = "envoy_accredited", _("envoy accredited")
    VISIT = "visit", _("visit")
    CONFLICT = "conflict", _("conflict")
    UN_ACTION = "un_action", _("United Nations action")
    CHANGE_OF_GOVERNMENT = "change_of_government", _("change of government")
    OTHER = "other", _("other")


class Event(ContentModel, Citable):
    """A dated happening in Afghanistan's foreign relations, with the counterparts involved."""

    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=250)
    date = models.DateField(_("date"), db_index=True)
    date_precision = precision_field(_("precision of date"))
    kind = models.CharField(_("kind"), max_length=21, choices=EventKind.choices, db_index=True)
    summary = models.TextField(_("summary"), blank=True, help_text=_("Markdown. What happened and why it matters."))
    countries = models.ManyToManyField(Country, blank=True, related_name="events", verbose_name=_("countries"))

    objects = EventManager()
    history = HistoricalRecords(m2m_fields=[countries])

    claimable_date_fields = ("date",)

    class Meta:
        ordering = ("date", "title")
        # The events list in reading order; with the id, a deep page's keys are an index-only scan.
        indexes = [
            models.Index(fields=("publication", "date", "title", "id")),
            drafts_index("event"),
            # The API's list ordered by title, read along this index either way (``StableOrderingFilter``).
            models.Index(fields=("publication", "title", "id"), name="event_title_order_idx"),
        ]
        constraints = [publication_known("event")]

    def __str__(self):
        return f"{self.date_display}: {self.title}"

    def get_absolute_url(self):
        return slug_url("relations:event-detail", self.slug)

    @property
    def era_url(self):
        """The page of the era the event falls in (``with_era()`` annotates ``era_slug``)."""
        return slug_url("relations:era-detail", self.era_slug) if getattr(self, "era_slug", None) else ""

    def natural_key(self):
        return (self.slug,)

    @property
    def date_display(self):
        return format_date(self.date, self.date_precision)

    @property
    def era(self):
        return Era.objects.published().containing(self.date).first()

    def clean(self):
        super().clean()
        self.clean_precise_dates(("date", "date_precision"))
