import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from ra_sourcing.rules import (
    SkipReason,
    dedup_batch,
    dedup_key,
    is_excluded,
    is_staffing_agency,
    matches_target,
    normalize_company_name,
    normalize_job_title,
    quality_score,
    screen_postings,
)
from ra_sourcing.sources.base import JobPosting, SourcingCriteria
from ra_sourcing.sources.demo import DemoJobSource

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def posting(**overrides: Any) -> JobPosting:
    fields: dict[str, Any] = {
        "source": "demo",
        "external_id": "1",
        "company_name": "Summit Foods Inc.",
        "job_title": "Warehouse Manager",
        "state": "TX",
        "posted_at": NOW,
    }
    fields.update(overrides)
    return JobPosting(**fields)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("The Acme Co., Inc.", "acme"),
        ("Acme Inc", "acme"),
        ("Acme, Inc.", "acme"),
        ("ACME LLC", "acme"),
        ("Acme, L.L.C.", "acme"),
        ("Acme Corp.", "acme"),
        ("Acme Ltd", "acme"),
        ("Acme LP", "acme"),
        ("Acme LLP", "acme"),
        ("Smith Dental PC", "smith dental"),
        ("Smith Dental, PLLC", "smith dental"),
        ("  The   Tri-County  Foods Inc ", "tri county foods"),
        ("McDonald's Corp", "mcdonalds"),
        ("Johnson & Johnson", "johnson johnson"),
    ],
)
def test_company_names_normalise_per_sop(raw: str, normalized: str) -> None:
    assert normalize_company_name(raw) == normalized


def test_company_words_that_only_look_like_suffixes_stay() -> None:
    assert normalize_company_name("Costco Wholesale") == "costco wholesale"
    assert normalize_company_name("Theodore Corp") == "theodore"
    assert normalize_company_name("Inc.") == "inc"
    assert normalize_company_name("Acme Company") == "acme company"


@pytest.mark.parametrize(
    ("raw", "display"),
    [
        ("  sr. warehouse mgr ", "Senior Warehouse Manager"),
        ("Asst. Dir of Ops", "Assistant Director of Operations"),
        ("SHIPPING & RECEIVING SUPVR", "Shipping & Receiving Supervisor"),
        ("jr hr coord", "Junior HR Coordinator"),
        ("Vp hr", "VP HR"),
        ("hr business partner - ehs/safety", "HR Business Partner - EHS/Safety"),
        ("Director Of Nursing", "Director of Nursing"),
    ],
)
def test_job_titles_read_like_a_person_wrote_them(raw: str, display: str) -> None:
    assert normalize_job_title(raw) == display


def test_exclusion_reports_the_keyword_that_fired() -> None:
    it = ("software", "full stack", "IT support")
    staffing = ("staffing", "recruiting agency")
    assert is_excluded("Senior Software Engineer", "Summit Foods", it, staffing) == "it_keyword:software"
    assert is_excluded("Full-Stack Developer", "Summit Foods", it, staffing) == "it_keyword:full stack"
    assert is_excluded("it support specialist", "Summit Foods", it, staffing) == "it_keyword:IT support"
    assert is_excluded("HR Manager", "Summit Staffing LLC", it, staffing) == "staffing_keyword:staffing"
    assert is_excluded("Recruiter", "Apex Recruiting Agency", it, staffing) == "staffing_keyword:recruiting agency"
    assert is_excluded("HR Manager", "Summit Foods", it, staffing) is None


def test_exclusion_matches_whole_words_only() -> None:
    assert is_excluded("Editor", "Profit Foods", ("it",), ()) is None
    assert is_excluded("Softwarehouse Manager", "Acme", ("software",), ()) is None
    assert is_excluded("Software Developers Lead", "Acme", ("developer",), ()) == "it_keyword:developer"


def test_title_targeting_is_containment_either_way() -> None:
    targets = ("HR Manager", "Plant Manager", "Site Manager")
    assert matches_target("Senior HR Manager", targets)
    assert matches_target("Sr. Plant Mgr", targets)
    assert matches_target("Manager", targets)
    assert not matches_target("Website Manager", targets)
    assert not matches_target("Forklift Operator", targets)
    assert matches_target("Shipping & Receiving Supervisor", ("Shipping and Receiving Supervisor",))


