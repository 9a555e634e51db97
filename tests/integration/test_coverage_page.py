"""The Coverage page in the Airflow UI: real api-server, real auth manager, real Chromium.

The page reads the verifier's records, so each test first records a verification of the
seeds' first-month window on the Session 42 data (the test warehouse's state): the team
summaries hold only 2021-11-15, every other date of the month is missing.

Browser tests drive Debian's ``chromium`` with Playwright (never a downloaded browser).
Without it they skip, unless ``NBA_REQUIRE_BROWSER=1`` (set by ``.ci/run``) makes that a
failure. The screenshot lands in ``.local/artifacts/coverage_page.png``.
"""

from __future__ import annotations

import datetime
import os
import shutil
import uuid
from urllib.parse import urlencode

import pytest
import requests

from local_stack.airflow_api import AirflowApi, password_for
from local_stack.config import REPO_ROOT
from nba_backfill.coverage.repairs import MEASURED, RANGE, format_duration
from tests.as_of import AS_OF

pytestmark = pytest.mark.integration

D = datetime.date
FIRST_MONTH = (D(2021, 10, 19), D(2021, 11, 19))
GAP_TABLE = "team_offense_game_summary"
ARTIFACTS = REPO_ROOT / ".local" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags for a closed network: without the background-networking ones Chromium keeps trying
# to reach Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _record_first_month(bq):
    from nba_backfill.coverage import history, plan, verify

    tables, ranges = plan(from_date=str(FIRST_MONTH[0]), to_date=str(FIRST_MONTH[1]), now=AS_OF)
    report = verify(tables, ranges, bq, parity_sample=20)
    verification_id = f"test__coverage_page_{uuid.uuid4().hex[:8]}"
    history.record(report, verification_id, "test", bq)
    return report


@pytest.fixture(scope="module")
def first_month_recorded(loaded_warehouse, bq):
    """A verification of the first month, recorded as verify_coverage records it."""
    return _record_first_month(bq)


@pytest.fixture
def records_put_back(first_month_recorded, bq):
    """Records the first month again when the test ends. Requested before
    ``restore_partitions``, it runs after the data is back: a test whose repair or verification
    recorded a newer verdict leaves the records as the module's other tests expect them."""
    yield
    _record_first_month(bq)


VERIFY_DAG = "it_verify_coverage"  # the test stack's NBA_VERIFY_DAG_ID (tests/conftest.py)


def _token(stack_config, username: str) -> str:
    response = requests.post(
        f"{stack_config.airflow_url}/auth/token",
        json={"username": username, "password": password_for(stack_config, username)},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()["access_token"]


def _backfills(api: AirflowApi, dag_id: str) -> list[dict]:
    return api.request("GET", "/backfills", params={"dag_id": dag_id, "limit": 100, "order_by": "-id"})[
        "backfills"
    ]


REPAIR = {  # a valid request; each test changes what it tests
    "table": GAP_TABLE,
    "from_date": str(FIRST_MONTH[0]),
    "to_date": str(FIRST_MONTH[1]),
    "reprocess_behavior": "failed",
}


def test_the_data_refuses_anonymous_callers_and_the_page_sends_them_to_log_in(airflow_stack, stack_config):
    response = requests.get(f"{stack_config.airflow_url}/coverage/api/coverage", timeout=30)
    assert response.status_code == 401
    assert response.json()["detail"] == "Not authenticated"
    page = requests.get(f"{stack_config.airflow_url}/coverage/", allow_redirects=False, timeout=30)
    assert page.status_code == 303
    assert page.headers["location"] == "/auth/login?" + urlencode(
        {"next": f"{stack_config.airflow_url}/coverage/"}
    )
    assert "NBA backfill coverage" not in page.text
    forged = requests.get(
        f"{stack_config.airflow_url}/coverage/api/coverage",
        headers={"Authorization": "Bearer not-a-token"},
        timeout=30,
    )
    assert forged.status_code in (401, 403)


def test_anonymous_and_viewer_cannot_start_a_repair(airflow_stack, stack_config):
    dag_id = f"backfill_{GAP_TABLE}"
    before = _backfills(airflow_stack, dag_id)
    url = f"{stack_config.airflow_url}/coverage/api/repairs"

    anonymous = requests.post(url, json=REPAIR, timeout=30)
    assert anonymous.status_code == 401

    viewer = {"Authorization": f"Bearer {_token(stack_config, 'viewer')}"}
    page = requests.get(f"{stack_config.airflow_url}/coverage/", headers=viewer, timeout=30)
    assert page.status_code == 200 and "NBA backfill coverage" in page.text  # a viewer may look
    refused = requests.post(url, json=REPAIR, headers=viewer, timeout=30)
    assert refused.status_code == 403, refused.text

    assert _backfills(airflow_stack, dag_id) == before, "a refused repair created a backfill"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"table": "team_offence_game_summary"}, "unknown table 'team_offence_game_summary'"),
        (
            {"from_date": "2021-11-19", "to_date": "2021-10-19"},
            "from_date 2021-11-19 is after to_date 2021-10-19",
        ),
        ({"from_date": "2015-01-01"}, "before team_offense_game_summary's history start"),
    ],
)
def test_a_bad_repair_request_is_refused_with_the_reason(airflow_stack, stack_config, change, message):
    dag_id = f"backfill_{GAP_TABLE}"
    before = _backfills(airflow_stack, dag_id)
    operator = {"Authorization": f"Bearer {_token(stack_config, 'operator')}"}
    response = requests.post(
        f"{stack_config.airflow_url}/coverage/api/repairs",
        json={**REPAIR, **change},
        headers=operator,
        timeout=30,
    )
    assert response.status_code == 422
    assert message in response.json()["detail"]
    assert _backfills(airflow_stack, dag_id) == before


