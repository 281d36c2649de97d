from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts.exports import export_list, pdf_response
from fangxian.accounts.scoping import Can, can, get_visible_or_404, holds_community, visible
from fangxian.jobs import running
from fangxian.jobs.models import Job
from fangxian.lib.ids import as_day, as_id
from fangxian.places.models import Community

from . import forms, planning
from .models import Assignment, Person, Post, Project, Roster, Shift, SignUp, SwapRequest, Team

BAND_LABELS = ["00–04", "04–08", "08–12", "12–16", "16–20", "20–24"]


def problems(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def start_solving(request: HttpRequest, roster: Roster) -> None:
    """The solve runs as a job; the roster page shows how far it is, then the roster."""
    try:
        planning.start_solving(roster, request.user)
    except running.Busy:
        messages.error(request, _("Another coordinator is solving this roster right now: its result will show here."))


def planned_communities(user) -> list[Community]:
    return [
        c for c in visible(user, Can.VIEW_PLACES, Community.objects.all()) if holds_community(user, Can.PLAN_DUTY, c.pk)
    ]


def posted_community(request: HttpRequest, communities: list[Community]) -> Community:
    """The community a coordinator's form names, if they plan duty there."""
    community = next((c for c in communities if str(c.pk) == request.POST.get("community")), None)
    if community is None:
        raise PermissionDenied
    return community


def own_people(user):
    return Person.objects.filter(user=user) if user.is_authenticated else Person.objects.none()


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Rosters of the communities in view; coordinators plan a week or a month here."""
    communities = planned_communities(request.user)
    if request.method == "POST":
        community = posted_community(request, communities)
        try:
            values = forms.clean_roster(forms.roster_data(request.POST))
            roster = planning.create(community, values["starts_on"], values["days"], request.user)
        except ValidationError as exc:
            messages.error(request, problems(exc))
        else:
            start_solving(request, roster)
            return redirect("duty:roster", pk=roster.pk)
    context = {
        "rosters": visible(request.user, Can.VIEW_PLACES, Roster.objects.select_related("community"))[:30],
        "communities": communities,
        "mine": own_people(request.user).exists(),
        "next_monday": timezone.localdate() + datetime.timedelta(days=7 - timezone.localdate().weekday()),
    }
    return render(request, "duty/overview.html", context)


@login_required
def people(request: HttpRequest) -> HttpResponse:
    """People on duty, and the sign-up form: kind, level, skills, age, availability."""
    communities = planned_communities(request.user)
    if not communities and not can(request.user, Can.VIEW_PLACES):
        raise PermissionDenied
    if request.method == "POST":
        community = posted_community(request, communities)
        try:
            person = planning.add_person(community, forms.clean_person(forms.person_data(request.POST)))
        except ValidationError as exc:
            messages.error(request, problems(exc))
        else:
            messages.success(request, _("%(name)s is on the list for the roster.") % {"name": person.name})
            return redirect("duty:people")
    context = {
        "people": visible(request.user, Can.VIEW_PLACES, Person.objects.select_related("team", "community")),
        "communities": communities,
        "kinds": Person.Kind.choices,
        "levels": Person.Level.choices,
        "teams": Team.objects.filter(community__in=communities),
        "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        "bands": list(enumerate(BAND_LABELS)),
    }
    return render(request, "duty/people.html", context)


@login_required
def posts(request: HttpRequest) -> HttpResponse:
    communities = planned_communities(request.user)
    if request.method == "POST":
        community = posted_community(request, communities)
        try:
            planning.add_post(community, forms.clean_post(forms.post_data(request.POST)))
        except ValidationError as exc:
            messages.error(request, problems(exc))
        else:
            messages.success(request, _("Post added."))
        return redirect("duty:posts")
    context = {
        "posts": visible(request.user, Can.VIEW_PLACES, Post.objects.prefetch_related("patterns")),
        "communities": communities,
        "kinds": Post.Kind.choices,
    }
    return render(request, "duty/posts.html", context)


def roster_grid(roster: Roster) -> dict:
    """Rows of (post, shift time), columns of days; each cell its shift and people."""
    shifts = list(
        roster.shifts.select_related("post").prefetch_related(
            Prefetch("assignments", queryset=Assignment.objects.select_related("person").order_by("person__name"))
        )
    )
    rows: dict[tuple, dict] = {}
    for shift in shifts:
        row = rows.setdefault((shift.post.name, shift.start), {"post": shift.post, "label": shift.label, "cells": {}})
        row["cells"][shift.day] = shift
    days = roster.days
    return {
        "days": days,
        "rows": [{**row, "cells": [row["cells"].get(d) for d in days]} for _key, row in sorted(rows.items())],
    }


@login_required
def roster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    roster = get_visible_or_404(request.user, Can.VIEW_PLACES, Roster.objects.select_related("community"), pk=pk)
    solving = planning.solving(roster)
    planner = can(request.user, Can.PLAN_DUTY, roster)
    context = {
        "roster": roster,
        **roster_grid(roster),
        "planner": planner and solving is None,
        "solving": solving,
        "job": own_solve(request, roster, solving),
        "explanations": [planning.describe(e) for e in roster.result.get("explanations", [])],
        "solver_status": planning.STATUSES.get(roster.result.get("status"), roster.result.get("status")),
        "people": Person.objects.filter(community=roster.community, active=True) if planner else [],
        "swaps": SwapRequest.objects.filter(
            assignment__shift__roster=roster, status=SwapRequest.Status.PENDING
        ).select_related("assignment__person", "assignment__shift__post", "replacement")
        if planner
        else [],
    }
    return render(request, "duty/roster.html", context)


def own_solve(request: HttpRequest, roster: Roster, solving: Job | None) -> Job | None:
    """The user's own solve to show on the page: under way, or failed since the roster was last solved."""
    if solving is not None:
        return solving if solving.user_id == request.user.pk else None
    last = Job.objects.filter(key=planning.solving_key(roster), user=request.user).first()
    if (
        last is not None
        and last.state == Job.State.FAILED
        and (roster.solved_at is None or last.finished_at > roster.solved_at)
    ):
        return last
    return None


def planned_roster(request: HttpRequest, pk: int) -> Roster:
    return get_visible_or_404(request.user, Can.PLAN_DUTY, Roster.objects.select_related("community"), pk=pk)


@login_required
@require_POST
def roster_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Solve (the future places not kept, as a job), publish."""
    roster = planned_roster(request, pk)
    if action == "solve":
        start_solving(request, roster)
        return redirect("duty:roster", pk=pk)
    try:
        planning.publish(roster, request)
    except ValidationError as exc:
        messages.error(request, problems(exc))
    else:
        messages.success(request, _("Published: everyone sees their shifts."))
    return redirect("duty:roster", pk=pk)


@login_required
@require_POST
def shift_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Tap a cell: add a person (locked, so a re-solve keeps them), remove one, lock or unlock."""
    shift = get_visible_or_404(request.user, Can.PLAN_DUTY, Shift.objects.select_related("roster"), pk=pk)
    person_id = request.POST.get("person", "")
    person = (
        Person.objects.filter(pk=as_id(person_id), community_id=shift.roster.community_id).first()
        if as_id(person_id)
        else None
    )
    action = request.POST.get("action", "add")
    try:
        if person is None:
            raise ValidationError(_("Choose a person."))
        if action == "remove":
            Assignment.objects.filter(shift=shift, person=person).delete()
        elif action == "toggle":
            row = Assignment.objects.filter(shift=shift, person=person).first()
            if row is None:
                raise ValidationError(_("Not on this shift."))
            row.locked = not row.locked
            row.save(update_fields=["locked"])
        else:
            planning.put(shift, person)
    except ValidationError as exc:
        messages.error(request, problems(exc))
    return redirect(f"{reverse('duty:roster', args=[shift.roster_id])}#shift-{shift.pk}")


@login_required
def my_shifts(request: HttpRequest) -> HttpResponse:
    """A person's own shifts on their phone: check in and out, ask for a swap."""
    rows = (
        Assignment.objects.filter(
            person__in=own_people(request.user),
            shift__roster__status=Roster.Status.PUBLISHED,
            shift__day__gte=timezone.localdate() - datetime.timedelta(days=1),
        )
        .select_related("shift__post", "person")
        .order_by("shift__day", "shift__start")
    )
    colleagues = Person.objects.filter(
        community__in=own_people(request.user).values("community_id"), active=True
    ).exclude(user=request.user)
    return render(request, "duty/mine.html", {"rows": rows, "colleagues": colleagues, "now": timezone.now()})


def own_assignment(request: HttpRequest, pk: int) -> Assignment:
    row = (
        Assignment.objects.filter(pk=pk, person__in=own_people(request.user))
        .select_related("shift__roster", "person")
        .first()
    )
    if row is None:
        raise Http404
    return row


@login_required
@require_POST
def check_in_out(request: HttpRequest, pk: int, direction: str) -> HttpResponse:
    try:
        row = planning.check(own_assignment(request, pk), out=direction == "out")
    except ValidationError as exc:
        messages.error(request, problems(exc))
    else:
        at = timezone.localtime(row.checked_out_at if direction == "out" else row.checked_in_at).strftime("%H:%M")
        messages.success(
            request,
            _("Checked out at %(at)s, %(hours)s h on duty.") % {"at": at, "hours": row.hours_worked}
            if direction == "out"
            else _("Checked in at %(at)s.") % {"at": at},
        )
    return redirect("duty:mine")


@login_required
@require_POST
def ask_swap(request: HttpRequest, pk: int) -> HttpResponse:
    row = own_assignment(request, pk)
    reason = request.POST.get("reason", "").strip()
    replacement = Person.objects.filter(
        pk=as_id(request.POST.get("replacement")) or 0, community_id=row.person.community_id
    ).first()
    if not reason:
        messages.error(request, _("Say why, so that the coordinator can decide."))
    else:
        SwapRequest.objects.create(assignment=row, replacement=replacement, reason=reason[:200])
        messages.success(request, _("Asked: the coordinator decides."))
    return redirect("duty:mine")


@login_required
@require_POST
def decide_swap(request: HttpRequest, pk: int) -> HttpResponse:
    swap = get_visible_or_404(
        request.user, Can.PLAN_DUTY, SwapRequest.objects.select_related("assignment__shift__roster"), pk=pk
    )
    roster_id = swap.assignment.shift.roster_id
    if as_id(request.POST.get("replacement")):
        swap.replacement = Person.objects.filter(
            pk=as_id(request.POST["replacement"]), community_id=swap.assignment.person.community_id
        ).first()
    try:
        planning.decide_swap(swap, request.POST.get("decision") == "approve", request.user)
    except ValidationError as exc:
        messages.error(request, problems(exc))
    return redirect("duty:roster", pk=roster_id)


@login_required
def roster_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The week as the book on the office wall used to hold it: A4 landscape."""
    roster = get_visible_or_404(request.user, Can.VIEW_PLACES, Roster.objects.select_related("community"), pk=pk)
    return pdf_response(
        request,
        "roster",
        roster_print(roster),
        f"roster-{roster.starts_on}.pdf",
        {roster.community_id: 1},
        roster=roster.pk,
    )


def roster_print(roster: Roster) -> str:
    return render_to_string(
        "duty/roster_print.html", {"roster": roster, **roster_grid(roster), "printed_at": timezone.localtime()}
    )


@login_required
def roster_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    roster = get_visible_or_404(request.user, Can.VIEW_PLACES, Roster.objects.select_related("community"), pk=pk)
    grid = roster_grid(roster)
    header = [_("post"), _("shift")] + [f"{d:%m-%d}" for d in grid["days"]]
    rows = [
        [row["post"].name, row["label"]]
        + ["、".join(a.person.name for a in cell.assignments.all()) if cell else "" for cell in row["cells"]]
        for row in grid["rows"]
    ]
    return export_list(request, "roster", header, rows, {roster.community_id: len(rows)}, roster=roster.pk)


@login_required
def projects(request: HttpRequest) -> HttpResponse:
    """Volunteer projects: a community posts a need, volunteers sign up, coordinators accept."""
    communities = planned_communities(request.user)
    if request.method == "POST":
        community = posted_community(request, communities)
        starts_on, ends_on = as_day(request.POST.get("starts_on")), as_day(request.POST.get("ends_on"))
        if starts_on and ends_on and ends_on < starts_on:
            messages.error(request, _("The project ends before it starts."))
            return redirect("duty:projects")
        try:
            if starts_on is None or ends_on is None:
                raise ValueError
            Project.objects.create(
                community=community,
                title=request.POST["title"].strip()[:100] or _("Volunteers needed"),
                kind=request.POST.get("kind")
                if request.POST.get("kind") in Project.Kind.values
                else Project.Kind.GATE_DUTY,
                starts_on=starts_on,
                ends_on=ends_on,
                headcount=forms.people_needed(request.POST.get("headcount")),
            )
        except (KeyError, ValueError):
            messages.error(request, _("A project needs a title, dates and how many people."))
        else:
            messages.success(request, _("Posted."))
        return redirect("duty:projects")
    mine = own_people(request.user)
    rows = visible(request.user, Can.VIEW_PLACES, Project.objects.select_related("community")) | Project.objects.filter(
        community__in=mine.values("community_id")
    )
    context = {
        "projects": rows.distinct().prefetch_related(
            Prefetch("signups", queryset=SignUp.objects.select_related("person"))
        ),
        "communities": communities,
        "kinds": Project.Kind.choices,
        "mine": list(mine),
        "today": timezone.localdate(),
        "planner_of": {c.pk for c in communities},
    }
    return render(request, "duty/projects.html", context)


@login_required
@require_POST
def sign_up(request: HttpRequest, pk: int) -> HttpResponse:
    mine = own_people(request.user)
    project = Project.objects.filter(pk=pk, community__in=mine.values("community_id")).first()
    if project is None:
        raise Http404
    SignUp.objects.get_or_create(project=project, person=mine.filter(community=project.community).first())
    messages.success(request, _("Signed up: the community will confirm."))
    return redirect("duty:projects")


@login_required
@require_POST
def decide_signup(request: HttpRequest, pk: int) -> HttpResponse:
    """Accepted volunteers join the roster."""
    signup = get_visible_or_404(request.user, Can.PLAN_DUTY, SignUp.objects.select_related("person"), pk=pk)
    accept = request.POST.get("decision") == "accept"
    signup.status = SignUp.Status.ACCEPTED if accept else SignUp.Status.REFUSED
    signup.save(update_fields=["status"])
    if accept and not signup.person.active:
        Person.objects.filter(pk=signup.person_id).update(active=True)
    return redirect("duty:projects")


@login_required
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """A certificate of volunteer hours, counted from check-in to check-out."""
    person = own_people(request.user).select_related("community").filter(pk=pk).first() or get_visible_or_404(
        request.user, Can.VIEW_PLACES, Person.objects.select_related("community"), pk=pk
    )
    rows = [a for a in person.assignments.select_related("shift__post").order_by("shift__day") if a.hours_worked]
    html = render_to_string(
        "duty/certificate.html",
        {"person": person, "rows": rows, "total": sum(a.hours_worked for a in rows), "today": timezone.localdate()},
    )
    return pdf_response(
        request, "certificate", html, f"hours-{person.pk}.pdf", {person.community_id: 1}, person=person.pk
    )
