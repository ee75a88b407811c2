"""The demo district: 天津市和平区 with 五大道街 and its 华荫南里社区 (the story of the seed).

Every name, number and text here is invented for the demo. Cases are played forward in time
through the real services (with ``clock.at``), and ``tick`` runs once per simulated day, so the
history of every case is exactly what the product would have written."""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from minqing.cases import services as cs
from minqing.cases.categories import category_leaves, category_suggest, urgency_suggest
from minqing.cases.models import (
    Case,
    CaseState,
    Category,
    DistrictRules,
    ReturnVisit,
    TimeLimit,
    TimeLimitClass,
    VisitStatus,
)
from minqing.cases.tick import tick
from minqing.cases.transitions import INTEGRATOR, RESIDENT
from minqing.demo.data import (
    CATEGORIES,
    DAYS,
    DEMO_PASSWORD,
    DEPARTMENT_HEADS,
    DEPARTMENTS,
    DISTRICT_CODE,
    GRIDS,
    INCOMPLETE_GRID,
    INTAKE,
    LIAISON_UNITS,
    LOGINS,
    PLACES,
    REPLIES,
    REPORTERS,
    SECOND_CASES,
    SECOND_DEPARTMENTS,
    SECOND_DISTRICT,
    SECOND_LIMITS,
    SECOND_PLACES,
    SECOND_RULES,
    STREET_OF_BUILDINGS,
    TOP_DEPARTMENTS,
)
from minqing.lib import clock
from minqing.lib.errors import DomainError
from minqing.lib.progress import ProgressCallback
from minqing.notify.models import OutboxMessage, OutboxStatus
from minqing.outreach import services as os_
from minqing.outreach.models import OutreachSession, SessionKind
from minqing.people.models import Membership, Role, User
from minqing.places.models import Department, DepartmentLevel, LiaisonUnit, Place, PlaceKind

# (level 1, level 2, level 3, department, time limit class, keywords, problems)
# Each problem is (title, description). The first-level names include the seven labels of
# the real messages in shared/data/teddycup2020.


@dataclass(order=True)
class Step:
    at: datetime
    seq: int
    run: Callable[[], None] = field(compare=False)