def test_a_bad_date_detail_request_is_refused_with_the_reason(airflow_stack, stack_config):
    viewer = {"Authorization": f"Bearer {_token(stack_config, 'viewer')}"}
    url = f"{stack_config.airflow_url}/coverage/api/dates"
    unknown = requests.get(f"{url}/team_offence_game_summary/2021-10-20", headers=viewer, timeout=30)
    assert (
        unknown.status_code == 404 and "unknown table 'team_offence_game_summary'" in unknown.json()["detail"]
    )
    early = requests.get(f"{url}/{GAP_TABLE}/2015-01-01", headers=viewer, timeout=30)
    assert (
        early.status_code == 422
        and "before team_offense_game_summary's history start" in early.json()["detail"]
    )
    malformed = requests.get(f"{url}/{GAP_TABLE}/2021-13-45", headers=viewer, timeout=30)
    assert malformed.status_code == 422
    assert requests.get(f"{url}/{GAP_TABLE}/2021-10-20", timeout=30).status_code == 401


def test_the_data_endpoint_serves_the_recorded_verification(
    airflow_stack, stack_config, first_month_recorded
):
    viewer = {"Authorization": f"Bearer {_token(stack_config, 'viewer')}"}
    data = requests.get(
        f"{stack_config.airflow_url}/coverage/api/coverage", headers=viewer, timeout=60
    ).json()
    by_table = {t["table"]: t for t in data["tables"]}
    recorded = {t.table: t for t in first_month_recorded.tables}
    assert set(by_table) == set(recorded)
    for name, coverage in recorded.items():
        card = by_table[name]
        assert card["status"] == coverage.status
        assert (card["expected_rows"], card["present_rows"]) == (
            coverage.expected_rows,
            coverage.present_rows,
        )
        # The page holds every date's newest state; an earlier whole-history verification of
        # a reused stack may hold other dates, so compare the recorded window's.
        window = {
            day: f for day, f in card["dates"].items() if str(FIRST_MONTH[0]) <= day <= str(FIRST_MONTH[1])
        }
        assert len([f for f in window.values() if f[0] == "missing"]) == len(coverage.dates_in("missing"))
    offense = by_table[GAP_TABLE]
    assert offense["dates"]["2021-10-20"][0] == "missing"
    assert offense["dates"]["2021-11-15"][0] == "partial"  # present, never hashed
    # The repairs are the verifier's (their reprocess behaviour depends on what earlier runs
    # logged, so they come from the recorded report), and every gap date sits under one.
    expected = [r.command for r in first_month_recorded.repairs[GAP_TABLE]]
    assert [r["command"] for r in offense["repairs"]] == expected
    gap_dates = {}
    for repair in offense["repairs"]:
        for gap in repair["gaps"]:
            assert repair["from_date"] <= gap["from_date"] <= gap["to_date"] <= repair["to_date"]
            for day, figures in offense["dates"].items():
                if gap["from_date"] <= day <= gap["to_date"]:
                    assert figures[0] == gap["state"], (day, gap)
                    gap_dates[day] = gap["state"]
    assert gap_dates == {
        day: f[0]
        for day, f in offense["dates"].items()
        if f[0] != "complete" and str(FIRST_MONTH[0]) <= day <= str(FIRST_MONTH[1])
    }
    assert gap_dates["2021-10-20"] == "missing" and gap_dates["2021-11-15"] == "partial"
    assert any(s["season"] == "2021-22" for s in data["seasons"])


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("NBA_REQUIRE_BROWSER") == "1":
            pytest.fail(f"NBA_REQUIRE_BROWSER=1 but there is no Chromium at {CHROMIUM}")
        pytest.skip("browser tests need Debian's chromium: sudo apt-get install chromium")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


