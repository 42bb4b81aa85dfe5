import pytest
from ra_enrichment.providers.base import ContactSearch
from ra_enrichment.providers.companies import company_key, same_company, searched_keys


def test_company_keys_drop_punctuation_the_and_legal_suffixes() -> None:
    assert company_key("The Summit Foods Co., Inc.") == "summit foods"
    assert company_key("McDonald's Corporation") == "mcdonalds"
    assert company_key("Smith & Sons, L.L.C.") == "smith and sons"
    assert company_key("The Company") == "company"
    assert company_key(" ,. ") == ""


@pytest.mark.parametrize(
    ("employer", "same"),
    [
        ("Summit Foods, Inc.", True),
        ("The Summit Foods Company", True),
        ("Summit Foods Group", True),
        ("Summit", True),
        ("Summit Health Partners", False),
        ("Summitview Foods", False),
        ("", False),
        (None, False),
    ],
)
def test_employers_match_the_searched_company_loosely(employer: str | None, same: bool) -> None:
    keys = searched_keys(ContactSearch(company_name="Summit Foods LLC", normalized_company="summit foods"))
    assert same_company(keys, employer) is same
