from typing import Any

import pytest
from ra_enrichment.providers.base import ContactCandidate
from ra_enrichment.rules import (
    assign_priority,
    normalize_contact,
    normalize_contact_title,
    normalize_email,
    normalize_person_name,
    normalize_phone,
    select_contacts,
)


def candidate(**overrides: Any) -> ContactCandidate:
    fields: dict[str, Any] = {
        "first_name": "Maria",
        "last_name": "Garcia",
        "email": "maria.garcia@summitfoods.demo.example",
        "title": "HR Manager",
        "source": "demo",
    }
    fields.update(overrides)
    return ContactCandidate(**fields)


@pytest.mark.parametrize(
    ("title", "priority"),
    [
        ("Hiring Manager", "P1"),
        ("Talent Acquisition Director", "P1"),
        ("Director of Talent Acquisition", "P1"),
        ("Recruiter", "P2"),
        ("Sr. Recruiter", "P2"),
        ("HR Coordinator", "P2"),
        ("TA Specialist", "P2"),
        ("Talent Acquisition Specialist", "P2"),
        ("HR Manager", "P3"),
        ("Sr. HR Mgr", "P3"),
        ("HRBP", "P3"),
        ("HR Business Partner", "P3"),
        ("HR Director", "P3"),
        ("VP HR", "P3"),
        ("VP, Human Resources", "P3"),
        ("Vice President of Human Resources", "P3"),
        ("Operations Manager", "P4"),
        ("Plant Mgr", "P4"),
        ("Production Manager", "P4"),
        ("Director of Operations", "P4"),
        ("General Manager", "P5"),
        ("Maintenance Supervisor", "P5"),
        ("Head of Quality", "P5"),
        ("Shift Lead", "P5"),
        ("VP Sales", "P5"),
        ("Payroll Specialist", None),
        ("Executive Assistant", None),
        ("Marketing Coordinator", None),
        ("", None),
        (None, None),
    ],
)
def test_priority_follows_sop(title: str | None, priority: str | None) -> None:
    assert assign_priority(title) == priority


def test_priority_patterns_can_be_configured() -> None:
    patterns = {"P1": ("controller",), "P2": ("manager",)}
    assert assign_priority("Plant Controller", patterns) == "P1"
    assert assign_priority("HR Manager", patterns) == "P2"
    assert assign_priority("Director", patterns) is None


def test_priority_matches_whole_words() -> None:
    assert assign_priority("Headquarters Receptionist") is None
    assert assign_priority("Leadership Trainer") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" Maria.Garcia@SummitFoods.Demo.Example ", "maria.garcia@summitfoods.demo.example"),
        ("o'brien+jobs@acme.demo.example", "o'brien+jobs@acme.demo.example"),
        ("maria@", None),
        ("maria garcia@acme.demo.example", None),
        ("maria..garcia@acme.demo.example", None),
        ("maria@acme", None),
        ("", None),
        (None, None),
    ],
)
def test_email_syntax(raw: str | None, expected: str | None) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("(312) 555-0142", "+13125550142"),
        ("312.555.0142", "+13125550142"),
        ("+1 312 555 0142", "+13125550142"),
        ("1-312-555-0142", "+13125550142"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),
        (" 312-555-0142 x12 ", "312-555-0142 x12"),
        ("  ", None),
        (None, None),
    ],
)
def test_phone_numbers(raw: str | None, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


def test_names_and_titles_are_tidied() -> None:
    assert normalize_person_name("  mary-jane   o'neil ") == "Mary-Jane O'Neil"
    assert normalize_person_name("GARCIA") == "Garcia"
    assert normalize_person_name("McKenzie") == "McKenzie"
    assert normalize_contact_title(" sr. hr mgr") == "Senior HR Manager"
    assert normalize_contact_title("VP, HUMAN RESOURCES") == "VP, Human Resources"


def test_normalize_contact_tidies_every_field() -> None:
    raw = candidate(
        first_name=" MARIA ",
        last_name="garcia",
        email=" Maria.Garcia@SummitFoods.demo.example",
        phone="(312) 555-0142",
        title="sr. hr mgr",
        linkedin_url="  ",
    )
    contact = normalize_contact(raw)
    assert contact is not None
    assert (contact.first_name, contact.last_name) == ("Maria", "Garcia")
    assert contact.email == "maria.garcia@summitfoods.demo.example"
    assert contact.phone == "+13125550142"
    assert contact.title == "Senior HR Manager"
    assert contact.linkedin_url is None
    assert raw.first_name == " MARIA ", "the provider's record is left as it was"


def test_normalize_contact_rejects_unusable_email() -> None:
    assert normalize_contact(candidate(email=None)) is None
    assert normalize_contact(candidate(email="not-an-email")) is None


def test_select_contacts_ranks_dedups_and_limits() -> None:
    found = [
        candidate(first_name="Ops", email="ops@acme.demo.example", title="Plant Manager"),
        candidate(first_name="Pay", email="pay@acme.demo.example", title="Payroll Specialist"),
        candidate(first_name="NoMail", email=None, title="Hiring Manager"),
        candidate(first_name="Rec", email="rec@acme.demo.example", title="Recruiter"),
        candidate(first_name="Again", email="REC@acme.demo.example", title="Hiring Manager"),
        candidate(first_name="Boss", email="boss@acme.demo.example", title="Talent Acquisition Director"),
        candidate(first_name="Hr", email="hr@acme.demo.example", title="HR Manager"),
        candidate(first_name="Gm", email="gm@acme.demo.example", title="General Manager"),
        candidate(first_name="Hr Two", email="hr2@acme.demo.example", title="HR Director"),
    ]

    selected = select_contacts(found, max_contacts=4)

    assert [(c.first_name, c.priority) for c in selected] == [
        ("Boss", "P1"),
        ("Rec", "P2"),
        ("Hr", "P3"),
        ("Hr Two", "P3"),
    ]
    assert len({c.email for c in selected}) == len(selected)
    assert [c.first_name for c in select_contacts(found, max_contacts=10)][-2:] == ["Ops", "Gm"]
    assert select_contacts(found, max_contacts=0) == []
    assert select_contacts([]) == []


def test_select_contacts_defaults_to_four() -> None:
    found = [candidate(email=f"person{i}@acme.demo.example") for i in range(10)]
    assert len(select_contacts(found)) == 4


def test_priority_patterns_come_from_settings_and_a_broken_one_does_not_break_the_rest() -> None:
    from ra_enrichment.rules import assign_priority

    patterns = {"P1": ("chief of staff",), "P2": ("(head of people", "people partner"), "P3": (), "P4": (), "P5": ()}
    assert assign_priority("Chief of Staff", patterns) == "P1"
    assert assign_priority("People Partner", patterns) == "P2"
    assert assign_priority("HR Manager", patterns) is None