_open_contexts: list = []


@pytest.fixture(autouse=True)
def _pages_close_with_their_test():
    # An open page keeps polling and re-verifies what ended: it must not outlive its test.
    yield
    while _open_contexts:
        _open_contexts.pop().close()


def _new_context(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    _open_contexts.append(context)
    return context


def _logged_in_page(browser, stack_config, username: str):
    """A page whose Airflow session is the user's: the UI's own ``_token`` cookie."""
    context = _new_context(browser)
    context.add_cookies(
        [{"name": "_token", "value": _token(stack_config, username), "url": stack_config.airflow_url}]
    )
    return context.new_page()


def test_the_page_shows_the_gap_its_repair_runs_to_the_end_with_progress_and_is_verified_again(
    airflow_stack, stack_config, first_month_recorded, browser, records_put_back, restore_partitions, bq
):
    from nba_backfill.catalog.registry import REGISTRY
    from nba_backfill.coverage.measure import measure_table

    table = REGISTRY[GAP_TABLE]
    dag_id = table.range_dag_id
    days = [
        FIRST_MONTH[0] + datetime.timedelta(days=i) for i in range((FIRST_MONTH[1] - FIRST_MONTH[0]).days + 1)
    ]
    for day in days:  # the repair really writes: the Session 42 state comes back afterwards
        restore_partitions(table.table_id, day)
    # Paused, as a DAG may be: its runs would be created and sit queued forever.
    airflow_stack.request("PATCH", f"/dags/{dag_id}", json={"is_paused": True})
    page = _logged_in_page(browser, stack_config, "operator")
    page.goto(f"{stack_config.airflow_url}/coverage/")
    page.wait_for_selector("body[data-loaded=true]", timeout=30_000)

    card = page.locator(f'.card[data-table="{GAP_TABLE}"]')
    assert card.get_attribute("data-status") == "INCOMPLETE"
    recorded = next(t for t in first_month_recorded.tables if t.table == GAP_TABLE)
    assert f"{recorded.hashed_pct:.1f}%" in card.inner_text()

    page.locator(f'#tabs button[data-table="{GAP_TABLE}"]').click()
    heatmap = page.locator(f'.heatmap[data-table="{GAP_TABLE}"]')
    assert heatmap.is_visible()
    assert heatmap.locator('.day[data-date="2021-10-20"]').get_attribute("data-state") == "missing"
    assert heatmap.locator('.day[data-date="2021-11-15"]').get_attribute("data-state") == "partial"

    # 32 dates with missing keys: one range run on the processor path, its estimate shown.
    (planned,) = first_month_recorded.repairs[GAP_TABLE]
    assert (planned.kind, planned.mode, planned.from_date, planned.to_date) == (
        "range",
        "processor",
        *FIRST_MONTH,
    )
    row = page.locator(f'#gaps tr[data-table="{GAP_TABLE}"][data-from="2021-10-19"]')
    assert "missing 2021-10-19..2021-11-14" in row.inner_text()
    assert planned.command in row.inner_text()
    estimate = format_duration(MEASURED.seconds(RANGE, "processor", 32))
    assert f"one range run, processor path, over 32 game dates, about {estimate}" in row.inner_text()
    page.screenshot(path=str(ARTIFACTS / "coverage_page.png"), full_page=True)

    row.get_by_role("button", name="Repair").click()
    outcome = row.locator(".outcome.ok")
    outcome.wait_for(timeout=30_000)
    text = outcome.inner_text()
    assert f"of {dag_id} started: {dag_id} 2021-10-19..2021-11-19 (processor path)" in text
    assert f"{dag_id} was paused: unpaused it so the runs can start" in text
    run_id = text.split(" ")[1]
    assert airflow_stack.request("GET", f"/dags/{dag_id}")["is_paused"] is False
    try:
        # Live progress: the run appears with its game dates counted, then ends.
        line = page.locator(f'#runs .run[data-kind="range"][data-id="{run_id}"]')
        line.wait_for(timeout=30_000)
        assert f"{GAP_TABLE}: range run {run_id} of {dag_id} 2021-10-19..2021-11-19" in line.inner_text()
        page.wait_for_function(  # its figures once plan_chunks has cut the range
            f"document.querySelector('#runs .run[data-id=\"{run_id}\"]').innerText.includes('of 32 game dates')",
            timeout=120_000,
        )
        # The row whose button started it follows it too.
        assert "of 32 game dates" in row.locator(".outcome.live").inner_text()
        page.locator("#progress-section").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "coverage_page_repair_running.png"), full_page=False)
        finished = airflow_stack.wait_for_run(dag_id, run_id, timeout=300)
        assert finished["state"] == "success"
        assert finished["conf"] == planned.conf
        assert measure_table(table, *FIRST_MONTH, bq, parity_sample=0).complete

        # The repair ended after the newest verification: the page verifies what it repaired
        # on its own, then redraws from the new record.
        note = page.locator('#progress-note[data-reverify="started"]')
        note.wait_for(timeout=60_000)
        assert (
            f"verifying {GAP_TABLE} 2021-10-19..2021-11-19 (range run {run_id} ended success): run "
            in note.inner_text()
        )
        verify_run = note.inner_text().split(": run ")[1].split(" ")[0]
        verification = airflow_stack.wait_for_run(VERIFY_DAG, verify_run, timeout=300)
        assert verification["state"] == "success"
        assert verification["conf"] == {
            "tables": [GAP_TABLE],
            "from_date": "2021-10-19",
            "to_date": "2021-11-19",
        }
        assert verify_run.startswith("after_repair__")
        assert verification["note"] == f"range run {run_id} ended success"
        # One verification per repair, however many pages ask: the run id is the repair's.
        again = requests.post(
            f"{stack_config.airflow_url}/coverage/api/verifications",
            json={
                "tables": [GAP_TABLE],
                "from_date": "2021-10-19",
                "to_date": "2021-11-19",
                "after_repair": f"{dag_id}:{run_id}",
            },
            headers={"Authorization": f"Bearer {_token(stack_config, 'operator')}"},
            timeout=60,
        )
        assert again.status_code == 200 and (again.json()["id"], again.json()["created"]) == (
            verify_run,
            False,
        )
        page.wait_for_selector(f'body[data-redrawn-for="{verify_run}"]', timeout=60_000)
        card = page.locator(f'.card[data-table="{GAP_TABLE}"]')
        assert "2021-10-19 → 2021-11-19" in card.inner_text()
        # The big number is the whole history's, which one month does not complete.
        viewer = {"Authorization": f"Bearer {_token(stack_config, 'viewer')}"}
        data = requests.get(f"{stack_config.airflow_url}/coverage/api/coverage", headers=viewer, timeout=60)
        offense = next(t for t in data.json()["tables"] if t["table"] == GAP_TABLE)
        big = card.locator(".pct").inner_text()
        if offense["history_never_verified_dates"]:  # a fresh warehouse: only windows verified so far
            assert big == "\u2013"  # an en dash: no figure
            assert (
                f"whole history unknown: {offense['history_never_verified_dates']:,} of "
                f"{offense['history_expected_dates']:,} game dates never verified"
            ) in card.locator(".pct-caption").inner_text()
        else:  # a reused one, verified whole before
            assert 0 < offense["history_hashed_pct"] < 100
            assert big == f"{offense['history_hashed_pct']:.1f}%"
        assert card.locator(".window").inner_text().endswith("· 100.0% hashed correctly")  # the month
        assert "COMPLETE for 2021-10-19..2021-11-19" in card.inner_text()
        assert heatmap.locator('.day[data-date="2021-10-20"]').get_attribute("data-state") == "complete"
        assert not page.locator(f'#gaps tr[data-table="{GAP_TABLE}"][data-from="2021-10-19"]').count()
        done = page.locator(f'#runs .run[data-id="{run_id}"]')
        assert not done.count() or "32 of 32 game dates (100%)" in done.inner_text()
        page.screenshot(path=str(ARTIFACTS / "coverage_page_after_repair.png"), full_page=True)
    finally:
        airflow_stack.request("PATCH", f"/dags/{dag_id}", json={"is_paused": True})