class DemoWorld:
    """Builds the district, then plays a few hundred cases forward in time."""

    def __init__(self, now: datetime, seed: int = 2020):
        self.now = now
        self.rng = random.Random(seed)
        self.places: dict[str, Place] = {}
        self.departments: dict[str, Department] = {}
        self.users: dict[str, User] = {}
        self.grid_team: dict[str, dict[str, User]] = {}
        self.handlers: dict[str, User] = {}
        self.leaves: list[tuple[Category, list[tuple[str, str]]]] = []
        self.queue: list[Step] = []
        self.counter = itertools.count()
        self.sessions: list[OutreachSession] = []
        self.batches: list[str] = []
        self.second_category: Category | None = None
        # Hash once: the same demo password for everyone, without 60 slow hashes.
        self.password = make_password(DEMO_PASSWORD)

    # --- the static world --------------------------------------------------------------

    def user(self, username: str, full_name: str, phone: str, **extra) -> User:
        user = User.objects.create(
            username=username,
            password=self.password,
            full_name=full_name,
            phone=phone,
            wechat_id=f"wx_{username}",
            **extra,
        )
        self.users[username] = user
        return user

    def build_places(self) -> None:
        for code, name, parent, kind in PLACES:
            self.places[code] = Place.objects.create(
                code=code,
                name=name,
                kind=kind,
                parent=self.places.get(parent) if parent else None,
                short="HP" if kind == PlaceKind.DISTRICT else "",
                lat=39.117,
                lng=117.205,
            )
        for community, grids in GRIDS.items():
            for grid_code, grid_name in grids:
                grid = Place.objects.create(
                    code=grid_code,
                    name=grid_name,
                    kind=PlaceKind.GRID,
                    parent=self.places[community],
                )
                self.places[grid_code] = grid
                street, numbers = STREET_OF_BUILDINGS[grid_code]
                for number in numbers:
                    code = f"{grid_code}-B{number:02d}"
                    self.places[code] = Place.objects.create(
                        code=code,
                        name=f"{street}{number}号",
                        kind=PlaceKind.BUILDING,
                        parent=grid,
                        address=f"天津市和平区{street}{number}号",
                        lat=round(39.110 + self.rng.random() * 0.015, 6),
                        lng=round(117.195 + self.rng.random() * 0.02, 6),
                    )

    def build_departments(self) -> None:
        district = self.places[DISTRICT_CODE]
        for number, (code, name, level) in enumerate(DEPARTMENTS, start=1):
            place = self.places["WDD"] if level == DepartmentLevel.SUBDISTRICT else district
            self.departments[code] = Department.objects.create(
                code=code, name=name, level=level, place=place, phone=f"022-2330{number:04d}"
            )
        for code, name, communities in LIAISON_UNITS:
            unit = LiaisonUnit.objects.create(code=code, name=name)
            unit.communities.set([self.places[c] for c in communities])

    def build_people(self) -> None:
        admin = self.user("admin", "系统管理员", "13920010000", is_staff=True, is_superuser=True)
        assert admin.is_superuser
        for username, full_name, role, where, phone in LOGINS:
            user = self.user(username, full_name, phone, is_staff=True)
            if role == Role.HANDLER:
                Membership.objects.create(user=user, role=role, department=self.departments[where])
                self.handlers[where] = user
            else:
                Membership.objects.create(user=user, role=role, place=self.places[where])
        Membership.objects.filter(user__username__in=DEPARTMENT_HEADS, role=Role.HANDLER).update(
            head=True
        )
        # Every grid gets its 1+2+N team; the demo log-ins above are the team of HYNL-G1.
        given = iter(["杨", "朱", "秦", "尤", "许", "何", "吕", "施", "张", "孔", "曹", "严"])
        names = iter(["建华", "秀英", "志明", "桂兰", "海波", "丽娟", "国强", "淑珍", "文斌"])
        number = itertools.count(100)
        for grids in GRIDS.values():
            for grid_code, _ in grids:
                grid = self.places[grid_code]
                team: dict[str, User] = {}
                for role in (
                    Role.GRID_WORKER,
                    Role.AGENCY_CADRE,
                    Role.STREET_CADRE,
                    Role.PARTY_MEMBER,
                    Role.BUILDING_HEAD,
                    Role.VOLUNTEER,
                ):
                    existing = Membership.objects.filter(place=grid, role=role).first()
                    if existing:
                        team[role] = existing.user
                        continue
                    if grid_code == INCOMPLETE_GRID and role == Role.STREET_CADRE:
                        continue
                    n = next(number)
                    person = self.user(
                        f"{grid_code.lower()}-{role}",
                        next(given, "林") + next(names, "红"),
                        f"139200{n:05d}",
                        is_staff=True,
                    )
                    Membership.objects.create(user=person, role=role, place=grid)
                    team[role] = person
                self.grid_team[grid_code] = team
        for code in ("HYNL", "MYXL", "XJL"):
            if not Membership.objects.filter(place__code=code, role=Role.COMMUNITY_STAFF).exists():
                n = next(number)
                staff = self.user(
                    f"{code.lower()}-staff", "社区" + str(n), f"139200{n:05d}", is_staff=True
                )
                Membership.objects.create(
                    user=staff, role=Role.COMMUNITY_STAFF, place=self.places[code]
                )
        n = next(number)
        nym = self.user("nym-staff", "南营门街道工作人员", f"139200{n:05d}", is_staff=True)
        Membership.objects.create(user=nym, role=Role.SUBDISTRICT_STAFF, place=self.places["NYM"])
        for code in self.departments:
            if code not in self.handlers:
                n = next(number)
                person = self.user(
                    f"{code.lower()}-handler", "经办人" + str(n), f"139200{n:05d}", is_staff=True
                )
                Membership.objects.create(
                    user=person, role=Role.HANDLER, department=self.departments[code]
                )
                self.handlers[code] = person

    def build_categories(self) -> None:
        cache: dict[tuple[str, ...], Category] = {}
        for l1, l2, l3, dept, limit, keywords, problems in CATEGORIES:
            parent = None
            for depth, name in enumerate((l1, l2, l3), start=1):
                key = (l1, l2, l3)[:depth]
                if key not in cache:
                    siblings = sum(1 for k in cache if len(k) == depth and k[:-1] == key[:-1])
                    code = f"{parent.code}.{siblings + 1:02d}" if parent else f"C{siblings + 1:02d}"
                    cache[key] = Category.objects.create(
                        code=code, name=name, parent=parent, level=depth
                    )
                parent = cache[key]
            assert parent is not None
            parent.default_department = self.departments[dept]
            parent.time_limit_class = limit
            parent.keywords = keywords
            parent.save()
            self.leaves.append((parent, problems))
        for (name,), top in ((k, c) for k, c in cache.items() if len(k) == 1):
            if name in TOP_DEPARTMENTS:
                top.default_department = self.departments[TOP_DEPARTMENTS[name]]
                top.save(update_fields=["default_department"])

    # --- playing cases forward ----------------------------------------------------------

    def later(self, at: datetime, run: Callable[[], None]) -> None:
        if at < self.now:
            heapq.heappush(self.queue, Step(at, next(self.counter), run))

    def play(self, progress: ProgressCallback | None = None) -> None:
        """Play the planned steps in time order, ticking once a day; ``progress(day, DAYS)``
        after each simulated day."""
        day = self.now - timedelta(days=DAYS)
        days = 0
        while self.queue:
            step = heapq.heappop(self.queue)
            while day + timedelta(days=1) <= step.at:
                day += timedelta(days=1)
                tick(now=day)
                days += 1
                if progress is not None:
                    progress(days, DAYS)
            # A refused step means the case moved on (tick escalated it): its plan ends.
            with clock.at(step.at), suppress(DomainError):
                step.run()
        tick(now=self.now)
        if progress is not None:
            progress(DAYS, DAYS)

    def fresh(self, code: str) -> Case:
        return Case.objects.get(code=code)

    def plan_case(
        self,
        at: datetime,
        grid_code: str,
        *,
        building: Place | None = None,
        leaf: tuple[Category, list[tuple[str, str]]] | None = None,
        problem: tuple[str, str] | None = None,
        session: OutreachSession | None = None,
        fate: str | None = None,
        fix_days: float | None = None,
    ) -> None:
        rng = self.rng
        team = self.grid_team[grid_code]
        worker = team[Role.GRID_WORKER]
        category, problems = leaf or rng.choice(self.leaves)
        title, description = problem or rng.choice(problems)
        if building is None:
            building = rng.choice(list(Place.objects.filter(parent__code=grid_code)))
        reporter = rng.choice(REPORTERS)
        phone = f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}" if reporter else ""
        fate = (
            fate
            or rng.choices(
                ["department", "grid", "on_spot", "reject", "send_back", "escalate"],
                weights=[50, 18, 14, 5, 7, 6],
            )[0]
        )
        channel = (
            "evening_talk"
            if session
            else rng.choice(["household_visit", "phone", "wechat", "web", "forum"])
        )
        codes: list[str] = []

        def report() -> None:
            case = cs.case_report(
                actor=worker if channel != "web" else None,
                role=RESIDENT if channel == "web" else None,
                title=title,
                description=description,
                category=category,
                place=building,
                channel=channel,
                reporter_name=reporter,
                reporter_phone=phone,
                session=session,
                solved_on_spot=(fate == "on_spot"),
                reply=f"“{title}”已现场协调处理完毕，并向居民说明。" if fate == "on_spot" else "",
                route=False,  # the history the router learns from is the people's own work
            )
            codes.append(case.code)

        self.later(at, report)
        if fate == "on_spot":
            self.plan_visit(at, codes, worker)
            return
        # Most are taken up within the 2-hour response limit; one in ten is late.
        late = rng.random() < 0.1
        t = at + timedelta(hours=rng.uniform(2.2, 8) if late else rng.uniform(0.2, 1.9))
        self.later(t, partial(self._do, codes, cs.case_accept, worker))
        if fate == "reject":
            t += timedelta(hours=rng.uniform(0.5, 6))
            self.later(
                t,
                partial(
                    self._do,
                    codes,
                    cs.case_reject,
                    worker,
                    reason="经核实属于重复反映，已并入原工单跟进。",
                ),
            )
            return
        if fate == "escalate":
            staff = Membership.objects.filter(
                role=Role.COMMUNITY_STAFF, place=self.places[grid_code].parent
            ).first()
            assert staff is not None
            t += timedelta(hours=rng.uniform(1, 12))
            self.later(
                t,
                partial(
                    self._do, codes, cs.case_escalate, worker, reason="网格内无法解决，需社区协调。"
                ),
            )
            worker = staff.user  # the community now dispatches
        department = category.effective_department()
        in_grid = fate == "grid" or department is None
        handler = worker if in_grid else self.handlers[department.code]
        target = {"assignee": worker} if in_grid else {"department": department}
        t += timedelta(hours=rng.uniform(0.2, 4))
        self.later(t, partial(self._do, codes, cs.case_dispatch, worker, **target))
        if fate == "send_back":
            t += timedelta(hours=rng.uniform(2, 24))
            self.later(
                t,
                partial(
                    self._do,
                    codes,
                    cs.case_send_back,
                    handler,
                    reason="该事项不属于本部门职责，请重新派遣。",
                ),
            )
            other = self.departments["D-HOUSING"]
            handler = self.handlers["D-HOUSING"]
            t += timedelta(hours=rng.uniform(1, 8))
            self.later(t, partial(self._do, codes, cs.case_dispatch, worker, department=other))
        t += timedelta(hours=rng.uniform(1, 20))
        self.later(t, partial(self._do, codes, cs.case_start, handler))
        limit_hours = {"emergency": 1.5, "utilities": 20, "ordinary": 150, "complex": 330}[
            category.time_limit_class
        ]
        days = fix_days if fix_days is not None else None
        hours = days * 24 if days is not None else rng.uniform(0.1, 1.15) * limit_hours
        t += timedelta(hours=hours)
        # A reply that names the building and the problem, as a handler would write it; the
        # few the reply quality check still flags (a repeat in the same building) are sent
        # anyway with this reason, and the dashboard counts them.
        reply = f"{building.name}“{title}”：{rng.choice(REPLIES)}"
        kw = {"reply": reply, "override_reason": "演示数据：同类问题的答复。"}
        self.later(t, partial(self._do, codes, cs.case_resolve, handler, **kw))
        self.plan_visit(t, codes, self.grid_team[grid_code][Role.GRID_WORKER])

    def _do(self, codes: list[str], service: Callable[..., object], actor: User, **kw) -> None:
        if not codes:
            return
        case = self.fresh(codes[0])
        service(actor=actor, case=case, version=case.version, **kw)

    def plan_visit(self, resolved_at: datetime, codes: list[str], visitor: User) -> None:
        rng = self.rng
        t = resolved_at + timedelta(days=rng.uniform(1.1, 6.5))
        outcome = rng.choices(
            [
                ("yes", "satisfied"),
                ("yes", "basically"),
                ("partly", "basically"),
                ("no", "unsatisfied"),
            ],
            weights=[78, 10, 6, 6],
        )[0]

        def visit() -> None:
            if not codes:
                return
            pending = ReturnVisit.objects.filter(
                case__code=codes[0], status__in=[VisitStatus.SCHEDULED, VisitStatus.OPEN]
            ).first()
            if pending is None:
                return
            cs.return_visit_record(
                actor=visitor,
                visit=pending,
                method=rng.choice(["phone", "in_person"]),
                solved=outcome[0],
                satisfied=outcome[1],
                comment="居民表示满意。"
                if outcome[1] != "unsatisfied"
                else "问题反复，居民不满意。",
            )

        self.later(t, visit)

    def plan_story(self) -> None:
        """The doors of 义顺里 No. 7 and No. 10, raised at an evening talk, fixed in a week."""
        start = self.now - timedelta(days=40)
        talk_at = timezone.localtime(start).replace(hour=19, minute=0, second=0, microsecond=0)
        with clock.at(talk_at):
            session = os_.session_plan(
                actor=self.users["community"],
                kind=SessionKind.EVENING_TALK,
                title="和平夜话·华荫南里社区",
                community=self.places["HYNL"],
                starts_at=talk_at,
                location="华荫南里社区党群服务中心",
                hosts=[self.users["leader"], self.users["agencycadre"], self.users["gridworker"]],
                liaison_units=list(LiaisonUnit.objects.filter(code="L-HOUSING")),
            )
        door = next(leaf for leaf in self.leaves if leaf[0].name == "楼门楼道设施")
        for number, minutes in ((7, 20), (10, 35)):
            self.plan_case(
                talk_at + timedelta(minutes=minutes),
                "HYNL-G1",
                building=self.places[f"HYNL-G1-B{number:02d}"],
                leaf=door,
                problem=(
                    f"义顺里{number}号楼门老旧关不上",
                    f"居民在夜话中反映：义顺里{number}号楼门年久变形，关不严，"
                    "存在安全隐患，希望尽快更换。",
                ),
                session=session,
                fate="department",
                fix_days=5.5,
            )
        self.later(
            talk_at + timedelta(hours=2),
            lambda: self._close_session(
                session,
                23,
                "居民反映楼门老旧、水管锈蚀、缺少合唱排练场地等问题，现场记录并转办。",
                7,
            ),
        )
        self.sessions.append(session)

    def _close_session(
        self, session: OutreachSession, attendance: int, notes: str, revisit_days: int
    ) -> None:
        host = session.created_by
        os_.session_record(actor=host, session=session, attendance=attendance, notes=notes)
        os_.session_close(
            actor=host,
            session=session,
            revisit_on=(session.starts_at + timedelta(days=revisit_days)).date(),
        )

    def plan_sessions(self) -> None:
        communities = {
            "HYNL": "和平夜话·华荫南里社区",
            "MYXL": "和平夜话·民园西里社区",
            "XJL": "海河夜话·新建里社区",
        }
        for i, days_ago in enumerate((110, 95, 80, 62, 33, 20, 9, -3)):
            code = list(communities)[i % 3]
            when = timezone.localtime(self.now - timedelta(days=days_ago)).replace(
                hour=19, minute=0, second=0, microsecond=0
            )
            kind = SessionKind.FORUM if i % 4 == 3 else SessionKind.EVENING_TALK
            # Each community's own staff plans its talks.
            staff = Membership.objects.get(role=Role.COMMUNITY_STAFF, place__code=code).user
            with clock.at(min(when, self.now) - timedelta(days=3)):
                session = os_.session_plan(
                    actor=staff,
                    kind=kind,
                    title=communities[code],
                    community=self.places[code],
                    starts_at=when,
                    location=f"{self.places[code].name}党群服务中心",
                    hosts=[self.users["leader"], self.users["agencycadre"]],
                    liaison_units=list(LiaisonUnit.objects.filter(communities__code=code)),
                )
            self.sessions.append(session)
            if when >= self.now:
                continue  # planned, not yet held
            grids = [g for g, _ in GRIDS[code]]
            for k in range(self.rng.randint(4, 8)):
                self.plan_case(
                    when + timedelta(minutes=10 + 8 * k), self.rng.choice(grids), session=session
                )
            if days_ago > 12:
                self.later(
                    when + timedelta(hours=2),
                    partial(
                        self._close_session,
                        session,
                        15 + days_ago % 20,
                        "居民围绕楼院环境、老旧设施和养老服务提出意见。",
                        14,
                    ),
                )

    def plan_batch(self) -> None:
        """Old water pipes in several buildings of one estate: one fix for all of them."""
        pipes = next(leaf for leaf in self.leaves if leaf[0].name == "供水管道")
        base = self.now - timedelta(days=70)
        codes: list[list[str]] = []
        for number in (2, 3, 5, 8):
            building = self.places[f"HYNL-G2-B{number:02d}"]
            holder: list[str] = []
            codes.append(holder)

            def report(b=building, h=holder) -> None:
                worker = self.grid_team["HYNL-G2"][Role.GRID_WORKER]
                case = cs.case_report(
                    actor=worker,
                    title="老旧水管锈水",
                    description="自来水发黄，水管用了三十多年，希望整体更换。",
                    category=pipes[0],
                    place=b,
                    channel="household_visit",
                    reporter_name="居民",
                    reporter_phone=f"1392233{self.rng.randint(1000, 9999)}",
                )
                h.append(case.code)
                # Taken up at once and sent to the water board with time for the whole
                # estate's pipes (the deadline the batch is resolved by).
                case = cs.case_accept(actor=worker, case=case, version=case.version)
                cs.case_dispatch(
                    actor=worker,
                    case=case,
                    version=case.version,
                    department=pipes[0].effective_department(),
                    deadline=base + timedelta(days=26),
                )

            self.later(base + timedelta(days=number), report)
        staff = self.users["community"]

        def merge() -> None:
            cases = [self.fresh(h[0]) for h in codes if h]
            self.batches.append(
                cs.batch_create(
                    actor=staff,
                    title="华荫南里小区供水管网整体改造",
                    description="多栋楼反映锈水，水务局对整个小区的供水管道一次性更换。",
                    cases=cases,
                ).code
            )

        def resolve() -> None:
            from minqing.cases.models import Batch

            batch = Batch.objects.get(code=self.batches[-1])
            cs.batch_resolve(
                actor=staff, batch=batch, reply="小区供水管网已整体更换完毕，水质检测合格。"
            )

        self.later(base + timedelta(days=10), merge)
        self.later(base + timedelta(days=24), resolve)
        for holder in codes:
            self.plan_visit(
                base + timedelta(days=24), holder, self.grid_team["HYNL-G2"][Role.GRID_WORKER]
            )

    def build_second_district(self) -> None:
        """河西区: a few places, two departments, its own rules and category (the places
        first, so that the log-ins can be given their memberships)."""
        for code, name, parent, kind in SECOND_PLACES:
            self.places[code] = Place.objects.create(
                code=code,
                name=name,
                kind=kind,
                parent=self.places.get(parent) if parent else None,
                short="HX" if kind == PlaceKind.DISTRICT else "",
            )
        district = self.places[SECOND_DISTRICT]
        rules = DistrictRules.objects.create(district=district, **SECOND_RULES)
        for level, limit_class, hours in SECOND_LIMITS:
            TimeLimit.objects.create(rules=rules, level=level, limit_class=limit_class, hours=hours)
        for number, (code, name) in enumerate(SECOND_DEPARTMENTS, start=1):
            self.departments[code] = Department.objects.create(
                code=code,
                name=name,
                level=DepartmentLevel.DISTRICT,
                place=district,
                phone=f"022-2831{number:04d}",
            )
        top = Category.objects.create(code="HX01", name="海河岸线", level=1, district=district)
        mid = Category.objects.create(
            code="HX01.01", name="堤岸设施", level=2, parent=top, district=district
        )
        self.second_category = Category.objects.create(
            code="HX01.01.01",
            name="护栏破损",
            level=3,
            parent=mid,
            district=district,
            default_department=self.departments["HX-RIVER"],
            time_limit_class=TimeLimitClass.ORDINARY,
            keywords="护栏 河边 堤岸",
        )

    def play_second_district(self) -> None:
        """This evening's cases of 河西区, recorded by its grid worker."""
        worker = self.user("pjnl-g1-grid_worker", "邱海涛", "13920020001", is_staff=True)
        Membership.objects.create(user=worker, role=Role.GRID_WORKER, place=self.places["PJNL-G1"])
        assert self.second_category is not None, "build_second_district comes first"
        for minutes, building, title, description, which in SECOND_CASES:
            category = self.second_category
            if which != "own":
                category = next(c for c, _p in self.leaves if c.top.name == which)
            with clock.at(self.now - timedelta(minutes=minutes)):
                cs.case_report(
                    actor=worker,
                    title=title,
                    description=description,
                    category=category,
                    place=self.places[building],
                    channel="household_visit",
                    urgency=urgency_suggest(f"{title} {description}"),
                )

    def build(self, cases: int = 300, progress: ProgressCallback | None = None) -> None:
        """Build the district and play ``cases`` cases; ``progress(day, DAYS)`` as it plays."""
        self.build_places()
        self.build_departments()
        self.build_second_district()
        self.build_people()
        self.build_categories()
        self.plan_story()
        self.plan_sessions()
        self.plan_batch()
        grids = [g for grids in GRIDS.values() for g, _ in grids]
        for _ in range(cases):
            at = self.now - timedelta(days=self.rng.uniform(0, DAYS))
            at = at.replace(microsecond=0)
            self.plan_case(at, self.rng.choice(grids))
        self.play(progress)
        self.play_second_district()


