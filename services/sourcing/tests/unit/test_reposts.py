"""Staffing agencies' reposts of employers' jobs, and the whole-batch order (``prepare_batch``)."""

from datetime import UTC, datetime
from typing import Any

import pytest
from ra_contracts.defaults import EXCLUDE_STAFFING_KEYWORDS, STAFFING_AGENCY_NAMES
from ra_sourcing.rules import (
    SkipReason,
    collapse_staffing_reposts,
    is_staffing_agency,
    prepare_batch,
    screen_postings,
)
from ra_sourcing.sources.base import JobPosting, SourcingCriteria

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)

JOB = (
    "We are looking for an experienced Warehouse Manager to lead our distribution center in Dallas. "
    "You will oversee receiving, storage and shipping, manage a team of forty associates across two shifts, "
    "keep inventory accurate, enforce safety standards and work with transportation partners to meet delivery "
    "windows. The ideal candidate has five years of warehouse leadership experience, knows warehouse management "
    "systems, and communicates clearly with staff and customers. We offer a competitive salary, medical and "
    "dental insurance, a 401(k) match and paid time off."
)
# What an agency does to it: a number written differently, shouting, its own call to action.
JOB_REPOSTED = JOB.replace("forty", "40").upper() + "  Apply through our recruiters today!"
OTHER_JOB = (
    "Summit Foods is hiring a Warehouse Manager for its Dallas plant. Lead a small crew, run cycle counts, "
    "coordinate inbound trucks and keep the floor safe. Two years of supervisory experience required. "
    "Benefits include health coverage and a yearly bonus."
)


def posting(external_id: str, company_name: str, **overrides: Any) -> JobPosting:
    fields: dict[str, Any] = {
        "source": "demo",
        "external_id": external_id,
        "company_name": company_name,
        "job_title": "Warehouse Manager",
        "state": "TX",
        "posted_at": NOW,
        "description": JOB,
    }
    fields.update(overrides)
    return JobPosting(**fields)


def collapse(postings: list[JobPosting]) -> tuple[list[str], list[tuple[str, str]]]:
    result = collapse_staffing_reposts(
        postings, agency_names=STAFFING_AGENCY_NAMES, staffing_keywords=EXCLUDE_STAFFING_KEYWORDS
    )
    return [p.external_id for p in result.kept], [(p.external_id, reason) for p, reason in result.skipped]


def test_a_keyword_named_agency_reposting_an_employers_job_is_a_repost() -> None:
    employer = posting("employer", "Summit Foods Inc.")
    agency = posting("agency", "Apex Staffing Group, LLC", description=JOB_REPOSTED)

    kept, skipped = collapse([agency, employer])

    assert kept == ["employer"]
    assert skipped == [("agency", "staffing_repost")]


def test_a_known_agency_reposting_an_employers_job_is_a_repost() -> None:
    employer = posting("employer", "Summit Foods Inc.")
    agency = posting("aerotek", "Aerotek, Inc.", job_title="Sr. Warehouse Mgr", description=JOB_REPOSTED)
    employer_senior = posting("employer-senior", "Summit Foods", job_title="Senior Warehouse Manager")

    kept, skipped = collapse([employer, agency, employer_senior])

    # "Sr. Warehouse Mgr" is the same title as "Senior Warehouse Manager", not as "Warehouse Manager".
    assert kept == ["employer", "employer-senior"]
    assert skipped == [("aerotek", SkipReason.STAFFING_REPOST)]


def test_a_different_description_is_another_job() -> None:
    kept, skipped = collapse([posting("employer", "Summit Foods"), posting("agency", "Aerotek", description=OTHER_JOB)])
    assert kept == ["employer", "agency"]
    assert skipped == []


def test_the_same_job_in_another_state_is_another_job() -> None:
    kept, skipped = collapse([posting("employer", "Summit Foods"), posting("agency", "Aerotek", state="OK")])
    assert kept == ["employer", "agency"]
    assert skipped == []


def test_a_posting_without_a_description_is_never_a_repost() -> None:
    kept, skipped = collapse(
        [
            posting("employer", "Summit Foods"),
            posting("agency", "Aerotek", description=None),
            posting("blank", "Kforce", description="  \n "),
        ]
    )
    assert kept == ["employer", "agency", "blank"]
    assert skipped == []

    # Nor is an employer posting without one evidence of a repost.
    kept, skipped = collapse([posting("employer", "Summit Foods", description=None), posting("agency", "Aerotek")])
    assert skipped == []


def test_when_only_agencies_posted_the_job_the_first_agency_keeps_it() -> None:
    kept, skipped = collapse(
        [
            posting("aerotek", "Aerotek"),
            posting("kforce", "Kforce Inc", description=JOB_REPOSTED),
            posting("aerotek-again", "AEROTEK LLC", sources=["demo:linkedin"]),
            posting("apex", "Apex Staffing"),
        ]
    )
    # The first agency's own duplicate is left to in-batch dedup, not called a repost of itself.
    assert kept == ["aerotek", "aerotek-again"]
    assert skipped == [("kforce", "staffing_repost"), ("apex", "staffing_repost")]