def test_an_anonymous_browser_logs_in_and_comes_back_to_the_page(airflow_stack, stack_config, browser):
    page = _new_context(browser).new_page()
    page.goto(f"{stack_config.airflow_url}/coverage/")
    page.wait_for_url("**/auth/login?next=*", timeout=30_000)
    page.locator('input[name="username"]').fill("viewer")
    page.locator('input[name="password"]').fill(password_for(stack_config, "viewer"))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{stack_config.airflow_url}/coverage/", timeout=30_000)
    page.wait_for_selector("body[data-loaded=true]", timeout=30_000)
    assert page.locator(".card").count() == 5


def test_a_viewer_sees_the_repairs_disabled_with_the_role_they_need(
    airflow_stack, stack_config, first_month_recorded, browser
):
    page = _logged_in_page(browser, stack_config, "viewer")
    page.goto(f"{stack_config.airflow_url}/coverage/")
    page.wait_for_selector("body[data-loaded=true]", timeout=30_000)
    row = page.locator(f'#gaps tr[data-table="{GAP_TABLE}"][data-from="2021-10-19"]')
    button = row.get_by_role("button", name="Repair")
    assert button.is_disabled()
    why = row.locator(".outcome.needs-role").inner_text()
    assert f"Repairs start and unpause backfill_range_{GAP_TABLE}" in why
    assert "need a role that may run and edit DAGs (operator or admin); yours may only read" in why
    assert first_month_recorded.repairs[GAP_TABLE][0].command in row.inner_text()  # the plan stays readable
    assert page.locator("#verify-now").is_disabled()
    assert (
        f"Verifying starts a {VERIFY_DAG} run: it needs a role that may run DAGs (operator or admin)"
        in page.locator("#verify-outcome.needs-role").inner_text()
    )
    operator = _logged_in_page(browser, stack_config, "operator")
    operator.goto(f"{stack_config.airflow_url}/coverage/")
    operator.wait_for_selector("body[data-loaded=true]", timeout=30_000)
    page.locator("#gaps").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "coverage_page_viewer.png"), full_page=True)
    assert operator.locator(f'#gaps tr[data-table="{GAP_TABLE}"] button').first.is_enabled()
    assert operator.locator("#verify-now").is_enabled()


