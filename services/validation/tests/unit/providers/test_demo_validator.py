from collections import Counter

import pytest
from ra_validation.providers.base import EmailValidator
from ra_validation.providers.demo import DemoValidator


async def test_the_same_address_always_gets_the_same_verdict() -> None:
    first = await DemoValidator().check("Maria.Garcia@SummitFoods.demo.example")
    again = await DemoValidator().check(" maria.garcia@summitfoods.demo.example ")

    assert (first.status, first.sub_status) == (again.status, again.sub_status)
    assert again.email == "maria.garcia@summitfoods.demo.example"
    assert (again.provider, again.raw) == ("demo", {"demo": True})


def test_it_is_a_free_email_validator() -> None:
    demo = DemoValidator()

    assert isinstance(demo, EmailValidator) and demo.name == "demo" and demo.paid is False


def test_the_mix_looks_like_a_real_list() -> None:
    demo = DemoValidator()
    emails = [f"person{i}@company{i % 4000}.demo.example" for i in range(20_000)]

    shares = Counter(demo.verdict_for(e).status for e in emails)

    assert shares["valid"] / len(emails) == pytest.approx(0.70, abs=0.02)
    assert shares["invalid"] / len(emails) == pytest.approx(0.15, abs=0.02)
    assert shares["catch_all"] / len(emails) == pytest.approx(0.10, abs=0.02)
    assert shares["unknown"] / len(emails) == pytest.approx(0.05, abs=0.015)


def test_each_status_carries_its_reason() -> None:
    demo = DemoValidator()
    verdicts = [demo.verdict_for(f"person{i}@company{i}.demo.example") for i in range(2_000)]

    reasons = {(v.status, v.sub_status) for v in verdicts}

    assert reasons == {
        ("valid", None),
        ("invalid", "mailbox_not_found"),
        ("catch_all", None),
        ("unknown", "greylisted"),
        ("unknown", "timeout"),
    }


def test_catch_all_is_a_property_of_the_domain() -> None:
    demo = DemoValidator()
    domain = next(
        f"company{i}.demo.example"
        for i in range(1_000)
        if demo.verdict_for(f"probe@company{i}.demo.example").status == "catch_all"
    )

    assert {demo.verdict_for(f"person{i}@{domain}").status for i in range(50)} == {"catch_all"}


@pytest.mark.parametrize("local", ["info", "admin", "sales", "HR", "support+jobs"])
def test_role_mailboxes_are_valid_with_a_role_reason(local: str) -> None:
    verdicts = [DemoValidator().verdict_for(f"{local}@company{i}.demo.example") for i in range(30)]

    assert {(v.status, v.sub_status) for v in verdicts} == {("valid", "role")}


def test_another_seed_gives_another_but_equally_stable_mix() -> None:
    emails = [f"person{i}@company{i}.demo.example" for i in range(200)]

    default = [DemoValidator().verdict_for(e).status for e in emails]
    seeded = [DemoValidator(seed=7).verdict_for(e).status for e in emails]

    assert default != seeded
    assert seeded == [DemoValidator(seed=7).verdict_for(e).status for e in emails]