def seed_intake(*, now: datetime | None = None) -> list[Case]:
    """Report this evening's new cases through the web form, the hotline, WeChat and the API,
    so the router (trained on the history) routes them or leaves its suggestions."""
    moment = now or timezone.now()
    desk = Membership.objects.filter(role=Role.COMMUNITY_STAFF, place__code="HYNL").first()
    categories = Category.objects.for_district(DISTRICT_CODE).filter(children__isnull=True)
    leaves = category_leaves([DISTRICT_CODE])
    cases = []
    for minutes, channel, building, title, description, reporter in INTAKE:
        place = Place.objects.get(code=building)
        # The reporter's choice of category, by the keyword rules, as the web form does.
        text = f"{title} {description}"
        category = category_suggest(text, leaves) or categories.order_by("code")[0]
        # The hotline is answered at the community's desk; the web and WeChat are residents'
        # own; the API is an integrator's app.
        actor = desk.user if channel == "phone" and desk is not None else None
        role = None if actor else INTEGRATOR if channel == "api" else RESIDENT
        with clock.at(moment - timedelta(minutes=minutes)):
            cases.append(
                cs.case_report(
                    actor=actor,
                    role=role,
                    title=title,
                    description=description,
                    category=category,
                    place=place,
                    channel=channel,
                    # The hotline's desk marks a smell of gas an emergency, as the form suggests.
                    urgency=urgency_suggest(text),
                    reporter_name=reporter,
                    reporter_phone=f"1382222{minutes:04d}",
                )
            )
    return cases


def demo_exists() -> bool:
    return Place.objects.filter(code=DISTRICT_CODE).exists()


@transaction.atomic
def seed_demo(
    *, now: datetime | None = None, cases: int = 300, progress: ProgressCallback | None = None
) -> DemoWorld:
    world = DemoWorld(now or timezone.now())
    world.build(cases=cases, progress=progress)
    # The history is played, not lived: nobody is sent 120 days of messages at the first
    # delivery. What happens from now on (this evening's reports, the user's own steps) is.
    OutboxMessage.objects.filter(status=OutboxStatus.PENDING).update(
        status=OutboxStatus.SENT, sent_at=world.now
    )
    return world


def open_case_count() -> int:
    return Case.objects.exclude(state__in=[CaseState.CLOSED, CaseState.REJECTED]).count()