def test_a_dates_detail_recomputes_it_from_raw_data_and_names_its_stale_rows(
    airflow_stack, stack_config, bq, restore_partitions
):
    from local_stack.sample_data.corrections import apply_corrections, plan_corrections
    from nba_backfill.backfill.processor_path import write_partitions
    from nba_backfill.catalog.raw_tables import PLAYER_BOXSCORES
    from nba_backfill.catalog.registry import REGISTRY
    from nba_backfill.processors import RunInfo
    from nba_backfill.processors.source import recompute

    table, day = REGISTRY["player_game_summary"], D(2021, 11, 16)
    restore_partitions(PLAYER_BOXSCORES.table_id, day)
    restore_partitions(table.table_id, day)
    run = RunInfo("test_date_detail", "test", datetime.datetime(2026, 12, 4, tzinfo=datetime.UTC))
    write_partitions(table, recompute(table, day, day, run, bq).rows, day, day, "test_date_detail", bq)
    viewer = {"Authorization": f"Bearer {_token(stack_config, 'viewer')}"}
    url = f"{stack_config.airflow_url}/coverage/api/dates/{table.name}/{day}"
    clean = requests.get(url, headers=viewer, timeout=60).json()
    assert (clean["state"], clean["stale"], clean["stale_error"]) == ("complete", 0, None)

    (shot,) = [c for c in plan_corrections(4, day, day, bq, seed=5) if c.kind == "shot_credited"]
    apply_corrections([shot], bq)
    found = requests.get(url, headers=viewer, timeout=60).json()
    assert (found["state"], found["stale"]) == ("stale", 2)
    assert sorted(found["keys"]["stale"]) == sorted(f"{day} {shot.game_id} {p}" for p in shot.player_ids)


