"""Places, departments and categories: what forms are filled from."""

from __future__ import annotations

from minqing.api.tests.helpers import error


def test_places_filter_by_kind_parent_and_name(api):
    client = api("volunteer")
    buildings = client.get("/places", kind="building").json()
    assert buildings["count"] == 2
    assert {p["code"] for p in buildings["items"]} == {"HYNL-G1-B07", "HYNL-G2-B01"}
    grid_one = client.get("/places", parent="HYNL-G1").json()["items"]
    assert [p["code"] for p in grid_one] == ["HYNL-G1-B07"]
    assert grid_one[0]["parent"] == "HYNL-G1"
    assert client.get("/places", q="第二").json()["items"][0]["code"] == "HYNL-G2"
    page = client.get("/places", limit=2, offset=1).json()
    assert (page["count"], len(page["items"]), page["offset"]) == (7, 2, 1)


def test_one_place_and_an_unknown_one(api):
    client = api("volunteer")
    assert client.get("/places/HYNL").json()["kind"] == "community"
    missing = client.get("/places/NOPE")
    assert missing.status_code == 404
    assert error(missing)["code"] == "not_found"


def test_categories_show_the_tree_and_which_are_leaves(api):
    client = api("volunteer")
    every = client.get("/categories").json()
    assert [c["code"] for c in every] == ["C01", "C01.01", "C01.01.01", "C01.01.02"]
    leaves = client.get("/categories", leaf="true").json()
    assert [c["code"] for c in leaves] == ["C01.01.01", "C01.01.02"]
    door = client.get("/categories/C01.01.01").json()
    assert door["default_department"] == {"code": "D-HOUSING", "name": "老旧房屋改造办"}
    assert door["time_limit_class"] == "emergency"
    assert door["parent"] == "C01.01" and door["leaf"] is True
    assert client.get("/categories", parent="C01").json()[0]["code"] == "C01.01"
    assert client.get("/categories/C77").status_code == 404
    # The catch-all 待分类 is not offered to file under, but a case filed there can be read.
    assert client.get("/categories/UNSORTED").json()["name"] == "待分类"


def test_departments_are_listed(api):
    departments = api("volunteer").get("/departments").json()
    assert [d["code"] for d in departments] == ["D-HOUSING", "D-WATER"]
    assert departments[0]["place"] == "120101"


def test_bad_query_parameters_are_422_naming_them(api):
    client = api("volunteer")
    for params, field in (
        ({"kind": "planet"}, "kind"),
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"leaf": "perhaps"}, "leaf"),
    ):
        path = "/categories" if "leaf" in params else "/places"
        response = client.get(path, **params)
        assert response.status_code == 422, params
        assert error(response)["field"] == field
