"""What every content record shares: publication, history, versions, citations and date claims."""

import unicodedata
from functools import cache, lru_cache

from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import IsNull
from django.utils.encoding import force_str
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from stdnum import isbn as stdnum_isbn
from stdnum.exceptions import ValidationError as NumberError

from ..dates import Precision, format_date, validate_precision
from ..links import slug_url
from ..querysets import CitationQuerySet, PublishableManager


class Publication(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")


def publication_known(model_name):
    """Every record is in one of the publication states: so a draft is any record whose state is one of
    ``querysets.UNPUBLISHED``, which an index can find, rather than any record not published, which it cannot."""
    return models.CheckConstraint(
        condition=Q(publication__in=Publication.values),
        name=f"{model_name}_publication_known",
        violation_error_message=_("Unknown publication state."),
    )


def nulls_last(name, descending=False):
    """The order of ``name`` with empty values last, as ``nulls_last_indexes`` index it on either database.

    Spelled ``(name IS NULL), name``: an explicit NULLS LAST has an index on PostgreSQL only ascending (a
    backward scan gives NULLS FIRST) and on SQLite only descending (its indexes cannot say NULLS LAST).
    """
    column = F(name)
    return [IsNull(column, True).asc(), column.desc() if descending else column.asc()]


def nulls_last_indexes(model_name, name):
    """The published records in ``nulls_last(name)`` order, one index a direction, the id last in the same
    direction (``StableOrderingFilter`` orders the API's lists so)."""
    return [
        models.Index(
            F("publication"),
            *nulls_last(name, descending),
            F("id").desc() if descending else F("id"),
            name=f"{model_name}_{name}_{'desc' if descending else 'asc'}",
        )
        for descending in (False, True)
    ]


def drafts_index(model_name):
    """The newest drafts of a kind (the editors' dashboard) as one walk along an index that stops after a
    few: along ``updated_at`` alone the walk read every published record on its way to the drafts."""
    return models.Index(fields=("publication", "updated_at"), name=f"{model_name}_drafts_idx")


def precision_field(verbose_name):
    return models.CharField(
        verbose_name,
        max_length=5,
        choices=Precision.choices,
        default=Precision.DAY,
        help_text=_("How much of the date the sources give: year, month or exact day."),
    )


@cache
def choice_labels(field):
    """{value: label} of a field with choices, built once per field."""
    return dict(field.flatchoices)


@lru_cache(maxsize=4096)
def choice_label(field, value, language):
    """The label of one choice in one language (the language is part of the key, not read here)."""
    return force_str(choice_labels(field).get(value, value), strings_only=True)


class ContentModel(models.Model):
    """Abstract base of every record readers can see.

    A record is public only once ``publication`` is ``published``; the queryset
    method ``published()`` is the one place that rule is applied. ``version`` grows
    by one on every save, so an edit made on a stale form can be detected and refused.
    """

    publication = models.CharField(
        _("publication"),
        max_length=9,
        choices=Publication.choices,
        default=Publication.DRAFT,
        db_index=True,
        help_text=_("Drafts are visible to staff only. Publishers make a record public."),
    )
    unverified = models.BooleanField(
        _("unverified"),
        default=False,
        help_text=_("Tick while a fact still lacks a reliable source. Unverified records cannot be published."),
    )
    editor_notes = models.TextField(
        _("notes for editors"), blank=True, help_text=_("Never shown to readers: open questions, to-dos, doubts.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = PublishableManager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self.version += 1
        super().save(*args, **kwargs)

    def _get_FIELD_display(self, field):
        # Django rebuilds a dict of every choice on each get_<field>_display() call, and translates the
        # label on each; a page listing fifty records called it hundreds of times.
        return choice_label(field, getattr(self, field.attname), get_language())

    @property
    def is_published(self):
        return self.publication == Publication.PUBLISHED

    def clean(self):
        super().clean()
        if self.is_published and self.unverified:
            raise ValidationError(
                {"publication": _("An unverified record cannot be published: verify it against a source first.")}
            )

    def clean_precise_dates(self, *pairs):
        """Check each (date field, precision field) pair and that an end follows its start."""
        errors = {}
        for date_field, precision_field_name in pairs:
            try:
                validate_precision(getattr(self, date_field), getattr(self, precision_field_name))
            except ValidationError as error:
                errors[date_field] = error.messages
        if errors:
            raise ValidationError(errors)


class SourceKind(models.TextChoices):
    BOOK = "book", _("book")
    CHAPTER = "chapter", _("book chapter")
    ARTICLE = "article", _("journal article")
    NEWS = "news", _("news article")
    WEB = "web", _("web page")
    GOVERNMENT = "government", _("government document")
    UN = "un", _("United Nations document")
    DATASET = "dataset", _("dataset")
    ENCYCLOPEDIA = "encyclopedia", _("encyclopedia entry")


SORT_KEY_LENGTH = 500


def bibliography_key(authors, title):
    """Where a work files in the bibliography: by its first author, or by its title when it has none.

    One alphabet for all works, as a printed bibliography files anonymous works by title among the
    authors, rather than every anonymous work before the first author. Case and accents do not count
    ("Ćwik" files as "Cwik", "de Gaulle" among the D's), nor do quotation marks or brackets before the
    first letter ("'Confusion, disappointment'" files under C).
    """
    text = unicodedata.normalize("NFKD", (authors or "").strip() or (title or ""))
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    start = next((i for i, char in enumerate(text) if char.isalnum()), len(text))
    return text[start:][:SORT_KEY_LENGTH]


class Source(ContentModel):
    """A work that the record cites: a book, an article, a web page, an official document."""

    slug = models.SlugField(_("slug"), max_length=120, unique=True, help_text=_("Short identifier, e.g. adamec-1967."))
    kind = models.CharField(_("kind"), max_length=12, choices=SourceKind.choices, db_index=True)
    authors = models.CharField(
        _("authors"),
        max_length=500,
        blank=True,
        help_text=_("Surname, Given names; separate several authors with semicolons. Leave empty for institutions."),
    )
    title = models.CharField(_("title"), max_length=500)
    container_title = models.CharField(
        _("in"), max_length=300, blank=True, help_text=_("Journal, newspaper, website or book the work appears in.")
    )
    publisher = models.CharField(_("publisher"), max_length=300, blank=True)
    place = models.CharField(_("place of publication"), max_length=200, blank=True)
    published_on = models.DateField(_("date of publication"), null=True, blank=True)
    published_on_precision = precision_field(_("precision of publication date"))
    url = models.URLField(_("URL"), max_length=1000, blank=True)
    archive_url = models.URLField(
        _("archived copy"), max_length=1000, blank=True, help_text=_("A web archive copy of the URL.")
    )
    accessed_on = models.DateField(_("accessed on"), null=True, blank=True)
    isbn = models.CharField(_("ISBN"), max_length=17, blank=True)
    pages = models.CharField(_("pages"), max_length=50, blank=True, help_text=_("Page range or number of pages."))
    # Kept by save() from the authors and title (bibliography_key); the order of every list of sources.
    sort_key = models.CharField(_("filed under"), max_length=SORT_KEY_LENGTH, editable=False, default="")

    history = HistoricalRecords()

    class Meta:
        ordering = ("sort_key", "title")
        # The one permission that makes a Publisher: it covers every kind of record.
        permissions = [("publish_content", "Can publish and unpublish any record")]
        # The bibliography page: published sources in their reading order.
        indexes = [
            models.Index(fields=("title",)),
            # The sources list in reading order; with the id, a deep page's keys are an index-only scan.
            models.Index(fields=("publication", "sort_key", "title", "id")),
            # The admin's list of every source, drafts included, in the same order: a page is read
            # from the index instead of sorting the whole table for each page.
            models.Index(fields=("sort_key", "title", "id")),
            drafts_index("source"),
            # The API's list ordered by authors, by title, by date of publication, each read along its index
            # either way (``StableOrderingFilter``).
            models.Index(fields=("publication", "authors", "id"), name="source_authors_order_idx"),
            models.Index(fields=("publication", "title", "id"), name="source_title_order_idx"),
            *nulls_last_indexes("source", "published_on"),
        ]
        constraints = [publication_known("source")]

    def __str__(self):
        return f"{self.authors}, {self.title}" if self.authors else self.title

    def save(self, *args, **kwargs):
        self.sort_key = bibliography_key(self.authors, self.title)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"authors", "title"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "sort_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return slug_url("relations:source-detail", self.slug)

    def natural_key(self):
        return (self.slug,)

    @property
    def published_display(self):
        return format_date(self.published_on, self.published_on_precision)

    def clean(self):
        super().clean()
        self.clean_precise_dates(("published_on", "published_on_precision"))
        if self.url and not self.url.startswith(("http://", "https://")):
            raise ValidationError({"url": _("Only http and https links are allowed.")})
        if self.archive_url and not self.archive_url.startswith(("http://", "https://")):
            raise ValidationError({"archive_url": _("Only http and https links are allowed.")})
        if self.isbn:
            try:
                stdnum_isbn.validate(self.isbn)
            except NumberError as error:
                raise ValidationError(
                    {
                        "isbn": _("“%(isbn)s” is not a valid ISBN-10 or ISBN-13 (%(reason)s).")
                        % {"isbn": self.isbn, "reason": error.message.rstrip(".").lower()}
                    }
                ) from error


class Citation(models.Model):
    """One footnote: a source cited by any record, with a page or section and an optional quote."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations", verbose_name=_("source"))
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    locator = models.CharField(
        _("page or section"), max_length=200, blank=True, help_text=_("e.g. p. 42, pp. 10–12, ch. 3, §5.")
    )
    quote = models.TextField(_("quote"), blank=True, help_text=_("The words of the source that support the claim."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = CitationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ("content_type", "object_id", "order", "pk")
        indexes = [models.Index(fields=("content_type", "object_id"))]
        constraints = [
            models.UniqueConstraint(
                fields=("content_type", "object_id", "source", "locator"), name="citation_unique_per_record"
            )
        ]

    def __str__(self):
        return f"{self.source} {self.locator}".strip()


class DateClaim(models.Model):
    """What one or more sources say a date was, when sources disagree.

    A record's own date column holds the preferred claim (it is what queries and
    pages use); the claims keep every version with its citations, and at most one
    claim per record and field is preferred. ``services.prefer_claim`` keeps the
    two in step.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    field = models.CharField(_("date field"), max_length=40, help_text=_("Which date of the record this is about."))
    date = models.DateField(_("date"))
    precision = precision_field(_("precision"))
    is_preferred = models.BooleanField(_("preferred"), default=False)
    note = models.TextField(_("note"), blank=True, help_text=_("Why sources differ, or why this claim is preferred."))
    citations = GenericRelation(Citation)

    history = HistoricalRecords()

    class Meta:
        ordering = ("content_type", "object_id", "field", "-is_preferred", "date")
        indexes = [models.Index(fields=("content_type", "object_id", "field"))]
        constraints = [
            models.UniqueConstraint(
                fields=("content_type", "object_id", "field"),
                condition=Q(is_preferred=True),
                name="dateclaim_one_preferred_per_field",
            ),
            models.UniqueConstraint(
                fields=("content_type", "object_id", "field", "date", "precision"),
                name="dateclaim_unique_value",
            ),
        ]

    def __str__(self):
        marker = " (preferred)" if self.is_preferred else ""
        return f"{self.field}: {format_date(self.date, self.precision)}{marker}"

    @property
    def display(self):
        return format_date(self.date, self.precision)

    def clean(self):
        super().clean()
        try:
            validate_precision(self.date, self.precision)
        except ValidationError as error:
            raise ValidationError({"date": error.messages}) from error
        target = self.content_object
        if target is not None and self.field not in getattr(target, "claimable_date_fields", ()):
            raise ValidationError({"field": _("This record has no date called %(field)s.") % {"field": self.field}})