def test_calendars_carry_month_and_weekday_labels_and_a_date_opens_its_keys(
    airflow_stack, stack_config, first_month_recorded, browser, sample_data
):
    page = _logged_in_page(browser, stack_config, "viewer")
    page.goto(f"{stack_config.airflow_url}/coverage/")
    page.wait_for_selector("body[data-loaded=true]", timeout=30_000)
    page.locator(f'#tabs button[data-table="{GAP_TABLE}"]').click()
    heatmap = page.locator(f'.heatmap[data-table="{GAP_TABLE}"]')
    season = heatmap.locator(".season", has=page.locator('.season-label:text-is("2021-22")'))
    months = season.locator(".month").all_inner_texts()
    assert months[:3] == ["Oct", "Nov", "Dec"]
    assert season.locator(".weekdays span").all_inner_texts() == ["Sun", "", "Tue", "", "Thu", "", "Sat"]

    heatmap.locator('.day[data-date="2021-10-20"]').click()
    detail = heatmap.locator(".date-detail")
    detail.locator(".date-head").wait_for(timeout=30_000)
    games = [
        g["game_id"]
        for g in sample_data.source.schedule
        if g["game_date"] == D(2021, 10, 20) and not g["is_postponed"]
    ]
    assert detail.locator(".date-head").get_attribute("data-state") == "missing"
    assert f"0 of {2 * len(games)} expected keys present" in detail.locator(".date-head").inner_text()
    # Missing keys are the identity check's: none of them is called stale.
    assert detail.locator(".stale-note").inner_text() == "0 stale rows (recomputed from today's raw data)"
    detail.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "coverage_page_date_detail.png"), full_page=False)
    missing = detail.locator('.keys[data-problem="missing"] li').all_inner_texts()
    assert len(missing) == 2 * len(games)  # both teams of every game, none other
    assert {line.split()[2] for line in missing} == set(games)


def test_the_coverage_entry_is_in_the_airflow_navigation(airflow_stack, stack_config, browser):
    plugins = airflow_stack.request("GET", "/plugins")["plugins"]
    (plugin,) = [p for p in plugins if p["name"] == "nba_coverage"]
    assert [v["href"] for v in plugin["external_views"]] == ["/coverage/"]
    page = _logged_in_page(browser, stack_config, "viewer")
    page.goto(f"{stack_config.airflow_url}/")
    link = page.get_by_role("link", name="Coverage")
    link.first.wait_for(timeout=30_000)


def _framed_page(page, base: str):
    """The Coverage page inside Airflow's frame, once its data is drawn: (frame locator, frame URL)."""
    frame = page.frame_locator('iframe[title="Coverage"]')
    frame.locator("body[data-loaded=true]").wait_for(state="attached", timeout=30_000)
    assert frame.locator(".card").count() == 5
    (framed,) = [f for f in page.frames if f.url.startswith(f"{base}/coverage")]
    return frame, framed.url


