from ra_contracts.defaults import (
    DECISION_MAKER_TITLES,
    EXCLUDE_IT_KEYWORDS,
    EXCLUDE_STAFFING_KEYWORDS,
    JOB_TITLE_ABBREVIATIONS,
    PRIORITY_TITLE_PATTERNS,
    TARGET_INDUSTRIES,
    TARGET_JOB_TITLES,
    US_STATE_NAMES,
    US_STATES,
)


def _no_duplicates(values: tuple[str, ...]) -> bool:
    return len({value.lower() for value in values}) == len(values)


def test_sop_counts() -> None:
    assert len(TARGET_JOB_TITLES) == 37
    assert len(EXCLUDE_IT_KEYWORDS) == 14
    assert len(TARGET_INDUSTRIES) == 22
    assert len(US_STATES) == 51


def test_lists_are_immutable_and_without_repeats() -> None:
    for values in (
        TARGET_JOB_TITLES,
        EXCLUDE_IT_KEYWORDS,
        EXCLUDE_STAFFING_KEYWORDS,
        TARGET_INDUSTRIES,
        DECISION_MAKER_TITLES,
        US_STATES,
    ):
        assert isinstance(values, tuple)
        assert _no_duplicates(values)
        assert all(value == value.strip() and value for value in values)


def test_states_are_two_letter_codes_with_names() -> None:
    assert all(len(code) == 2 and code.isupper() for code in US_STATES)
    assert "DC" in US_STATES
    assert US_STATE_NAMES["TX"] == "Texas"
    assert set(US_STATE_NAMES) == set(US_STATES)


def test_target_titles_are_not_it_jobs() -> None:
    keywords = [keyword.lower() for keyword in EXCLUDE_IT_KEYWORDS]
    for title in TARGET_JOB_TITLES:
        assert not any(keyword in title.lower() for keyword in keywords), title


def test_typical_examples_are_present() -> None:
    assert {"HR Manager", "Plant Manager", "Warehouse Manager"} <= set(TARGET_JOB_TITLES)
    assert {"software", "developer"} <= set(EXCLUDE_IT_KEYWORDS)
    assert {"staffing", "recruiting agency"} <= set(EXCLUDE_STAFFING_KEYWORDS)
    assert {"Manufacturing", "Healthcare"} <= set(TARGET_INDUSTRIES)


def test_priority_levels_are_p1_to_p5_with_tuple_patterns() -> None:
    assert list(PRIORITY_TITLE_PATTERNS) == ["P1", "P2", "P3", "P4", "P5"]
    assert all(isinstance(patterns, tuple) and patterns for patterns in PRIORITY_TITLE_PATTERNS.values())
    assert {"manager", "director", "supervisor", "head", "lead", "vp"} <= set(PRIORITY_TITLE_PATTERNS["P5"])


def test_abbreviations_are_keyed_by_lowercase_shorthand() -> None:
    assert JOB_TITLE_ABBREVIATIONS["mgr"] == "Manager"
    assert all(key == key.lower() and "." not in key for key in JOB_TITLE_ABBREVIATIONS)
