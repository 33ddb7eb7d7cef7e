"""Reading and writing the record in the ``fixtures/`` format.

Fixtures are YAML files, each ``{model: <name>, records: [...]}``. Records are
matched on their natural key, so no database ids appear anywhere (a head of mission on
mission, name and start; a person given one term on mission and name alone, so that
sourcing or correcting the start of their term updates their row). Dates are
written as the sources give them (``1919``, ``"1919-03"``, ``1919-03-27``) and the
precision follows from the form. Citations and date claims sit inside the record
they support. A record's fields are set to the fixture's values; citations,
claims and heads of mission the fixture names are added or updated, and nothing
the fixture does not name is deleted.
"""

import datetime
import re
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, transaction

from .dates import Precision
from .models import Citation, Country, DateClaim, Era, Event, HeadOfMission, Mission, RelationPeriod, Source
from .services import publication_problems

# Loading order: every model only refers to models above it.
MODELS = {
    "source": Source,
    "era": Era,
    "country": Country,
    "relationperiod": RelationPeriod,
    "mission": Mission,
    "event": Event,
}
NESTED_KEYS = {"citations", "date_claims", "heads", "successors", "countries"}
# Kept by the database, never written in a fixture.
SKIPPED_FIELDS = {"id", "created_at", "updated_at", "version", "sort_key"}
CHANGE_REASON = "load_content"


class FixtureError(Exception):
    pass


@dataclass
class LoadReport:
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)
    unchanged: dict = field(default_factory=dict)

    def count(self, bucket, label):
        getattr(self, bucket)[label] = getattr(self, bucket).get(label, 0) + 1

    @property
    def changed(self):
        return bool(self.created or self.updated)


def parse_date(value):
    """``(date, precision)`` from 1919, "1919", "1919-03", "1919-03-27" or a YAML date."""
    if value is None or value == "":
        return None, Precision.DAY
    if isinstance(value, datetime.date):
        return value, Precision.DAY
    text = str(value).strip()
    try:
        if re.fullmatch(r"\d{4}", text):
            return datetime.date(int(text), 1, 1), Precision.YEAR
        if re.fullmatch(r"\d{4}-\d{2}", text):
            return datetime.date.fromisoformat(f"{text}-01"), Precision.MONTH
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return datetime.date.fromisoformat(text), Precision.DAY
    except ValueError as error:
        raise FixtureError(f"“{value}” is not a real date ({error})") from error
    raise FixtureError(f"“{value}” is not a date (write YYYY, YYYY-MM or YYYY-MM-DD)")


def format_fixture_date(value, precision):
    if value is None:
        return None
    if precision == Precision.YEAR:
        return f"{value.year:04d}"
    if precision == Precision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def date_fields(model):
    """Names of the date fields of ``model`` that have a ``<name>_precision`` companion."""
    names = {f.name for f in model._meta.concrete_fields}
    return [name for name in names if f"{name}_precision" in names]


def fixture_key(model, data):
    """What names a record in the fixtures: its slug, or for a status period its country and start."""
    if model is RelationPeriod:
        return data["country"], parse_date(data.get("starts_on"))[0]
    return data["slug"]


def natural_lookup(model, data):
    key = fixture_key(model, data)
    if model is RelationPeriod:
        country, starts_on = key
        return {"country": Country.objects.get(slug=country), "starts_on": starts_on}
    return {"slug": key}


def record_values(model, data):
    """Field values for ``model`` from a fixture record, with dates split into value and precision.

    The fixture is the whole truth about the records it names: a field it leaves out
    goes back to its default, so deleting a line (``unverified: true``) takes effect.
    """
    fields = {f.name: f for f in model._meta.concrete_fields}
    values = {
        name: field_obj.get_default()
        for name, field_obj in fields.items()
        if name not in data and name not in SKIPPED_FIELDS and not field_obj.is_relation
    }
    for key, raw in data.items():
        if key in NESTED_KEYS:
            continue
        if key not in fields:
            raise FixtureError(f"unknown field “{key}”")
        if key in date_fields(model):
            values[key], values[f"{key}_precision"] = parse_date(raw)
        elif fields[key].is_relation:
            values[key] = fields[key].related_model.objects.get(slug=raw)
        elif raw is None and not fields[key].null:
            values[key] = ""
        else:
            values[key] = raw
    return values


