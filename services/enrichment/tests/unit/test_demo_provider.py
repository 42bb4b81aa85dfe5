from ra_enrichment.providers import ContactProvider, ContactSearch, DemoContactProvider
from ra_enrichment.rules import assign_priority, normalize_email, select_contacts

COMPANIES = [f"{word} foods {n}" for n in range(60) for word in ("summit", "harbor", "tri county", "o connor")]


def search_for(company: str, limit: int = 10) -> ContactSearch:
    return ContactSearch(company_name=company.title(), normalized_company=company, state="OH", limit=limit)


async def test_same_company_same_people() -> None:
    first = await DemoContactProvider().search(search_for("summit foods"))
    again = await DemoContactProvider().search(search_for("summit foods"))
    other = await DemoContactProvider().search(search_for("harbor logistics"))
    assert first == again
    assert first != other


async def test_two_to_six_demo_candidates_on_the_company_domain() -> None:
    provider = DemoContactProvider()
    for company in COMPANIES:
        found = await provider.search(search_for(company))
        assert 2 <= len(found) <= 6
        domain = company.replace(" ", "") + ".demo.example"
        for person in found:
            assert person.source == "demo"
            assert person.first_name.strip() and person.last_name.strip()
            assert person.email is None or person.email.lower().endswith("@" + domain)


async def test_limit_is_respected() -> None:
    provider = DemoContactProvider()
    for company in COMPANIES:
        assert len(await provider.search(search_for(company, limit=1))) == 1


async def test_every_lead_can_be_enriched() -> None:
    provider = DemoContactProvider()
    for company in COMPANIES:
        found = await provider.search(search_for(company, limit=1))
        assert normalize_email(found[0].email) is not None
        assert assign_priority(found[0].title) is not None
        assert select_contacts(await provider.search(search_for(company)))


async def test_titles_reach_every_priority_and_some_are_not_decision_makers() -> None:
    provider = DemoContactProvider()
    priorities: set[str | None] = set()
    for company in COMPANIES:
        priorities.update(assign_priority(person.title) for person in await provider.search(search_for(company)))
    assert priorities == {"P1", "P2", "P3", "P4", "P5", None}


async def test_duplicate_emails_occur_and_are_dropped_by_selection() -> None:
    provider = DemoContactProvider()
    companies_with_repeats = 0
    for company in COMPANIES:
        found = await provider.search(search_for(company))
        emails = [person.email.lower() for person in found if person.email]
        companies_with_repeats += len(set(emails)) < len(emails)
        selected = select_contacts(found, max_contacts=4)
        assert 1 <= len(selected) <= 4
        assert len({person.email for person in selected}) == len(selected)
    assert companies_with_repeats > 0


def test_demo_provider_is_a_contact_provider() -> None:
    assert isinstance(DemoContactProvider(), ContactProvider)
    assert DemoContactProvider().name == "demo"
