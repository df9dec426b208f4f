# SPDX-License-Identifier: AGPL-3.0-or-later
"""Every route the project defines, filled with one patient's object ids.

The routes come from Django's URL resolver and, for the JSON API, from its OpenAPI
schema, so a route added later is walked without anyone listing it here.
"""

from __future__ import annotations

import itertools
import re
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone

from nervepath.accounts.models import Patient

MAX_COMBINATIONS = 12
_ROUTE_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>\w+)>")


@dataclass
class Footprint:
    """What belongs to one patient: object ids per model, and the rows' current values."""

    patient: Patient
    ids: dict[str, set[str]] = field(default_factory=dict)  # model label → ids

    @property
    def all_ids(self) -> list[str]:
        return sorted({i for ids in self.ids.values() for i in ids}, key=lambda v: (len(v), v))


def _patient_filter(model: type[models.Model], patient: Patient) -> models.Q | None:
    """A filter selecting the rows of ``model`` that belong to ``patient`` (one or two
    foreign-key or one-to-one hops from Patient or the patient's User, e.g. Analysis ->
    Recording -> Patient), or None."""
    if model is Patient:
        return models.Q(pk=patient.pk)
    if model is patient.user.__class__:
        return models.Q(pk=patient.user_id)
    hops: list[models.Q] = []
    for f in model._meta.get_fields():
        if not (f.is_relation and (f.many_to_one or f.one_to_one) and f.concrete):
            continue
        target = f.related_model
        if target is Patient:
            hops.append(models.Q(**{f"{f.name}_id": patient.pk}))
        elif target is patient.user.__class__ and f.name in {"user", "patient_user"}:
            hops.append(models.Q(**{f"{f.name}_id": patient.user_id}))
        elif target is not None and target is not model:
            for g in target._meta.get_fields():
                if (
                    g.is_relation
                    and (g.many_to_one or g.one_to_one)
                    and g.concrete
                    and g.related_model is Patient
                ):
                    hops.append(models.Q(**{f"{f.name}__{g.name}_id": patient.pk}))
    if not hops:
        return None
    q = hops[0]
    for h in hops[1:]:
        q |= h
    return q


def footprint(patient: Patient) -> Footprint:
    fp = Footprint(patient)
    for model in apps.get_models():
        q = _patient_filter(model, patient)
        if q is None:
            continue
        uuid_fields = [
            f.name for f in model._meta.concrete_fields if isinstance(f, models.UUIDField)
        ]
        pks: set[str] = set()
        for row in model._default_manager.filter(q).values_list("pk", *uuid_fields):
            pks.update(str(v) for v in row if v is not None)
        if pks:
            fp.ids[model._meta.label_lower] = pks
    return fp


def snapshot(patient: Patient, *, labels: set[str] | None = None) -> dict[str, list[Any]]:
    """Every row that belongs to the patient, with all its values (to see any change).
    The patient's own sign-in bookkeeping (last_login) is left out."""
    rows: dict[str, list[Any]] = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if labels is not None and label not in labels:
            continue
        if label.startswith(("audit.", "sessions.", "axes.", "otp_")):
            continue
        q = _patient_filter(model, patient)
        if q is None:
            continue
        values = list(model._default_manager.filter(q).order_by("pk").values())
        for row in values:
            row.pop("last_login", None)
        rows[label] = values
    return rows


@dataclass(frozen=True)
class Route:
    template: str  # e.g. "staff/patients/<id:pk>/"
    params: tuple[tuple[str, str], ...]  # (name, converter)
    name: str

    def fill(self, values: dict[str, str]) -> str:
        def sub(m: re.Match[str]) -> str:
            return values[m.group("name")]

        return "/" + _ROUTE_PARAM.sub(sub, self.template)


def _regex_to_route(regex: str) -> str:
    """Turn a regex URL pattern into the <conv:name> form (named groups become params)."""
    out, i = [], 0
    regex = regex.lstrip("^").rstrip("$").replace("\\Z", "")
    while i < len(regex):
        if regex.startswith("(?P<", i):
            end = regex.index(">", i)
            name = regex[i + 4 : end]
            depth, j = 1, end + 1
            while depth:
                depth += {"(": 1, ")": -1}.get(regex[j], 0)
                j += 1
            body = regex[end + 1 : j - 1]
            conv = "choice:" + body if "|" in body else "str"
            out.append(f"<{conv}:{name}>" if conv == "str" else f"<{name}>")
            if conv != "str":
                _CHOICES[name] = body.split("|")[0].strip("()")
            i = j
        else:
            ch = regex[i]
            out.append("" if ch == "\\" else ch)
            i += 1
    return "".join(out)


