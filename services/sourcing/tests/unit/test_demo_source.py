from collections import Counter
from datetime import UTC, datetime, timedelta

from ra_contracts.defaults import TARGET_INDUSTRIES, US_STATES
from ra_sourcing.rules import dedup_batch, dedup_key, normalize_company_name, normalize_job_title, screen_postings
from ra_sourcing.sources import DemoJobSource, JobSource, SourcingCriteria

FIXED_NOW = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)


def fixed_clock() -> datetime:
    return FIXED_NOW


async def test_fetch_is_repeatable_so_a_second_run_adds_nothing() -> None:
    criteria = SourcingCriteria()
    first = (await DemoJobSource(seed=7, count=300, clock=fixed_clock).fetch(criteria)).postings
    second = (await DemoJobSource(seed=7, count=300, clock=fixed_clock).fetch(criteria)).postings
    assert [p.model_dump() for p in first] == [p.model_dump() for p in second]

    other_seed = (await DemoJobSource(seed=8, count=300, clock=fixed_clock).fetch(criteria)).postings
    assert {p.job_link for p in first} != {p.job_link for p in other_seed}


async def test_postings_are_labelled_demo_data_and_plausible() -> None:
    postings = (await DemoJobSource(count=500).fetch(SourcingCriteria())).postings
    assert len(postings) == 500
    assert len({p.external_id for p in postings}) == 500
    assert all(p.source == "demo" for p in postings)
    assert all(p.job_link is None or p.job_link.startswith("https://jobs.demo.example/") for p in postings)
    assert all(p.state in US_STATES and p.city for p in postings)
    assert all(p.industry in TARGET_INDUSTRIES for p in postings)
    assert all(p.description and "DEMO DATA" in p.description for p in postings)
    assert all(
        p.salary_min is not None and p.salary_max is not None and p.salary_min < p.salary_max
        for p in postings
        if p.salary_min is not None
    )


async def test_share_of_salaries_and_links_is_realistic() -> None:
    postings = (await DemoJobSource(count=2000).fetch(SourcingCriteria())).postings
    with_salary = sum(p.salary_min is not None for p in postings) / len(postings)
    with_link = sum(p.job_link is not None for p in postings) / len(postings)
    assert 0.6 < with_salary < 0.85
    assert 0.8 < with_link < 0.97


async def test_every_posting_is_within_the_last_30_days() -> None:
    now = datetime.now(UTC)
    postings = (await DemoJobSource(count=2000).fetch(SourcingCriteria())).postings
    assert all(p.posted_at is not None and p.posted_at.tzinfo is not None for p in postings)
    assert all(now - timedelta(days=30) <= p.posted_at <= now for p in postings if p.posted_at)


async def test_about_30_percent_are_duplicates_of_the_same_batch() -> None:
    postings = (await DemoJobSource(count=2000).fetch(SourcingCriteria())).postings
    result = dedup_batch(postings)
    assert 0.25 < len(result.skipped) / len(postings) < 0.35
    assert any(len(p.sources) > 1 for p in result.kept)


async def test_duplicates_need_normalisation_to_be_found() -> None:
    postings = (await DemoJobSource(count=1000).fetch(SourcingCriteria())).postings
    spellings: dict[str, set[str]] = {}
    for p in postings:
        spellings.setdefault(normalize_company_name(p.company_name), set()).add(p.company_name)
    assert sum(len(names) > 1 for names in spellings.values()) > 50
    assert any(name.startswith("The ") for p in postings for name in [p.company_name])


async def test_some_duplicates_are_better_than_what_they_repeat() -> None:
    postings = (await DemoJobSource(count=2000).fetch(SourcingCriteria())).postings
    first_seen: dict[str, str] = {}
    for p in postings:
        first_seen.setdefault(dedup_key(p), p.external_id)
    winners = dedup_batch(postings).kept
    assert any(first_seen[dedup_key(p)] != p.external_id for p in winners)


async def test_filters_are_exercised() -> None:
    postings = (await DemoJobSource(count=2000).fetch(SourcingCriteria())).postings
    reasons = Counter(reason for _, reason in screen_postings(postings, SourcingCriteria()).skipped)
    for reason in ("excluded_it", "excluded_staffing", "title_not_targeted", "missing_company"):
        assert reasons[reason] > 0, reason
    assert sum(reasons.values()) < 0.2 * len(postings)


async def test_max_results_overrides_count_and_settings_shape_the_batch() -> None:
    criteria = SourcingCriteria(target_job_titles=["Plant Manager"], target_states=["OH"], max_results=50)
    postings = (await DemoJobSource(count=10).fetch(criteria)).postings
    assert len(postings) == 50
    assert {p.state for p in postings} == {"OH"}
    kept = screen_postings(postings, criteria).kept
    assert kept
    assert all("Plant Manager" in normalize_job_title(p.job_title) for p in kept)


def test_demo_source_is_a_job_source() -> None:
    assert isinstance(DemoJobSource(), JobSource)
    assert DemoJobSource().name == "demo"
