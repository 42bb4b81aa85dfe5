"""A deterministic, offline job source for trying the system out. Every posting is labelled demo data.

The batch is built to exercise the lead-sourcing rules the way real boards do: the same job shows up
again under another spelling of the company ("The Summit Foods, Inc." / "SUMMIT FOODS LLC"), with an
abbreviated title ("Sr. Warehouse Mgr"), on another board, sometimes more complete than the first
sighting; a few postings are IT jobs, staffing agencies, untargeted titles or lack a company.

Identity (external ids, links, companies, titles, states) depends only on ``seed`` and the index, so a
second run yields the same leads and inserts nothing new. ``posted_at`` is the current UTC day minus a
fixed per-posting offset, which keeps every posting inside the 30-day window while staying identical
for every fetch made on the same day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from ra_contracts.defaults import TARGET_INDUSTRIES, TARGET_JOB_TITLES, US_STATES

from ra_sourcing.sources.base import FetchResult, JobPosting, SourcingCriteria

DEMO_LINK_HOST = "https://jobs.demo.example"

_MASK64 = (1 << 64) - 1
_MINUTES_IN_29_DAYS = 29 * 24 * 60
# Share of the batch (in percent) that repeats an earlier posting of the same batch.
_DUPLICATE_PERCENT = 30
# Two-part names such as "Blue Ridge" and punctuation such as "O'Connor" / "Tri-County" make the
# company-name normalisation matter.
_COMPANY_CORES = (
    "Summit",
    "Keystone",
    "Great Lakes",
    "Blue Ridge",
    "Pioneer",
    "Harbor",
    "Riverbend",
    "Cedar Valley",
    "Ironwood",
    "Prairie",
    "Redstone",
    "Northstar",
    "Silver Creek",
    "Heartland",
    "Bayview",
    "Liberty",
    "Eagle Ridge",
    "Evergreen",
    "Frontier",
    "Lakeshore",
    "Magnolia",
    "Sierra",
    "Cascade",
    "Coastal",
    "Midland",
    "Tri-County",
    "Allied",
    "Pinnacle",
    "Heritage",
    "Sterling",
    "Crestview",
    "Oak Hill",
    "Stonebridge",
    "Meridian",
    "Hartman",
    "Whitfield",
    "Dawson",
    "Kessler",
    "Brennan",
    "Castillo",
    "Okafor",
    "Lindqvist",
    "Nakamura",
    "Delgado",
    "O'Connor",
    "McAllister",
    "Morrison",
    "Fairbanks",
    "Sutton",
    "Harlow",
    "Bradford",
    "Prescott",
    "Wexford",
    "Carver",
    "Ellison",
    "Thornton",
    "Vance",
    "Ashford",
    "Rutledge",
    "Hollis",
)
_COMPANY_KINDS_BY_INDUSTRY: dict[str, tuple[str, ...]] = {
    "Manufacturing": ("Manufacturing", "Industries", "Precision Products", "Components"),
    "Logistics & Supply Chain": ("Logistics", "Supply Chain Services", "Freight", "Cargo Systems"),
    "Warehousing & Distribution": ("Distribution", "Warehousing", "Fulfillment", "Storage & Distribution"),
    "Transportation & Trucking": ("Trucking", "Transport", "Carriers", "Transit Lines"),
    "Healthcare": ("Health", "Medical Associates", "Family Clinics", "Care Network"),
    "Hospitals & Health Systems": ("Regional Medical Center", "Health System", "Hospital", "Memorial Hospital"),
    "Senior Living & Long-Term Care": ("Senior Living", "Rehabilitation Center", "Assisted Living", "Care Communities"),
    "Pharmaceuticals": ("Pharmaceuticals", "Labs", "Biologics", "Pharma Services"),
    "Medical Devices": ("Medical Devices", "Surgical", "Diagnostics", "Orthopedics"),
    "Food & Beverage Manufacturing": ("Foods", "Beverage", "Bakeries", "Dairy"),
    "Automotive": ("Automotive", "Auto Parts", "Motor Works", "Coachworks"),
    "Aerospace & Defense": ("Aerospace", "Defense Systems", "Aviation", "Avionics"),
    "Construction": ("Construction", "Builders", "Contractors", "Civil Works"),
    "Building Materials": ("Building Materials", "Lumber", "Concrete", "Roofing Supply"),
    "Chemicals": ("Chemicals", "Chemical Works", "Coatings", "Specialty Chemicals"),
    "Plastics & Packaging": ("Plastics", "Packaging", "Polymers", "Container"),
    "Metals & Fabrication": ("Steel", "Metal Works", "Fabrication", "Foundry"),
    "Industrial Machinery & Equipment": ("Machinery", "Equipment", "Tool & Die", "Hydraulics"),
    "Energy & Utilities": ("Energy", "Power", "Utilities", "Electric Cooperative"),
    "Oil & Gas": ("Oil & Gas", "Petroleum", "Energy Services", "Pipeline"),
    "Agriculture": ("Farms", "Agri-Products", "Growers", "Harvest"),
    "Hospitality": ("Hotels", "Resorts", "Hospitality", "Inns"),
}
_GENERIC_COMPANY_KINDS = ("Works", "Solutions", "Services", "Systems")
_COMPANY_QUALIFIERS = ("", " Group", " Holdings", " Partners", " Enterprises", " of America")
# Every spelling here is removed by company-name normalisation (SOP §2.2 step 3).
_LEGAL_SUFFIXES = (
    "",
    " Inc.",
    ", Inc.",
    " Inc",
    " LLC",
    ", LLC",
    " L.L.C.",
    " Corp.",
    " Corp",
    " Co.",
    " Co., Inc.",
    " Ltd.",
    " LP",
    " LLP",
    " PC",
    " PLLC",
)
_STAFFING_COMPANY_KINDS = ("Staffing", "Staffing Group", "Recruiting Agency", "Workforce Solutions")
_IT_TITLES = (
    "Software Developer",
    "DevOps Engineer",
    "Data Scientist",
    "Full-Stack Developer",
    "IT Support Specialist",
    "Cloud Engineer",
)
_UNTARGETED_TITLES = (
    "Forklift Operator",
    "CNC Machinist",
    "Registered Nurse",
    "Delivery Driver",
    "Line Cook",
    "Accounts Payable Clerk",
)
_SENIORITY_PREFIXES = ("", "", "", "", "Senior ", "Assistant ")
# How boards abbreviate titles; the title normalisation has to undo every one of these.
_TITLE_SHORTHAND = {
    "Manager": "Mgr",
    "Senior": "Sr.",
    "Assistant": "Asst.",
    "Director": "Dir.",
    "Supervisor": "Supv",
    "Operations": "Ops",
    "Coordinator": "Coord.",
    "Manufacturing": "Mfg",
    "Maintenance": "Maint.",
    "Warehouse": "Whse",
}
_BOARDS = ("indeed", "linkedin", "glassdoor", "ziprecruiter")
_EMPLOYMENT_TYPES = ("Full-time",) * 17 + ("Contract", "Contract", "Part-time")
_CONTACT_FIRST_NAMES = ("Maria", "James", "Aisha", "Robert", "Linda", "Carlos", "Jennifer", "David", "Mei", "Kevin")
_CONTACT_LAST_NAMES = ("Johnson", "Garcia", "Williams", "Nguyen", "Brown", "Martinez", "Davis", "Patel", "Lee", "Clark")
_CONTACT_TITLES = ("HR Manager", "Talent Acquisition Director", "Recruiter", "Plant Manager")
_CITIES_BY_STATE: dict[str, tuple[str, ...]] = {
    "AL": ("Birmingham", "Huntsville", "Mobile"),
    "AK": ("Anchorage", "Fairbanks", "Juneau"),
    "AZ": ("Phoenix", "Tucson", "Mesa"),
    "AR": ("Little Rock", "Fort Smith", "Springdale"),
    "CA": ("Fresno", "Ontario", "Sacramento"),
    "CO": ("Denver", "Colorado Springs", "Greeley"),
    "CT": ("Hartford", "New Haven", "Waterbury"),
    "DE": ("Wilmington", "Dover", "Newark"),
    "DC": ("Washington",),
    "FL": ("Jacksonville", "Tampa", "Orlando"),
    "GA": ("Atlanta", "Savannah", "Dalton"),
    "HI": ("Honolulu", "Hilo", "Kapolei"),
    "ID": ("Boise", "Nampa", "Idaho Falls"),
    "IL": ("Chicago", "Joliet", "Rockford"),
    "IN": ("Indianapolis", "Fort Wayne", "Elkhart"),
    "IA": ("Des Moines", "Cedar Rapids", "Davenport"),
    "KS": ("Wichita", "Kansas City", "Topeka"),
    "KY": ("Louisville", "Lexington", "Bowling Green"),
    "LA": ("Baton Rouge", "Shreveport", "Lafayette"),
    "ME": ("Portland", "Lewiston", "Bangor"),
    "MD": ("Baltimore", "Hagerstown", "Frederick"),
    "MA": ("Worcester", "Springfield", "Lowell"),
    "MI": ("Detroit", "Grand Rapids", "Lansing"),
    "MN": ("Minneapolis", "St. Cloud", "Rochester"),
    "MS": ("Jackson", "Tupelo", "Gulfport"),
    "MO": ("St. Louis", "Kansas City", "Springfield"),
    "MT": ("Billings", "Missoula", "Great Falls"),
    "NE": ("Omaha", "Lincoln", "Grand Island"),
    "NV": ("Reno", "Las Vegas", "Sparks"),
    "NH": ("Manchester", "Nashua", "Concord"),
    "NJ": ("Edison", "Newark", "Secaucus"),
    "NM": ("Albuquerque", "Las Cruces", "Santa Fe"),
    "NY": ("Buffalo", "Rochester", "Syracuse"),
    "NC": ("Charlotte", "Greensboro", "Raleigh"),
    "ND": ("Fargo", "Bismarck", "Grand Forks"),
    "OH": ("Columbus", "Toledo", "Dayton"),
    "OK": ("Oklahoma City", "Tulsa", "Norman"),
    "OR": ("Portland", "Salem", "Eugene"),
    "PA": ("Allentown", "Pittsburgh", "Harrisburg"),
    "RI": ("Providence", "Warwick", "Cranston"),
    "SC": ("Greenville", "Spartanburg", "Charleston"),
    "SD": ("Sioux Falls", "Rapid City", "Aberdeen"),
    "TN": ("Memphis", "Nashville", "Chattanooga"),
    "TX": ("Houston", "Dallas", "San Antonio"),
    "UT": ("Salt Lake City", "Ogden", "Provo"),
    "VT": ("Burlington", "Rutland", "Montpelier"),
    "VA": ("Richmond", "Norfolk", "Roanoke"),
    "WA": ("Seattle", "Kent", "Spokane"),
    "WV": ("Charleston", "Huntington", "Morgantown"),
    "WI": ("Milwaukee", "Green Bay", "Appleton"),
    "WY": ("Cheyenne", "Casper", "Laramie"),
}
_AREA_CODES = ("312", "214", "404", "615", "513", "602", "303", "412", "704", "816")


def _mix(value: int) -> int:
    # A 64-bit integer finaliser: cheap, stable across processes (unlike hash()) and well spread.
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def _shorthand(title: str) -> str:
    return " ".join(_TITLE_SHORTHAND.get(word, word) for word in title.split())


def _title_salary_base(title: str) -> int:
    if "Director" in title or "General Manager" in title:
        base = 112_000
    elif "Manager" in title:
        base = 82_000
    elif "Engineer" in title or "Partner" in title:
        base = 76_000
    elif "Supervisor" in title:
        base = 58_000
    else:
        base = 62_000
    if title.startswith("Senior "):
        base += 12_000
    elif title.startswith("Assistant "):
        base -= 14_000
    return base


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DemoJobSource:
    """Deterministic demo postings (``source="demo"``, links on ``jobs.demo.example``)."""

    name = "demo"

    def __init__(self, seed: int = 7, count: int = 120, clock: Callable[[], datetime] = _utc_now) -> None:
        self.seed = seed
        self.count = count
        self._clock = clock

    async def fetch(self, criteria: SourcingCriteria) -> FetchResult:
        return FetchResult(postings=self.generate(criteria), requests=1)

    def generate(self, criteria: SourcingCriteria) -> list[JobPosting]:
        """The batch ``fetch`` returns, without the coroutine (handy for benchmarks)."""
        count = criteria.max_results or self.count
        titles = tuple(
            prefix + title
            for title in (criteria.target_job_titles or TARGET_JOB_TITLES)
            for prefix in _SENIORITY_PREFIXES
        )
        states = tuple(s for s in (criteria.target_states or US_STATES) if s in _CITIES_BY_STATE) or US_STATES
        industries = tuple(criteria.industries or TARGET_INDUSTRIES)
        now = self._clock()
        day_start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        seed_mix = _mix(self.seed)
        company_pool = len(_COMPANY_CORES) * len(industries) * 4 * len(_COMPANY_QUALIFIERS)

        postings: list[JobPosting] = []
        originals: list[int] = []
        for index in range(count):
            h = _mix(seed_mix ^ index)
            if originals and h % 100 < _DUPLICATE_PERCENT:
                original = postings[originals[(h >> 7) % len(originals)]]
                postings.append(self._duplicate(original, index, h, day_start))
                continue
            ordinal = len(originals)
            originals.append(index)
            # Postings come in pairs per company (different titles), like a company hiring twice.
            company_number = ((ordinal // 2) * 7919 + seed_mix) % company_pool
            postings.append(self._original(index, ordinal, h, company_number, titles, states, industries, day_start))
        return postings

    def _original(
        self,
        index: int,
        ordinal: int,
        h: int,
        company_number: int,
        titles: tuple[str, ...],
        states: tuple[str, ...],
        industries: tuple[str, ...],
        day_start: datetime,
    ) -> JobPosting:
        core = _COMPANY_CORES[company_number % len(_COMPANY_CORES)]
        rest = company_number // len(_COMPANY_CORES)
        industry = industries[rest % len(industries)]
        kinds = _COMPANY_KINDS_BY_INDUSTRY.get(industry, _GENERIC_COMPANY_KINDS)
        kind = kinds[(rest // len(industries)) % len(kinds)]
        qualifier = _COMPANY_QUALIFIERS[(rest // (len(industries) * 4)) % len(_COMPANY_QUALIFIERS)]
        second = ordinal & 1
        title = titles[(company_number + second * 11) % len(titles)]
        state = states[(company_number + second * 17) % len(states)]
        cities = _CITIES_BY_STATE.get(state, ("",))
        city = cities[(h >> 20) % len(cities)] or None

        roll = (h >> 13) % 100
        company_base = f"{core} {kind}{qualifier}"
        if roll < 3:
            title = _IT_TITLES[(h >> 27) % len(_IT_TITLES)]
        elif roll < 5:
            company_base = f"{core} {_STAFFING_COMPANY_KINDS[(h >> 27) % len(_STAFFING_COMPANY_KINDS)]}"
        elif roll < 8:
            title = _UNTARGETED_TITLES[(h >> 27) % len(_UNTARGETED_TITLES)]
        the = "The " if (h >> 30) % 7 == 0 else ""
        suffix = _LEGAL_SUFFIXES[(h >> 33) % len(_LEGAL_SUFFIXES)]
        company_name = "" if roll == 8 else f"{the}{company_base}{suffix}"

        salary_min: float | None = None
        salary_max: float | None = None
        if (h >> 37) % 10 < 7:
            low = _title_salary_base(title) + ((h >> 41) % 21 - 10) * 1000
            salary_min = float(low)
            salary_max = float(low + 15_000 + ((h >> 46) % 16) * 1000)
        board = _BOARDS[(h >> 50) % len(_BOARDS)]
        external_id = f"demo-{self.seed}-{index}"
        contact = self._contact(company_base, h) if (h >> 53) % 20 == 0 else None
        return JobPosting(
            source="demo",
            external_id=external_id,
            company_name=company_name,
            job_title=title,
            city=city,
            state=state,
            country="US",
            job_link=f"{DEMO_LINK_HOST}/{board}/{external_id}" if (h >> 56) % 10 != 0 else None,
            salary_min=salary_min,
            salary_max=salary_max,
            salary_currency="USD" if salary_min is not None else None,
            industry=industry,
            posted_at=day_start - timedelta(minutes=(h >> 3) % _MINUTES_IN_29_DAYS),
            description=(
                f"DEMO DATA - not a real job. {company_name or 'A company'} is hiring a {title} "
                f"in {city or state}, {state}."
            ),
            employment_type=_EMPLOYMENT_TYPES[(h >> 59) % len(_EMPLOYMENT_TYPES)],
            contact_first_name=contact[0] if contact else None,
            contact_last_name=contact[1] if contact else None,
            contact_email=contact[2] if contact else None,
            contact_phone=contact[3] if contact else None,
            contact_title=contact[4] if contact else None,
            sources=[f"demo:{board}"],
        )

    def _duplicate(self, original: JobPosting, index: int, h: int, day_start: datetime) -> JobPosting:
        """The same job seen again: another spelling, board, link and completeness."""
        company = original.company_name
        if company:
            base, suffix = _split_legal_suffix(company)
            new_suffix = _LEGAL_SUFFIXES[
                (_LEGAL_SUFFIXES.index(suffix) + 1 + (h >> 9) % (len(_LEGAL_SUFFIXES) - 1)) % len(_LEGAL_SUFFIXES)
            ]
            spelling = (h >> 13) % 3
            if spelling == 0:
                base = base[4:] if base.startswith("The ") else f"The {base}"
            elif spelling == 1:
                base = base.upper()
            company = f"{base}{new_suffix}"
        title_style = (h >> 16) % 4
        title = original.job_title
        if title_style == 0:
            title = _shorthand(title)
        elif title_style == 1:
            title = title.upper()
        elif title_style == 2:
            title = f"  {title.lower()} "

        board = _BOARDS[(h >> 20) % len(_BOARDS)]
        external_id = f"demo-{self.seed}-{index}"
        link_style = (h >> 23) % 5
        if link_style < 2:
            job_link = original.job_link
        elif link_style < 4:
            job_link = f"{DEMO_LINK_HOST}/{board}/{external_id}"
        else:
            job_link = None
        salary_min = original.salary_min
        salary_max = original.salary_max
        if salary_min is None and (h >> 26) % 2 == 0:
            low = _title_salary_base(original.job_title) + ((h >> 28) % 11) * 1000
            salary_min, salary_max = float(low), float(low + 20_000)
        contact = (
            self._contact(_split_legal_suffix(original.company_name)[0], h)
            if original.contact_email is None and (h >> 33) % 12 == 0
            else None
        )
        return original.model_copy(
            update={
                "external_id": external_id,
                "company_name": company,
                "job_title": title,
                "job_link": job_link,
                "salary_min": salary_min,
                "salary_max": salary_max,
                "salary_currency": "USD" if salary_min is not None else None,
                "posted_at": day_start - timedelta(minutes=(h >> 37) % _MINUTES_IN_29_DAYS),
                "contact_first_name": contact[0] if contact else original.contact_first_name,
                "contact_last_name": contact[1] if contact else original.contact_last_name,
                "contact_email": contact[2] if contact else original.contact_email,
                "contact_phone": contact[3] if contact else original.contact_phone,
                "contact_title": contact[4] if contact else original.contact_title,
                "sources": [f"demo:{board}"],
            }
        )

    @staticmethod
    def _contact(company_base: str, h: int) -> tuple[str, str, str, str, str]:
        first = _CONTACT_FIRST_NAMES[(h >> 40) % len(_CONTACT_FIRST_NAMES)]
        last = _CONTACT_LAST_NAMES[(h >> 44) % len(_CONTACT_LAST_NAMES)]
        domain = "".join(ch for ch in company_base.lower() if ch.isalnum()) or "company"
        # 555-01xx numbers are reserved for fiction, so no real phone is ever rung.
        phone = f"+1{_AREA_CODES[(h >> 48) % len(_AREA_CODES)]}55501{(h >> 52) % 100:02d}"
        title = _CONTACT_TITLES[(h >> 58) % len(_CONTACT_TITLES)]
        return first, last, f"{first.lower()}.{last.lower()}@{domain}.demo.example", phone, title


# Longest first, so " Co., Inc." is taken whole rather than as " Inc.".
_SUFFIXES_LONGEST_FIRST = tuple(sorted(filter(None, _LEGAL_SUFFIXES), key=len, reverse=True))


def _split_legal_suffix(company: str) -> tuple[str, str]:
    for suffix in _SUFFIXES_LONGEST_FIRST:
        if company.endswith(suffix):
            return company[: -len(suffix)], suffix
    return company, ""
