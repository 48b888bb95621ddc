"""Shared fixtures: a small hand-made leak whose every cell is known, independent of the generator."""

from __future__ import annotations

import csv
import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import xlsxwriter

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def make_id(region: str, birth: str, seq: int) -> str:
    """A synthetic resident ID with its ISO 7064 MOD 11-2 check character (an oracle written
    independently of izdesh.identity)."""
    body = f"{region}{birth}{seq:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS)) % 11]


PEOPLE = [
    # (name as written, id, sex, township, village, status, date, reason)
    ("买买提·吐尔逊", make_id("653121", "19850304", 11), "男", "托克扎克镇", "阿亚格曼干村", "教育转化", "2017-07-26", "使用快牙"),
    ("阿依古丽·买买提", make_id("653121", "19900512", 22), "女", "托克扎克镇", "阿亚格曼干村", "在押", "2017-08-01", "有亲属在境外"),
    ("艾合买提・阿不都拉", make_id("654027", "19760101", 33), "男", "特克斯镇", "1村", "判刑", "2018-01-15", "学习经文"),
    ("吐尔逊古丽", make_id("652427", "19620909", 44), "女", "特克斯镇", "2村", "", "", ""),
]


@pytest.fixture(scope="session")
def small_leak(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("leak")
    (root / "疏附县").mkdir()
    wb = xlsxwriter.Workbook(root / "疏附县" / "人员名单.xlsx")
    ws = wb.add_worksheet("在押人员")
    ws.merge_range(0, 0, 0, 7, "托克扎克镇重点人员名单")  # a merged title row above the header
    ws.write_row(1, 0, ["序号", "姓名", "性别", "身份证号码", "乡镇", "村", "现状", "收押时间", "原因"])
    for i, (name, idn, sex, town, vil, status, when, why) in enumerate(PEOPLE[:3]):
        ws.write_row(i + 2, 0, [i + 1, name, sex, idn, town, vil, status, when, why])
    ws.write_number(5, 0, 4)
    ws.write_string(5, 1, "吐尔逊古丽")
    ws.write_number(5, 3, float(PEOPLE[3][1]))  # an ID stored as an Excel number: precision lost
    wb.close()
    with (root / "导出.csv").open("w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["姓名", "公民身份号码", "住址"])
        w.writerow([PEOPLE[0][0], PEOPLE[0][1], "疏附县托克扎克镇"])
        w.writerow(["不存在的人", make_id("653121", "19990101", 55)[:-1] + "0", "坏校验位"])
    (root / "空文件.xlsx").write_bytes(b"")
    (root / "截断.xlsx").write_bytes((root / "疏附县" / "人员名单.xlsx").read_bytes()[:700])
    (root / "说明.bin").write_bytes(bytes(range(256)) * 4)
    return root


# Every store test runs on both engines: an embedded SQLite file and a real PostgreSQL server
# (started on a temporary folder). IZDESH_TEST_ENGINES=sqlite narrows a local run; CI runs both.
ENGINES = [e for e in os.environ.get("IZDESH_TEST_ENGINES", "sqlite,postgresql").split(",") if e]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    from izdesh.store.pgtemp import TempPostgres

    with TempPostgres() as pg:
        yield pg


@pytest.fixture(scope="session", params=ENGINES)
def engine_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def new_store(
    engine_kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[], str]:
    """A factory of empty stores (`--db` values) of the engine under test."""
    pg = request.getfixturevalue("pg_server") if engine_kind == "postgresql" else None
    counter = itertools.count()

    def make() -> str:
        if pg is None:
            return str(tmp_path_factory.mktemp("db") / f"store{next(counter)}.sqlite")
        return pg.create_database(f"store{next(counter)}")  # type: ignore[attr-defined]

    return make


@pytest.fixture(scope="session")
def small_db(small_leak: Path, new_store: Callable[[], str]) -> str:
    from izdesh.ingest.pipeline import ingest

    db = new_store()
    ingest([small_leak], db, workers=1, progress=False)
    return db


@pytest.fixture(scope="session")
def demo_leak(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated leak of 2,000 persons with its ground truth, shared by the end-to-end tests."""
    from izdesh.generate.leak import generate

    leak = tmp_path_factory.mktemp("demo") / "leak"
    generate(leak, persons=2000, seed=11, progress=False)
    return leak


@pytest.fixture(scope="session")
def built(demo_leak: Path, new_store: Callable[[], str]) -> tuple[Path, str]:
    """The demo leak ingested into a store of the engine under test."""
    from izdesh.ingest.pipeline import ingest

    db = new_store()
    ingest([demo_leak], db, workers=2, progress=False, exclude=("truth/*",))
    return demo_leak, db
