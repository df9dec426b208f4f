# SPDX-License-Identifier: AGPL-3.0-or-later
"""Research pages: cohorts, analyses and exports, for researchers (and administrators
granted research access: ``research.access``, the research-access rule) only.

No page here names a patient: members appear by study code. Every download (analysis
report, figure file, de-identified CSV, FHIR bulk file) is an audit event saying who took
which cohort; anyone else asking for a research page gets 404, audited as a refusal.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from nervepath.accounts.requests import SignedInRequest
from nervepath.audit import log as audit
from nervepath.audit.models import Action
from nervepath.research import cohorts, disclosure, figures, jobs, report
from nervepath.research.access import may_do_research
from nervepath.research.files import read_job_file
from nervepath.research.forms import CohortForm
from nervepath.research.models import (
    AnalysisRun,
    Cohort,
    JobKind,
    JobStatus,
    ResearchJob,
    StudyCode,
)


def research_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @functools.wraps(view)
    def wrapped(request: SignedInRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_do_research(request.user):  # the research-access rule
            audit.record(request, Action.DENIED, detail="research page")
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapped


def _too_small(request: HttpRequest, patients: int, what: str, cohort_id: int) -> HttpResponse:
    """The answer to any output of a cohort under ``NERVEPATH_RESEARCH_MIN_CELL``: a
    page with the reason, nothing produced, the refusal in the audit trail."""
    audit.record(
        request,
        Action.DENIED,
        detail=f"{what} of cohort {cohort_id}: fewer than {disclosure.min_cell()} patients",
    )
    return render(
        request,
        "research/too_small.html",
        {"message": disclosure.refusal(), "cohort_id": cohort_id},
        status=403,
    )


def _download(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@research_only
def home(request: SignedInRequest) -> HttpResponse:
    return render(
        request,
        "research/home.html",
        {
            "cohorts": Cohort.objects.select_related("created_by"),
            "runs": AnalysisRun.objects.select_related("cohort", "created_by").defer(
                "result", "definition"
            )[:10],
        },
    )


def _edit(request: SignedInRequest, cohort: Cohort | None) -> HttpResponse:
    preview = None
    too_small = ""
    if request.method == "POST":
        form = CohortForm(request.POST)
        if form.is_valid():
            filters = form.cleaned_data["filters"]
            if "preview" in request.POST:
                preview = cohorts.select(filters)
                if not disclosure.enough(preview.patients):
                    too_small = disclosure.refusal()
            else:
                creating = cohort is None
                if cohort is None:
                    cohort = Cohort(created_by=request.user)
                cohort.name = form.cleaned_data["name"]
                cohort.description = form.cleaned_data["description"]
                cohort.filters = filters
                cohort.save()
                audit.record(
                    request,
                    Action.CREATE if creating else Action.UPDATE,
                    obj=cohort,
                    detail=f"cohort {cohort.pk}",
                )
                return redirect("research:cohort", cohort.pk)
    elif cohort is not None:
        form = CohortForm(
            initial=CohortForm.initial_from(cohort.name, cohort.description, cohort.filters)
        )
    else:
        form = CohortForm()
    return render(
        request,
        "research/cohort_form.html",
        {"form": form, "cohort": cohort, "preview": preview, "too_small": too_small},
    )


@research_only
def cohort_new(request: SignedInRequest) -> HttpResponse:
    return _edit(request, None)


@research_only
def cohort_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    return _edit(request, get_object_or_404(Cohort, pk=pk))


def _breakdown(selection: cohorts.Selection) -> list[tuple[str, list[tuple[str, str]]]]:
    members = selection.members
    diabetes = Counter(
        {True: "Yes", False: "No", None: "Not recorded"}[m.diabetes] for m in members
    )
    sexes = Counter(cohorts.SEXES[m.sex or "unknown"] for m in members)
    ages = Counter(
        cohorts.AGE_BANDS.get(cohorts.age_band(m.age), ("Not recorded",))[0] for m in members
    )
    legs = Counter({0: "None", 1: "One leg", 2: "Both legs"}.get(len(m.legs), "") for m in members)
    bands = Counter(cohorts.IRLS_BANDS[m.baseline_band] for m in members)
    blocks = Counter(cohorts.BLOCK_RESPONSES[m.block_response] for m in members)
    tables = [
        ("Diabetes", diabetes),
        ("Sex", sexes),
        ("Age at index", ages),
        ("Legs decompressed", legs),
        ("Baseline IRLS severity", bands),
        ("Nerve-block response", blocks),
    ]
    return [
        (title, [(label, disclosure.count(n)) for label, n in sorted(counts.items())])
        for title, counts in tables
    ]


@research_only
def cohort_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    cohort = get_object_or_404(Cohort.objects.select_related("created_by"), pk=pk)
    try:
        selection = cohorts.select(cohort.filters)
    except cohorts.FilterError as exc:
        return render(request, "research/cohort.html", {"cohort": cohort, "filter_error": str(exc)})
    context: dict[str, Any] = {
        "cohort": cohort,
        "described": cohorts.describe(cohort.filters),
        "selection": selection,
        "min_cell": disclosure.min_cell(),
        "runs": cohort.runs.select_related("created_by").defer("result", "definition")[:20],
        "jobs": cohort.jobs.filter(requested_by_id=request.user.pk).defer("data")[:10],
    }
    if not disclosure.enough(selection.patients):
        # No breakdown, follow-up counts or study codes of a cohort this small.
        context["too_small"] = disclosure.refusal()
        return render(request, "research/cohort.html", context)
    codes = StudyCode.for_patients(selection.patient_ids)
    labels = cohorts.follow_up_labels() if selection.follow_ups else []
    counts = {
        label: {state: disclosure.count(n) for state, n in by_state.items()}
        for label, by_state in selection.follow_up_counts()
    }
    missing_rows = []
    for member in selection.members:
        states = selection.follow_ups.get(member.patient_id, [])
        if any(s.state == "missing" for s in states):
            missing_rows.append((codes[member.patient_id].code, member, states))
    context.update(
        {
            "breakdown": _breakdown(selection),
            "labels": labels,
            "follow_up_rows": [(label, counts.get(label, {})) for label in labels],
            "missing_rows": missing_rows,
        }
    )
    return render(request, "research/cohort.html", context)


def _selection(request: HttpRequest, cohort: Cohort) -> cohorts.Selection | None:
    """The cohort's members, or None with a message when its stored filters no longer read
    (e.g. a follow-up label the clinic has since changed)."""
    try:
        return cohorts.select(cohort.filters)
    except cohorts.FilterError as exc:
        messages.error(request, f"This cohort's filters can no longer be read: {exc}")
        return None


def _start(request: SignedInRequest, cohort: Cohort, kind: str, what: str) -> HttpResponse:
    """Check the cohort, then queue the work and show its job page. A cohort under the
    minimum size is refused here and nothing is queued."""
    selection = _selection(request, cohort)
    if selection is None:
        return redirect("research:cohort", cohort.pk)
    if not disclosure.enough(selection.patients):
        return _too_small(request, selection.patients, what, cohort.pk)
    job = jobs.start(kind, cohort, request.user)
    return redirect("research:job", job.public_id)


@research_only
@require_POST
def run_analysis(request: SignedInRequest, pk: int) -> HttpResponse:
    return _start(request, get_object_or_404(Cohort, pk=pk), JobKind.ANALYSIS, "analysis")


def _run(public_id: str) -> AnalysisRun:
    return get_object_or_404(
        AnalysisRun.objects.select_related("cohort", "created_by"), public_id=public_id
    )


def _shown_run(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """A stored run's page, figures and reports: refused when it covers fewer than
    ``NERVEPATH_RESEARCH_MIN_CELL`` patients (runs stored before the rule included)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, public_id: str, *args: Any, **kwargs: Any) -> HttpResponse:
        run = _run(public_id)
        if not disclosure.enough(run.patients):
            return _too_small(request, run.patients, view.__name__, run.cohort_id)
        return view(request, run, *args, **kwargs)

    return wrapped