def test_the_navigation_opens_the_page_at_airflows_deep_link_and_a_reload_shows_it_again(
    airflow_stack, stack_config, browser
):
    """Airflow 3.3 mirrors a same-origin nav iframe's path into the address bar under
    ``/plugin/<url_route>`` (the UI's ``useIframeUrlSync`` hook: ``navigate({pathname:
    `${basePath}${pathname}`}, {replace: true})`` on every load of the frame). So the page
    at ``/coverage/`` shows as ``/plugin/coverage/coverage/``; a plugin cannot change that.
    That URL and the entry's own ``/plugin/coverage`` must both show the page in the frame."""
    base = stack_config.airflow_url
    page = _logged_in_page(browser, stack_config, "viewer")
    page.goto(f"{base}/")
    page.get_by_role("link", name="Coverage").first.click()
    _, framed = _framed_page(page, base)
    assert framed == f"{base}/coverage/"
    page.wait_for_url(f"{base}/plugin/coverage/coverage/", timeout=30_000)

    for url, frame_url in (
        (f"{base}/plugin/coverage/coverage/", f"{base}/coverage/"),  # a reload of the address above
        (f"{base}/plugin/coverage", f"{base}/coverage/"),  # the navigation entry's own route
        # Typed without its slash: Airflow's own UI answers /coverage, unless redirected to /coverage/.
        (f"{base}/plugin/coverage/coverage", f"{base}/coverage/"),
    ):
        page.goto(url)
        _, framed = _framed_page(page, base)
        assert framed == frame_url, url
        # The address bar settles on the deep link of what the frame shows: nothing nested.
        page.wait_for_url(f"{base}/plugin/coverage{frame_url.removeprefix(base)}", timeout=30_000)


def _verify_runs(api: AirflowApi) -> list[str]:
    runs = api.request("GET", f"/dags/{VERIFY_DAG}/dagRuns", params={"limit": 100})["dag_runs"]
    return sorted(r["dag_run_id"] for r in runs)


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"tables": ["team_offence_game_summary"]}, 422, "team_offence_game_summary"),
        ({"from_date": "2021-11-19", "to_date": "2021-10-19"}, 422, "from_date 2021-11-19 is after to_date"),
        ({"from_date": "2021-13-45"}, 422, "date"),
        ({"stale_days": -1}, 422, "stale_days"),
    ],
)
def test_a_bad_verification_request_is_refused_and_starts_nothing(
    airflow_stack, stack_config, body, status, message
):
    before = _verify_runs(airflow_stack)
    operator = {"Authorization": f"Bearer {_token(stack_config, 'operator')}"}
    response = requests.post(
        f"{stack_config.airflow_url}/coverage/api/verifications", json=body, headers=operator, timeout=30
    )
    assert response.status_code == status
    assert message in str(response.json()["detail"])
    assert _verify_runs(airflow_stack) == before


def test_only_a_role_that_may_run_dags_may_verify(airflow_stack, stack_config):
    before = _verify_runs(airflow_stack)
    url = f"{stack_config.airflow_url}/coverage/api/verifications"
    assert requests.post(url, json={}, timeout=30).status_code == 401
    viewer = {"Authorization": f"Bearer {_token(stack_config, 'viewer')}"}
    assert requests.post(url, json={}, headers=viewer, timeout=30).status_code == 403
    assert _verify_runs(airflow_stack) == before