_CHOICES: dict[str, str] = {}


def routes() -> list[Route]:
    found: list[Route] = []

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for p in patterns:
            pattern = p.pattern
            text = str(pattern) if isinstance(pattern, RoutePattern) else ""
            if isinstance(pattern, RegexPattern):
                text = _regex_to_route(str(pattern))  # the pattern as written
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, prefix + text, ns)
            elif isinstance(p, URLPattern):
                template = prefix + text
                params = tuple(
                    (m.group("name"), m.group("conv") or "choice")
                    for m in _ROUTE_PARAM.finditer(template)
                )
                found.append(Route(template, params, f"{namespace}{p.name or ''}"))

    walk(get_resolver().url_patterns, "", "")
    return found


def candidates(
    route: Route, converter: str, name: str, fp: Footprint, slugs: list[str]
) -> list[str]:
    if converter == "choice":
        return [_CHOICES.get(name, "x")]
    if converter == "token":
        return [secrets.token_urlsafe(32)]
    if converter == "uuid":
        ids = [i for i in fp.all_ids if _is_uuid(i)]
        return [*ids, str(uuid.uuid4())]
    if converter == "slug":
        return slugs
    ints = [i for i in fp.all_ids if i.isdigit()]
    if route.name.startswith("admin:") and converter in {"path", "str"}:
        # admin/<app>/<model>/<object_id>/...: that model's ids
        parts = route.template.split("/")
        if len(parts) > 2:
            label = f"{parts[1]}.{parts[2]}"
            return sorted(fp.ids.get(label, set())) or ints[:3]
    if converter in {"int", "id"}:
        return ints
    return [*ints, fp.patient.user.email]


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def urls(
    fp: Footprint, slugs: list[str], only: list[Route] | None = None
) -> Iterator[tuple[Route, str]]:
    """Every route (or the routes ``only``) filled with the patient's ids."""
    for route in routes() if only is None else only:
        options = [candidates(route, conv, name, fp, slugs) for name, conv in route.params]
        combos = itertools.islice(itertools.product(*options), MAX_COMBINATIONS * 4)
        for combo in itertools.islice(combos, MAX_COMBINATIONS if len(options) > 1 else None):
            values = {name: value for (name, _), value in zip(route.params, combo, strict=True)}
            yield route, route.fill(values)


def api_calls(
    schema: dict[str, Any], fp: Footprint, slugs: list[str]
) -> Iterator[tuple[str, str, dict[str, Any] | None]]:
    """(method, path, JSON body) for every operation in the OpenAPI schema, the path and
    the body filled with the patient's ids."""
    ints = [int(i) for i in fp.all_ids if i.isdigit()] + [fp.patient.pk]
    components = schema.get("components", {}).get("schemas", {})
    for path, operations in schema["paths"].items():
        names = re.findall(r"{(\w+)}", path)
        for method, op in operations.items():
            body = None
            content = op.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body = _example(content["application/json"]["schema"], components, ints, slugs)
            for value in ints if names else [None]:
                filled = path
                for name in names:
                    filled = filled.replace("{" + name + "}", str(value))
                yield method.upper(), filled, body


def _example(
    schema: dict[str, Any], components: dict[str, Any], ints: list[int], slugs: list[str]
) -> Any:
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[-1]], components, ints, slugs)
    if "anyOf" in schema:
        return _example(schema["anyOf"][0], components, ints, slugs)
    kind = schema.get("type")
    if kind == "object":
        body = {}
        for key, sub in schema.get("properties", {}).items():
            body[key] = _example(sub, components, ints, slugs)
            if key == "patient_id" and ints:
                body[key] = ints[-1]  # the patient's own id, set last by api_calls
        return body
    if kind == "integer":
        return ints[0] if ints else 1
    if kind == "array":
        return [_example(schema.get("items", {}), components, ints, slugs)]
    if kind == "boolean":
        return True
    if schema.get("format") == "date-time":
        return (timezone.now() + timedelta(days=10)).replace(microsecond=0).isoformat()
    if schema.get("format") == "date":
        return (timezone.localdate() + timedelta(days=10)).isoformat()
    return slugs[0]