def test_an_employers_own_duplicates_are_not_reposts() -> None:
    kept, skipped = collapse([posting("indeed", "Summit Foods Inc."), posting("linkedin", "SUMMIT FOODS LLC")])
    assert kept == ["indeed", "linkedin"]
    assert skipped == []


def test_agency_names_match_whole_words_of_the_normalised_name() -> None:
    assert is_staffing_agency("Aerotek", STAFFING_AGENCY_NAMES)
    assert is_staffing_agency("The Aerotek Co., Inc.", STAFFING_AGENCY_NAMES)
    assert is_staffing_agency("ROBERT HALF INTERNATIONAL", STAFFING_AGENCY_NAMES)
    assert is_staffing_agency("TEKsystems, Inc.", STAFFING_AGENCY_NAMES)
    assert not is_staffing_agency("Voltaic Foods", STAFFING_AGENCY_NAMES)
    assert not is_staffing_agency("Summit Foods", STAFFING_AGENCY_NAMES)
    assert not is_staffing_agency("Aerotek", [])


def test_a_known_agency_that_reposts_nothing_is_screened_out_as_staffing() -> None:
    criteria = SourcingCriteria(target_states=["TX"])
    result = screen_postings(
        [posting("aerotek", "Aerotek"), posting("kelly", "Kelly Services Inc."), posting("ok", "Summit Foods")],
        criteria,
    )
    assert [p.external_id for p in result.kept] == ["ok"]
    assert [(p.external_id, reason) for p, reason in result.skipped] == [
        ("aerotek", "excluded_staffing"),
        ("kelly", "excluded_staffing"),
    ]

    no_agencies = SourcingCriteria(target_states=["TX"], staffing_agency_names=[])
    assert len(screen_postings([posting("aerotek", "Aerotek")], no_agencies).kept) == 1


def test_prepare_batch_collapses_reposts_then_screens_then_dedups() -> None:
    criteria = SourcingCriteria(
        target_job_titles=["Warehouse Manager"],
        target_states=["TX", "OK"],
        exclude_it_keywords=["software"],
        exclude_staffing_keywords=["staffing"],
        staffing_agency_names=["Aerotek"],
    )
    batch = [
        posting("employer", "Summit Foods Inc.", sources=["demo:indeed"]),
        posting("repost", "Aerotek", description=JOB_REPOSTED),
        posting("keyword-repost", "Lone Star Staffing"),
        posting("agency-only", "Aerotek", state="OK"),
        posting("employer-again", "SUMMIT FOODS LLC", salary_min=60_000, sources=["demo:linkedin"]),
        posting("it", "Summit Foods", job_title="Software Developer"),
        posting("untargeted", "Summit Foods", job_title="Line Cook"),
        posting("other-state", "Summit Foods", state="CA", description=OTHER_JOB),
    ]

    kept, skipped = prepare_batch(batch, criteria)

    assert [p.external_id for p in kept] == ["employer-again"]
    assert kept[0].sources == ["demo:linkedin", "demo:indeed"]
    # The reposts are reported as reposts, not as staffing exclusions; a known agency's job that nobody
    # else posted is a staffing exclusion.
    assert skipped == {
        "staffing_repost": 2,
        "excluded_staffing": 1,
        "excluded_it": 1,
        "title_not_targeted": 1,
        "state_not_targeted": 1,
        "duplicate_in_batch": 1,
    }
    assert all(type(reason) is str for reason in skipped)
    assert sum(skipped.values()) + len(kept) == len(batch)


def test_prepare_batch_agrees_with_the_steps_run_one_by_one() -> None:
    criteria = SourcingCriteria()
    batch = [
        posting("employer", "Summit Foods Inc."),
        posting("repost", "Aerotek", description=JOB_REPOSTED),
        posting("duplicate", "The Summit Foods"),
        posting("agency", "Randstad", job_title="Plant Manager"),
    ]
    kept, skipped = prepare_batch(batch, criteria)
    assert [p.external_id for p in kept] == ["employer"]
    assert skipped == {"staffing_repost": 1, "excluded_staffing": 1, "duplicate_in_batch": 1}


def test_the_similarity_threshold_is_a_share() -> None:
    batch = [
        posting("employer", "Summit Foods"),
        posting("edited", "Aerotek", description=JOB_REPOSTED),
        posting("verbatim", "Kforce"),
    ]
    with pytest.raises(ValueError, match="threshold"):
        collapse_staffing_reposts(batch, agency_names=["Aerotek"], staffing_keywords=[], threshold=0)
    with pytest.raises(ValueError, match="threshold"):
        prepare_batch(batch, SourcingCriteria(), repost_threshold=1.5)

    exact = collapse_staffing_reposts(batch, agency_names=STAFFING_AGENCY_NAMES, staffing_keywords=[], threshold=1)
    assert [(p.external_id, reason) for p, reason in exact.skipped] == [("verbatim", "staffing_repost")]