def test_verify_now_runs_the_verification_for_the_range_picked_and_the_page_redraws(
    airflow_stack, stack_config, first_month_recorded, browser, records_put_back, bq
):
    from nba_backfill.catalog.registry import REGISTRY
    from nba_backfill.coverage.measure import measure_table

    table, day = "player_game_summary", "2021-11-15"
    page = _logged_in_page(browser, stack_config, "operator")
    page.goto(f"{stack_config.airflow_url}/coverage/")
    page.wait_for_selector("body[data-loaded=true]", timeout=30_000)
    page.locator("#verify-table").select_option(table)
    page.locator("#verify-from").fill(day)
    page.locator("#verify-to").fill(day)
    page.locator("#verify-stale").check()  # recompute the whole range from raw data too
    page.locator("#verify-now").click()
    outcome = page.locator("#verify-outcome.ok")
    outcome.wait_for(timeout=30_000)
    text = outcome.inner_text()
    assert text.startswith(f"verifying {table} {day}..{day}: run ") and f" of {VERIFY_DAG}" in text
    run_id = text.split(": run ")[1].split(" ")[0]

    # The same request while it runs is answered with that run, not a second one.
    operator = {"Authorization": f"Bearer {_token(stack_config, 'operator')}"}
    again = requests.post(
        f"{stack_config.airflow_url}/coverage/api/verifications",
        json={"tables": [table], "from_date": day, "to_date": day, "stale_days": 100000},
        headers=operator,
        timeout=30,
    )
    finished = airflow_stack.wait_for_run(VERIFY_DAG, run_id, timeout=300)
    if again.status_code == 200:  # still running when asked again (the usual case)
        assert again.json()["id"] == run_id and again.json()["created"] is False
    else:  # it had already ended: a new run is the right answer
        assert again.status_code == 201
        airflow_stack.wait_for_run(VERIFY_DAG, again.json()["id"], timeout=300)
    # The verdict is the verifier's: a run with gaps alerts and fails, so it is red in the UI.
    measured = measure_table(REGISTRY[table], D.fromisoformat(day), D.fromisoformat(day), bq, parity_sample=0)
    assert finished["state"] == ("success" if measured.complete else "failed")
    assert finished["conf"] == {"tables": [table], "from_date": day, "to_date": day, "stale_days": 100000}

    line = page.locator(f'#runs .run[data-kind="verification"][data-id="{run_id}"]')
    line.wait_for(timeout=30_000)
    page.wait_for_selector(f'body[data-redrawn-for="{run_id}"]', timeout=60_000)
    card = page.locator(f'.card[data-table="{table}"]')
    assert f"{day} → {day}" in card.inner_text()
    assert f"{measured.status} for {day}..{day}" in card.inner_text()
    assert card.get_attribute("data-status") == "INCOMPLETE"  # the whole history is not complete
    assert f'data-state="{finished["state"]}"' in line.evaluate("n => n.outerHTML")
    page.screenshot(path=str(ARTIFACTS / "coverage_page_verify_now.png"), full_page=False)


def test_a_per_date_repair_reports_its_progress_in_game_dates(
    airflow_stack, stack_config, first_month_recorded, records_put_back, restore_partitions
):
    from nba_backfill.catalog.registry import REGISTRY

    table = REGISTRY[GAP_TABLE]
    days = (D(2021, 10, 20), D(2021, 10, 21))
    for day in days:
        restore_partitions(table.table_id, day)
    operator = {"Authorization": f"Bearer {_token(stack_config, 'operator')}"}
    started = requests.post(
        f"{stack_config.airflow_url}/coverage/api/repairs",
        # `completed`: both dates are rerun, whatever earlier tests left in their run history.
        json={
            **REPAIR,
            "from_date": str(days[0]),
            "to_date": str(days[1]),
            "kind": "backfill",
            "reprocess_behavior": "completed",
        },
        headers=operator,
        timeout=60,
    )
    assert started.status_code == 201, started.text
    backfill_id = str(started.json()["id"])
    viewer = {"Authorization": f"Bearer {_token(stack_config, 'viewer')}"}  # reading needs no more

    def mine() -> dict:
        progress = requests.get(
            f"{stack_config.airflow_url}/coverage/api/progress", headers=viewer, timeout=60
        )
        assert progress.status_code == 200, progress.text
        (found,) = [
            p for p in progress.json()["repairs"] if p["kind"] == "backfill" and p["id"] == backfill_id
        ]
        return found

    try:
        first = mine()
        assert (first["table"], first["dag_id"]) == (GAP_TABLE, table.dag_id)
        assert (first["from_date"], first["to_date"], first["total_dates"]) == (str(days[0]), str(days[1]), 2)
        assert first["active"] and first["state"] in ("queued", "running")
        assert first["eta_seconds"] is not None
        airflow_stack.wait_for_backfills(table.dag_id, after_id=int(backfill_id) - 1, timeout=600)
        last = mine()
        assert (last["state"], last["done_dates"], last["total_dates"], last["failed_dates"]) == (
            "success",
            2,
            2,
            0,
        )
        assert not last["active"] and last["ended_at"] and last["eta_seconds"] is None
    finally:
        airflow_stack.request("PATCH", f"/dags/{table.dag_id}", json={"is_paused": True})
