"""Shared fixtures: a small place tree, categories, departments and one user per role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from minqing.cases.models import Category, TimeLimitClass
from minqing.people.models import Membership, Role, User
from minqing.places.models import Department, Place, PlaceKind


@dataclass
class World:
    district: Place
    street: Place
    community: Place
    grid: Place
    building: Place
    other_grid: Place
    other_building: Place
    housing: Department
    water: Department
    door: Category
    pipes: Category
    users: dict[str, User]


def make_user(username: str, role: str | None = None, **membership) -> User:
    user = User.objects.create_user(username=username, password="pw", full_name=username)
    if role:
        Membership.objects.create(user=user, role=role, **membership)
    return user


@pytest.fixture
def world(db) -> World:
    district = Place.objects.create(
        code="120101", name="和平区", kind=PlaceKind.DISTRICT, short="HP"
    )
    street = Place.objects.create(
        code="WDD", name="五大道街", kind=PlaceKind.SUBDISTRICT, parent=district
    )
    community = Place.objects.create(
        code="HYNL", name="华荫南里社区", kind=PlaceKind.COMMUNITY, parent=street
    )
    grid = Place.objects.create(
        code="HYNL-G1", name="第一网格", kind=PlaceKind.GRID, parent=community
    )
    building = Place.objects.create(
        code="HYNL-G1-B07", name="义顺里7号", kind=PlaceKind.BUILDING, parent=grid
    )
    other_grid = Place.objects.create(
        code="HYNL-G2", name="第二网格", kind=PlaceKind.GRID, parent=community
    )
    other_building = Place.objects.create(
        code="HYNL-G2-B01", name="义顺里20号", kind=PlaceKind.BUILDING, parent=other_grid
    )
    housing = Department.objects.create(
        code="D-HOUSING", name="老旧房屋改造办", level="district", place=district
    )
    water = Department.objects.create(
        code="D-WATER", name="水务局", level="district", place=district
    )
    top = Category.objects.create(code="C01", name="城乡建设", level=1)
    mid = Category.objects.create(code="C01.01", name="住房", level=2, parent=top)
    door = Category.objects.create(
        code="C01.01.01",
        name="楼门损坏",
        level=3,
        parent=mid,
        default_department=housing,
        time_limit_class=TimeLimitClass.EMERGENCY,
    )
    pipes = Category.objects.create(
        code="C01.01.02",
        name="供水管道",
        level=3,
        parent=mid,
        default_department=water,
        time_limit_class=TimeLimitClass.UTILITIES,
    )
    users = {
        "grid_worker": make_user("gw", Role.GRID_WORKER, place=grid),
        "other_grid_worker": make_user("gw2", Role.GRID_WORKER, place=other_grid),
        "agency_cadre": make_user("ac", Role.AGENCY_CADRE, place=grid),
        "street_cadre": make_user("sc", Role.STREET_CADRE, place=grid),
        "volunteer": make_user("vol", Role.VOLUNTEER, place=grid),
        "community_staff": make_user("cs", Role.COMMUNITY_STAFF, place=community),
        "subdistrict_staff": make_user("ss", Role.SUBDISTRICT_STAFF, place=street),
        "handler": make_user("h", Role.HANDLER, department=housing),
        "water_handler": make_user("wh", Role.HANDLER, department=water),
        "leader": make_user("leader", Role.LEADER, place=district),
        "nobody": make_user("nobody"),
    }
    return World(
        district,
        street,
        community,
        grid,
        building,
        other_grid,
        other_building,
        housing,
        water,
        door,
        pipes,
        users,
    )


# --- shared fixtures ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 costs ~0.3 s per user; tests make many users and never need strong hashes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _notifications_to_a_directory_of_their_own(settings, tmp_path_factory):
    """The file adapters (SMS, WeChat) write into a directory per test, never into var/."""
    settings.MINQING_NOTIFY_OUTBOX_DIR = tmp_path_factory.mktemp("outbox")
    settings.MINQING_SMS_BACKEND = "file"
    settings.MINQING_WECHAT_BACKEND = "file"


@pytest.fixture(autouse=True)
def _reply_check_records_only(settings):
    """Tests written before the reply quality check resolve cases with short replies
    ("已修好"): the check records its flags but does not refuse. The reply-quality tests
    turn the refusal back on (``settings.MINQING_REPLY_CHECK_REFUSES = True``)."""
    settings.MINQING_REPLY_CHECK_REFUSES = False


@pytest.fixture(autouse=True)
def _no_router_unless_trained(settings, tmp_path_factory):
    """Every test starts without a router model, in a models directory of its own, so no
    test routes by accident nor writes into the repository's ``var/models`` (the demo's).
    Tests that want a router train one with ``train_router``."""
    settings.MINQING_ROUTER_MODELS_DIR = tmp_path_factory.mktemp("models")
    from minqing.cases.duplicates import reset_duplicate_index

    reset_duplicate_index()  # the database of the previous test has been rolled back
    yield
    reset_duplicate_index()


# A small labelled set in the words of the demo district: (first-level category, title).
ROUTER_EXAMPLES = [
    ("城乡建设", "楼门坏了关不上，晚上外人随意进出"),
    ("城乡建设", "单元门关不严，门锁损坏需要更换楼门"),
    ("城乡建设", "楼道灯不亮，楼门口台阶破损"),
    ("城乡建设", "老旧楼门变形关不上，存在安全隐患"),
    ("城乡建设", "屋顶漏雨，楼门和楼道墙皮脱落"),
    ("城乡建设", "楼门禁坏了，单元门一直开着"),
    ("交通运输", "公交车不按时发车，站台等车太久"),
    ("交通运输", "小区门口道路坑洼，车辆乱停乱放"),
    ("交通运输", "公交线路调整，希望增加公交站"),
    ("交通运输", "路口红绿灯时间太短，车辆拥堵"),
    ("交通运输", "共享单车堵在路口，道路不通"),
    ("交通运输", "停车位不够，道路两边乱停车"),
    ("环境保护", "饭店油烟扰民，噪音很大"),
    ("环境保护", "工地夜间施工噪音扰民"),
    ("环境保护", "河道污染发臭，垃圾没人清理"),
    ("环境保护", "工厂排放废气，空气污染严重"),
    ("环境保护", "夜市噪音太大，油烟污染"),
    ("环境保护", "垃圾站臭味很大，环境很差"),
]


@pytest.fixture
def train_router(settings, tmp_path):
    """``train_router(examples=ROUTER_EXAMPLES, threshold=None)`` trains a small router on
    data written into this test's tmp_path, makes it the current model and returns its
    version; ``threshold`` also sets ``MINQING_ROUTER_THRESHOLD``."""
    from minqing.routing import store
    from minqing.routing.router import Router

    def train(examples=ROUTER_EXAMPLES, threshold: float | None = None) -> str:
        models = tmp_path / "router-models"
        settings.MINQING_ROUTER_MODELS_DIR = models
        if threshold is not None:
            settings.MINQING_ROUTER_THRESHOLD = threshold
        router = Router.train([t for _, t in examples], [label for label, _ in examples], folds=3)
        store.save(router, models)
        return router.version

    return train


@pytest.fixture
def english():
    """Messages in English, so tests can read them whatever the default language is."""
    from django.utils import translation

    with translation.override("en"):
        yield


class CaseMaker:
    """A factory for cases that drives the real services, so every case has its history.

    ``in_state(state, level=…)`` reports a case in building 7 (grid 1) and moves it, as the
    people allowed to, to the state and owning level asked for.
    """

    PHONE = "13812345678"

    def __init__(self, world: World) -> None:
        self.world = world
        self._n = 0

    def report(self, **kwargs):
        from minqing.cases import services

        self._n += 1
        w = self.world
        values = {
            "actor": w.users["grid_worker"],
            "title": f"义顺里7号楼门关不上 {self._n}",
            "description": "楼门老化，关不严，存在安全隐患。",
            "category": w.door,
            "place": w.building,
            "channel": "evening_talk",
            "reporter_name": "王阿姨",
            "reporter_phone": self.PHONE,
        }
        values.update(kwargs)
        if "actor" not in kwargs and values["place"].path.startswith(w.other_grid.path):
            values["actor"] = w.users["other_grid_worker"]
        return services.case_report(**values)

    def dispatcher(self, case):
        """The person who takes decisions on the case at its owning level."""
        users = self.world.users
        if case.level == "grid":
            in_other = case.place.path.startswith(self.world.other_grid.path)
            return users["other_grid_worker" if in_other else "grid_worker"]
        return users[
            {"community": "community_staff", "subdistrict": "subdistrict_staff"}.get(
                case.level, "leader"
            )
        ]

    def assignee(self, case):
        users = self.world.users
        if case.assignee_user_id:
            return case.assignee_user
        if case.assignee_department_id == self.world.water.pk:
            return users["water_handler"]
        return users["handler"]

    def move(self, case, to: str, *, department=None, assignee=None):
        """One step forward from the case's current state towards ``to``."""
        from minqing.cases import services

        actor = self.dispatcher(case)
        step = {
            ("reported", "accepted"): lambda c: services.case_accept(
                actor=actor, case=c, version=c.version
            ),
            ("accepted", "dispatched"): lambda c: services.case_dispatch(
                actor=actor,
                case=c,
                version=c.version,
                department=department if assignee is None else None,
                assignee=assignee,
            ),
            ("dispatched", "in_progress"): lambda c: services.case_start(
                actor=self.assignee(c), case=c, version=c.version
            ),
            ("in_progress", "resolved"): lambda c: services.case_resolve(
                actor=self.assignee(c), case=c, version=c.version, reply="已更换新楼门。"
            ),
            ("resolved", "closed"): lambda c: services.case_close(
                actor=actor, case=c, version=c.version, reason="居民电话确认已修好。"
            ),
            ("reported", "rejected"): lambda c: services.case_reject(
                actor=actor, case=c, version=c.version, reason="重复反映，已并入其他工单。"
            ),
            ("accepted", "rejected"): lambda c: services.case_reject(
                actor=actor, case=c, version=c.version, reason="重复反映，已并入其他工单。"
            ),
        }[(case.state, to)]
        return step(case)

    PATHS = {
        "reported": [],
        "accepted": ["accepted"],
        "dispatched": ["accepted", "dispatched"],
        "in_progress": ["accepted", "dispatched", "in_progress"],
        "resolved": ["accepted", "dispatched", "in_progress", "resolved"],
        "closed": ["accepted", "dispatched", "in_progress", "resolved", "closed"],
        "rejected": ["rejected"],
    }

    def in_state(
        self,
        state: str,
        *,
        level: str = "grid",
        department=None,
        assignee=None,
        batched: bool = False,
        **report,
    ):
        """``batched``: merge the new case into a batch of its own first (by the leader)."""
        from minqing.cases import services

        if department is None and assignee is None:
            department = self.world.housing
        case = self.report(**report)
        if batched:
            services.batch_create(
                actor=self.world.users["leader"], title="整片更换楼门", cases=[case]
            )
            case.refresh_from_db()
        while case.level != level:
            case = services.case_escalate(
                actor=self.dispatcher(case), case=case, version=case.version, reason="网格解决不了"
            )
        for to in self.PATHS[state]:
            if case.state == to:
                continue
            case = self.move(case, to, department=department, assignee=assignee)
        if case.state != state:
            raise ValueError(f"cannot make a {state} case at {level} level")
        return case


@pytest.fixture
def cases(world) -> CaseMaker:
    return CaseMaker(world)