def test_quality_score_weights() -> None:
    bare = posting(state=None)
    assert quality_score(bare) == 0
    assert quality_score(posting()) == 1
    assert quality_score(posting(job_link="https://jobs.demo.example/x")) == 3
    assert quality_score(posting(salary_min=50_000)) == 4
    assert quality_score(posting(contact_email="a@b.demo.example")) == 11
    full = posting(contact_phone="+13125550100", salary_max=90_000, job_link="https://jobs.demo.example/x")
    assert quality_score(full) == 16


def test_dedup_key_ignores_spelling_differences() -> None:
    a = posting(company_name="The Summit Foods, Inc.", job_title="Sr. Warehouse Mgr", state="tx")
    b = posting(company_name="SUMMIT FOODS LLC", job_title="senior warehouse manager", state="Texas")
    assert dedup_key(a) == dedup_key(b) == "summit foods|senior warehouse manager|TX"


def test_dedup_keeps_the_most_complete_posting_and_merges_sources() -> None:
    first = posting(external_id="1", sources=["demo:indeed"])
    better = posting(
        external_id="2",
        company_name="The Summit Foods LLC",
        salary_min=60_000,
        job_link="https://jobs.demo.example/2",
        sources=["demo:linkedin"],
    )
    third = posting(external_id="3", company_name="SUMMIT FOODS", sources=["demo:glassdoor"])
    other = posting(external_id="4", job_title="Plant Manager")

    result = dedup_batch([first, better, third, other])

    assert [p.external_id for p in result.kept] == ["2", "4"]
    assert result.kept[0].sources == ["demo:linkedin", "demo:indeed", "demo:glassdoor"]
    assert [(p.external_id, reason) for p, reason in result.skipped] == [
        ("1", "duplicate_in_batch"),
        ("3", "duplicate_in_batch"),
    ]
    assert better.sources == ["demo:linkedin"], "inputs are not modified"


def test_dedup_ties_go_to_the_earliest_posting_then_the_first_seen() -> None:
    late = posting(external_id="late", posted_at=NOW)
    early = posting(external_id="early", posted_at=NOW - timedelta(days=3))
    twin = posting(external_id="twin", posted_at=NOW - timedelta(days=3))
    assert dedup_batch([late, early, twin]).kept[0].external_id == "early"
    assert dedup_batch([twin, early]).kept[0].external_id == "twin"


def test_screening_explains_every_skip() -> None:
    criteria = SourcingCriteria(
        target_job_titles=["Warehouse Manager", "Plant Manager"],
        target_states=["TX", "OH"],
        exclude_it_keywords=["software"],
        exclude_staffing_keywords=["staffing"],
    )
    batch = [
        posting(external_id="ok"),
        posting(external_id="no-state", state=None),
        posting(external_id="it", job_title="Software Developer"),
        posting(external_id="agency", company_name="Acme Staffing, Inc."),
        posting(external_id="title", job_title="Line Cook"),
        posting(external_id="state", state="CA"),
        posting(external_id="company", company_name="  "),
    ]

    result = screen_postings(batch, criteria)

    assert [p.external_id for p in result.kept] == ["ok", "no-state"]
    assert {p.external_id: reason for p, reason in result.skipped} == {
        "it": SkipReason.EXCLUDED_IT,
        "agency": "excluded_staffing",
        "title": "title_not_targeted",
        "state": "state_not_targeted",
        "company": "missing_company",
    }


def test_empty_targets_do_not_restrict() -> None:
    criteria = SourcingCriteria(target_job_titles=[], target_states=[])
    result = screen_postings([posting(job_title="Line Cook", state="CA")], criteria)
    assert len(result.kept) == 1


def test_posting_state_accepts_names_and_rejects_nonsense() -> None:
    assert posting(state="ohio").state == "OH"
    assert posting(state=" tx ").state == "TX"
    assert posting(state="").state is None
    with pytest.raises(ValueError, match="state"):
        posting(state="Atlantis")


# --- the batch functions agree with the definitions ---------------------------------------------

_THE = re.compile(r"^the\s+", re.IGNORECASE)
_SUFFIXES = re.compile(
    r"(?:[\s,]+(?:inc|corp|ltd|co|l\.?l\.?c|l\.?l\.?p|l\.?p|p\.?l\.?l\.?c|p\.?c)\.?)+[\s,;.]*$", re.IGNORECASE
)


def reference_company_name(name: str) -> str:
    """SOP §2.2 step 3 written the slow, obvious way."""
    text = _SUFFIXES.sub("", _THE.sub("", name.strip()))
    text = re.sub(r"[\W_]+", " ", text.translate(str.maketrans("", "", "'’.")).lower())
    return " ".join(text.split())