class Loader:
    def __init__(self, directory):
        self.directory = Path(directory)
        self.report = LoadReport()

    def files(self):
        """Fixture files grouped in loading order, each file's records as read."""
        by_model = {name: [] for name in MODELS}
        for path in sorted(self.directory.glob("*.yaml")):
            try:
                document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as error:
                raise FixtureError(f"{path.name}: not valid YAML: {error}") from error
            name = document.get("model")
            if name not in MODELS:
                raise FixtureError(f"{path.name}: “model” must be one of {', '.join(MODELS)}, not {name!r}")
            by_model[name].append((path, document.get("records") or []))
        return by_model

    @transaction.atomic
    def load(self):
        links = []
        first_seen = {}
        for name, files in self.files().items():
            for path, records in files:
                for number, data in enumerate(records, start=1):
                    with self.blame(path, number, data):
                        self.check_named_once(first_seen, MODELS[name], data, f"{path.name}, record {number}")
                        obj = self.load_record(MODELS[name], data)
                    links += [(path, number, data, obj, key) for key in ("successors", "countries") if key in data]
        # Links last: a former state may name successors that come later in the file.
        for path, number, data, obj, key in links:
            with self.blame(path, number, data):
                self.sync_m2m(obj, key, data[key] or [])
        return self.report

    @staticmethod
    def check_named_once(first_seen, model, data, place):
        """Refuse a record that another record of the load already names: the second would
        silently overwrite the first, and the load would never settle (each run rewrites it)."""
        key = (model, fixture_key(model, data))
        if key in first_seen:
            raise FixtureError(f"the same record is already given in {first_seen[key]}; merge the two")
        first_seen[key] = place

    @contextmanager
    def blame(self, path, number, data):
        """Name the file and record at fault in any error raised while loading it."""
        try:
            yield
        except (FixtureError, ValidationError, ObjectDoesNotExist, IntegrityError, KeyError) as error:
            raise FixtureError(f"{path.name}, record {number} ({describe(data)}): {explain(error)}") from error

    def save(self, obj, label, created):
        obj.full_clean()
        obj._change_reason = CHANGE_REASON
        with transaction.atomic():
            obj.save()
        self.report.count("created" if created else "updated", label)

    def load_record(self, model, data):
        label = model._meta.verbose_name_plural
        values = record_values(model, data)
        lookup = natural_lookup(model, data)
        obj = model.objects.filter(**lookup).first()
        created = obj is None
        if created:
            obj = model(**values)
        changed = created or any(getattr(obj, key) != value for key, value in values.items())
        if changed:
            for key, value in values.items():
                setattr(obj, key, value)
            self.save(obj, label, created)
        else:
            self.report.count("unchanged", label)

        self.sync_citations(obj, data.get("citations") or [])
        self.sync_claims(obj, data.get("date_claims") or [])
        heads = data.get("heads") or []
        named = Counter(head.get("name") for head in heads)
        for head in heads:
            self.load_head(obj, head, only_term=named[head.get("name")] == 1)

        # Checked once the citations exist; the transaction undoes everything if it fails.
        if obj.is_published:
            problems = publication_problems(obj)
            if problems:
                raise FixtureError("cannot be published: " + "; ".join(problems))
        return obj

    def sync_citations(self, obj, citations):
        content_type = ContentType.objects.get_for_model(obj)
        for order, item in enumerate(citations):
            source = Source.objects.get(slug=item["source"])
            defaults = {"quote": item.get("quote") or "", "order": order}
            citation, created = Citation.objects.get_or_create(
                content_type=content_type,
                object_id=obj.pk,
                source=source,
                locator=item.get("locator") or "",
                defaults=defaults,
            )
            if created:
                self.report.count("created", "citations")
            elif any(getattr(citation, key) != value for key, value in defaults.items()):
                for key, value in defaults.items():
                    setattr(citation, key, value)
                citation._change_reason = CHANGE_REASON
                citation.save()
                self.report.count("updated", "citations")

    def sync_claims(self, obj, claims):
        content_type = ContentType.objects.get_for_model(obj)
        preferred = {}
        for item in claims:
            date, precision = parse_date(item["date"])
            field_name = item["field"]
            claim = DateClaim.objects.filter(
                content_type=content_type, object_id=obj.pk, field=field_name, date=date, precision=precision
            ).first()
            if not item.get("citations"):
                raise FixtureError(f"the claim {item['date']} for “{field_name}” cites no source")
            note = item.get("note") or ""
            is_preferred = bool(item.get("preferred"))
            if is_preferred:
                if field_name in preferred:
                    raise FixtureError(f"two preferred claims for “{field_name}”")
                preferred[field_name] = (date, precision)
            if claim is None:
                claim = DateClaim(
                    content_type=content_type, object_id=obj.pk, field=field_name, date=date, precision=precision
                )
                self.report.count("created", "date claims")
            elif claim.note == note and claim.is_preferred == is_preferred:
                self.report.count("unchanged", "date claims")
                self.sync_citations(claim, item.get("citations") or [])
                continue
            else:
                self.report.count("updated", "date claims")
            claim.note = note
            claim.is_preferred = is_preferred
            claim.full_clean()
            claim._change_reason = CHANGE_REASON
            claim.save()
            self.sync_citations(claim, item["citations"])
        for field_name, (date, precision) in preferred.items():
            if (getattr(obj, field_name), getattr(obj, f"{field_name}_precision")) != (date, precision):
                raise FixtureError(f"the preferred claim for “{field_name}” differs from the record's own date")

    def sync_m2m(self, obj, key, slugs):
        manager = getattr(obj, key)
        wanted = set(slugs)
        current = set(manager.values_list("slug", flat=True))
        if wanted == current:
            return
        targets = list(Country.objects.filter(slug__in=wanted))
        missing = wanted - {c.slug for c in targets}
        if missing:
            raise FixtureError(f"unknown {key}: {', '.join(sorted(missing))}")
        manager.set(targets)
        self.report.count("updated", f"{key} links")

    def load_head(self, mission, data, only_term=False):
        """A head is named by mission, name and start; a person the fixture gives one term keeps
        their row when that term's start is first sourced or corrected."""
        values = record_values(HeadOfMission, data)
        same_person = HeadOfMission.objects.filter(mission=mission, name=values["name"])
        obj = same_person.filter(started_on=values.get("started_on")).first()
        if obj is None and only_term:
            rows = list(same_person[:2])
            obj = rows[0] if len(rows) == 1 else None
        created = obj is None
        if created:
            obj = HeadOfMission(mission=mission)
        changed = created or any(getattr(obj, key) != value for key, value in values.items())
        if changed:
            for key, value in values.items():
                setattr(obj, key, value)
            self.save(obj, "heads of mission", created)
        else:
            self.report.count("unchanged", "heads of mission")
        self.sync_citations(obj, data.get("citations") or [])
        self.sync_claims(obj, data.get("date_claims") or [])