@research_only
@_shown_run
def analysis(request: SignedInRequest, run: AnalysisRun) -> HttpResponse:
    return render(
        request,
        "research/analysis.html",
        {"run": run, "page": report.page(run), "figures": figures.available(run.result)},
    )


@research_only
@_shown_run
def analysis_figure(
    request: SignedInRequest, run: AnalysisRun, name: str, fmt: str
) -> HttpResponse:
    try:
        data = figures.render(run.result, name, fmt)
    except KeyError as exc:
        raise Http404("No such figure.") from exc
    content_type = {"svg": "image/svg+xml", "png": "image/png"}[fmt]
    if request.GET.get("download"):
        audit.record(
            request, Action.EXPORT, obj=run, detail=f"figure {name}.{fmt} of cohort {run.cohort_id}"
        )
        return _download(data, content_type, f"{name}.{fmt}")
    response = HttpResponse(data, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


REPORTS = {"pdf": JobKind.REPORT_PDF, "docx": JobKind.REPORT_DOCX}


@research_only
@require_POST
@_shown_run
def analysis_report(request: SignedInRequest, run: AnalysisRun, fmt: str) -> HttpResponse:
    if fmt not in REPORTS:
        raise Http404("No such format.")
    job = jobs.start(REPORTS[fmt], run.cohort, request.user, run=run)
    return redirect("research:job", job.public_id)


# Export kind → (what the audit trail calls it, job kind).
EXPORTS: dict[str, tuple[str, str]] = {
    "deidentified": ("de-identified CSV", JobKind.DEIDENTIFIED),
    "fhir": ("FHIR bulk export", JobKind.FHIR),
}
# What the audit trail calls each job's download.
DOWNLOADS = {
    JobKind.REPORT_PDF: "report (pdf)",
    JobKind.REPORT_DOCX: "report (docx)",
    JobKind.DEIDENTIFIED: "de-identified CSV",
    JobKind.FHIR: "FHIR bulk export",
}


@research_only
@require_POST
def export_cohort(request: SignedInRequest, pk: int, kind: str) -> HttpResponse:
    what, job_kind = EXPORTS[kind]
    return _start(request, get_object_or_404(Cohort, pk=pk), job_kind, what)


def _own_job(request: HttpRequest, public_id: str) -> ResearchJob:
    """The job, only for the researcher who asked for it (anyone else: 404)."""
    return get_object_or_404(
        ResearchJob.objects.select_related("cohort", "run").defer("data"),
        public_id=public_id,
        requested_by_id=request.user.pk,
    )


def _job_file(job: ResearchJob) -> bytes | None:
    """The job's file: from file storage, or from the row for a job made before files
    went to storage; None once it was deleted."""
    if job.storage_name:
        try:
            return read_job_file(job.storage_name)
        except FileNotFoundError:
            return None
    data = ResearchJob.objects.values_list("data", flat=True).get(pk=job.pk)
    return None if data is None else bytes(data)


def _job_context(job: ResearchJob) -> dict[str, Any]:
    return {
        "job": job,
        "expired": jobs.expired(job),
        "hours": jobs.download_hours(),
        "refresh": jobs.refresh_seconds(job),
    }


@research_only
def job(request: SignedInRequest, public_id: str) -> HttpResponse:
    """The job's page: its status and progress while it runs (the page reloads itself,
    every second at first and less often as the job runs on, no script:
    ``jobs.refresh_seconds``), then its download link or the analysis."""
    jobs.recover_stale()  # a worker that died: the page says so instead of "running"
    job = _own_job(request, public_id)
    if job.status == JobStatus.DONE and not disclosure.enough(job.patients):
        return _too_small(request, job.patients, "job", job.cohort_id)
    if job.status == JobStatus.DONE and job.kind == JobKind.ANALYSIS and job.run is not None:
        return redirect("research:analysis", job.run.public_id)
    return render(request, "research/job.html", _job_context(job))


@research_only
def job_download(request: SignedInRequest, public_id: str) -> HttpResponse:
    """The job's file, once per click in the audit trail; a clear page once it expired."""
    job = _own_job(request, public_id)
    if job.status != JobStatus.DONE or job.kind == JobKind.ANALYSIS:
        return redirect("research:job", job.public_id)
    if not disclosure.enough(job.patients):
        return _too_small(request, job.patients, "download", job.cohort_id)
    if jobs.expired(job):
        jobs.purge_expired()
        return render(request, "research/job.html", _job_context(job), status=410)
    data = _job_file(job)
    if data is None:
        gone = {**_job_context(job), "expired": True}
        return render(request, "research/job.html", gone, status=410)
    audit.record(
        request,
        Action.EXPORT,
        obj=job.run if job.run_id else job.cohort,
        detail=f"{DOWNLOADS[JobKind(job.kind)]} of cohort {job.cohort_id}: {job.patients} patients",
    )
    return _download(data, job.content_type, job.file_name)