def test_company_name_normalisation_treats_every_ascii_character_like_the_definition() -> None:
    names = [f"The Acme{chr(code)}Foods{chr(code)} Co., Inc." for code in range(128)]
    names += [f"{chr(code)}Ácme Fóods’ LLC" for code in range(32, 128)]
    for name in names:
        assert normalize_company_name(name) == reference_company_name(name), repr(name)


def demo_batch() -> list[JobPosting]:
    batch = DemoJobSource(count=3000, clock=lambda: NOW).generate(SourcingCriteria())
    tricky = [
        "Acme Staffing Co., Inc.",
        "The Staffing Co",
        "Staffing, L.L.C.",
        "Help Desk LLC",
        "IT Support, Inc.",
        "THE SOFTWARE LTD.",
        "Acme C++ Works PC",
        "Aerotek Inc",
        "Voltaic Foods",
        "Summit l.lc",
        "Café Staffing Ltd",
        " ",
    ]
    batch += [posting(external_id=f"tricky-{n}", company_name=name) for n, name in enumerate(tricky)]
    return batch


def reference_screen_reason(p: JobPosting, criteria: SourcingCriteria) -> str | None:
    if not normalize_company_name(p.company_name):
        return "missing_company"
    exclusion = is_excluded(
        p.job_title, p.company_name, criteria.exclude_it_keywords, criteria.exclude_staffing_keywords
    )
    if exclusion is not None:
        return "excluded_it" if exclusion.startswith("it_keyword:") else "excluded_staffing"
    if is_staffing_agency(p.company_name, criteria.staffing_agency_names):
        return "excluded_staffing"
    if criteria.target_job_titles and not matches_target(p.job_title, criteria.target_job_titles):
        return "title_not_targeted"
    if criteria.target_states and p.state and p.state.upper() not in criteria.target_states:
        return "state_not_targeted"
    return None


@pytest.mark.parametrize(
    "staffing_keywords",
    [
        ["staffing", "workforce solutions"],
        # Keywords that could match in "The" or a legal suffix make the batch memo match whole names.
        ["staffing co", "the staffing", "l.l.c", "lc"],
        ["c++"],
    ],
)
def test_screening_a_batch_agrees_with_the_single_posting_rules(staffing_keywords: list[str]) -> None:
    criteria = SourcingCriteria(
        exclude_it_keywords=["software", "help desk", "IT support"], exclude_staffing_keywords=staffing_keywords
    )
    batch = demo_batch()

    result = screen_postings(batch, criteria)

    expected = {p.external_id: reference_screen_reason(p, criteria) for p in batch}
    assert {p.external_id: reason for p, reason in result.skipped} == {k: v for k, v in expected.items() if v}
    assert [p.external_id for p in result.kept] == [k for k, v in expected.items() if v is None]


def test_batch_dedup_groups_by_dedup_key() -> None:
    batch = demo_batch()
    result = dedup_batch(batch)
    keys = [dedup_key(p) for p in batch]
    assert len(result.kept) == len(set(keys))
    assert sorted(dedup_key(p) for p in result.kept) == sorted(set(keys))
    assert len(result.kept) + len(result.skipped) == len(batch)


def test_a_posting_in_an_industry_outside_the_targets_is_skipped_one_without_industry_kept() -> None:
    from ra_sourcing.rules import industry_targeted

    targets = tuple(SourcingCriteria().industries)
    for label in ("Hospital & Health Care", "Truck Transportation", "Food Production", "Oil & Energy", "Machinery"):
        assert industry_targeted(label, targets), label
    for label in ("Software Development", "Information Technology & Services", "Retail", "Information Systems"):
        assert not industry_targeted(label, targets), label
    assert industry_targeted("Retail", ())

    base = dict(source="jsearch", company_name="Acme Foods", job_title="Plant Manager", state="OH")
    postings = [
        JobPosting(external_id="1", industry="Food Production", **base),
        JobPosting(external_id="2", industry="Computer Software", **(base | {"company_name": "Byte Co"})),
        JobPosting(external_id="3", industry=None, **(base | {"company_name": "Plain Co"})),
    ]
    result = screen_postings(postings, SourcingCriteria())
    assert [p.external_id for p in result.kept] == ["1", "3"]
    assert [(p.external_id, r) for p, r in result.skipped] == [("2", "industry_not_targeted")]
    assert len(screen_postings(postings, SourcingCriteria(industries=[])).kept) == 3