def describe(data):
    if not isinstance(data, dict):
        return repr(data)[:60]
    for key in ("slug", "name", "title"):
        if data.get(key):
            return str(data[key])
    if "country" in data:
        return f"{data['country']} from {data.get('starts_on')}"
    return "?"


def explain(error):
    if isinstance(error, ValidationError):
        if hasattr(error, "message_dict"):
            return "; ".join(f"{key}: {' '.join(msgs)}" for key, msgs in error.message_dict.items())
        return " ".join(error.messages)
    if isinstance(error, ObjectDoesNotExist):
        return f"refers to a record that does not exist ({error})"
    if isinstance(error, KeyError):
        return f"missing required key {error}"
    return str(error)


def load(directory):
    return Loader(directory).load()


class Exporter:
    """Writes the whole record in the fixtures format; loading it back reproduces it."""

    def records(self, model):
        queryset = model.objects.all().order_by(*natural_order(model))
        if model is Mission:
            queryset = queryset.select_related("country").prefetch_related("heads")
        if model is RelationPeriod:
            queryset = queryset.select_related("country")
        for obj in queryset.iterator(chunk_size=500):
            yield self.record(obj)

    def record(self, obj):
        model = type(obj)
        dates = set(date_fields(model))
        precisions = {f"{name}_precision" for name in dates}
        data = {}
        for field_obj in model._meta.concrete_fields:
            name = field_obj.name
            if name in SKIPPED_FIELDS or name in precisions or (model is HeadOfMission and name == "mission"):
                continue
            value = getattr(obj, name)
            if name in dates:
                value = format_fixture_date(value, getattr(obj, f"{name}_precision"))
            elif field_obj.is_relation:
                value = value.slug if value is not None else None
            if value is None or value == "" or value is False:
                continue
            data[name] = value
        for m2m in ("successors", "countries"):
            if hasattr(obj, m2m) and m2m in {f.name for f in model._meta.many_to_many}:
                slugs = sorted(getattr(obj, m2m).values_list("slug", flat=True))
                if slugs:
                    data[m2m] = slugs
        citations = self.citations(obj)
        if citations:
            data["citations"] = citations
        claims = [
            {
                "field": claim.field,
                "date": format_fixture_date(claim.date, claim.precision),
                **({"preferred": True} if claim.is_preferred else {}),
                **({"note": claim.note} if claim.note else {}),
                "citations": self.citations(claim),
            }
            for claim in DateClaim.objects.filter(
                content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
            ).order_by("field", "date", "precision")
        ]
        if claims:
            data["date_claims"] = claims
        if model is Mission:
            heads = [self.record(head) for head in obj.heads.all().order_by("started_on", "name")]
            if heads:
                data["heads"] = heads
        return data

    @staticmethod
    def citations(obj):
        rows = Citation.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
        ).select_related("source")
        return [
            {
                "source": c.source.slug,
                **({"locator": c.locator} if c.locator else {}),
                **({"quote": c.quote} if c.quote else {}),
            }
            for c in rows.order_by("order", "pk")
        ]

    def write(self, directory):
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        written = {}
        for number, (name, model) in enumerate(MODELS.items(), start=1):
            records = list(self.records(model))
            path = directory / f"{number:02d}_{name}.yaml"
            text = yaml.safe_dump({"model": name, "records": records}, allow_unicode=True, sort_keys=False)
            path.write_text(text, encoding="utf-8")
            written[path.name] = len(records)
        return written


def natural_order(model):
    if model is RelationPeriod:
        return ("country__slug", "starts_on")
    return ("slug",)


def export(directory):
    return Exporter().write(directory)
