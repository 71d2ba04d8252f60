"""The demo province's 183 public sector entities: names clearly synthetic ("Demo …")."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kpilib.demo.reference import DISTRICTS
from kpilib.demo.urdu_names import (
    PROVINCIAL_BODIES_UR,
    demo_ur,
    district_body_ur,
    teaching_hospital_ur,
    university_ur,
    water_company_ur,
)


@dataclass(frozen=True)
class DemoEntity:
    code: str
    name: str
    category: str
    department: str
    district: str | None
    name_ur: str | None = None  # the Urdu name, for many of them (kpilib.demo.urdu_names)


CATEGORY_COUNTS = {
    "university": 34,
    "teaching_hospital": 12,
    "water_sanitation_company": 7,
    "public_company": 18,
    "autonomous_body": 102,
    "other": 10,
}
CODE_PREFIX = {
    "university": "UNI",
    "teaching_hospital": "MTI",
    "water_sanitation_company": "WSC",
    "public_company": "PCO",
    "autonomous_body": "ABD",
    "other": "OTH",
}

_UNIVERSITY_FIELDS = (
    ("Engineering & Technology", "HED"), ("Agriculture", "AGR"), ("Science & Technology", "HED"),
    ("Medical & Health Sciences", "HLT"), ("Information Technology", "HED"), ("Education", "HED"),
    ("Management Sciences", "HED"), ("Women", "HED"), ("Arts & Humanities", "HED"),
    ("Veterinary & Animal Sciences", "AGR"), ("Law", "HED"), ("Languages", "HED"),
)  # fmt: skip
_COMPANIES = (
    ("Oil & Gas Development Company", "ENR"), ("Economic Zones Development Company", "ICT"),
    ("Mass Transit Company", "TMT"), ("Hydropower Development Company", "ENR"),
    ("Tourism Development Company", "CNT"), ("Housing Company", "HSG"),
    ("Minerals Investment Company", "MMD"), ("Investment & Trade Company", "ICT"),
    ("Cottage Industries Company", "ICT"), ("Seed Company", "AGR"),
    ("Government Printing Company", "ENA"), ("Technology Park Company", "SIT"),
    ("Transmission & Grid Company", "ENR"), ("Livestock Marketing Company", "AGR"),
    ("Urban Mobility Company", "TMT"), ("Skills Development Company", "ICT"),
    ("Infrastructure Finance Company", "FIN"), ("Food Security Company", "FOD"),
)  # fmt: skip
_PROVINCIAL_BODIES = (
    ("Highways Authority", "CNW"), ("Revenue Authority", "FIN"),
    ("Food Safety & Halal Food Authority", "FOD"), ("Health Care Commission", "HLT"),
    ("Elementary Education Foundation", "ESE"), ("Textbook Board", "ESE"),
    ("Technical Education & Vocational Training Authority", "ICT"),
    ("Small Industries Development Board", "ICT"), ("Forest Development Corporation", "EFW"),
    ("Environmental Protection Agency", "EFW"), ("Culture & Tourism Authority", "CNT"),
    ("Sports Board", "SPY"), ("Youth Foundation", "SPY"), ("Zakat Foundation", "ZKT"),
    ("Auqaf Board", "AUQ"), ("Social Welfare Foundation", "SWE"),
    ("Commission on the Status of Women", "SWE"), ("Child Protection Commission", "SWE"),
    ("Public Procurement Regulatory Authority", "FIN"), ("Pension Fund", "FIN"),
    ("Disaster Management Authority", "RRS"), ("Emergency Rescue Service", "RRS"),
    ("Mineral Development Authority", "MMD"), ("Board of Investment", "ICT"),
    ("Medical Transplant Regulatory Authority", "HLT"), ("Drug Testing Authority", "HLT"),
    ("Information Technology Board", "SIT"), ("Urban Policy Unit", "PND"),
    ("Bureau of Statistics", "PND"), ("Public Service Academy", "ENA"),
    ("Judicial Academy", "LAW"), ("Bar Council Endowment", "LAW"),
    ("Workers Welfare Board", "LAB"), ("Employees Social Security Institution", "LAB"),
    ("Population Welfare Institute", "POP"), ("Archives & Libraries Board", "HED"),
    ("Higher Education Regulatory Authority", "HED"), ("Energy Regulatory Authority", "ENR"),
    ("Irrigation Research Institute", "IRR"), ("Agricultural Research System", "AGR"),
    ("Livestock Research Institute", "AGR"), ("Fisheries Development Board", "AGR"),
    ("Wildlife & Biodiversity Board", "EFW"), ("Rangelands Authority", "EFW"),
    ("Housing Authority", "HSG"), ("Local Councils Board", "LGE"),
    ("Rural Development Academy", "LGE"), ("Radio & Media Authority", "INF"),
    ("Charity Commission", "SWE"), ("Tribal Areas Development Board", "HOM"),
)  # fmt: skip
_DISTRICT_BODIES = (
    ("Board of Intermediate & Secondary Education", "ESE", 8),
    ("Development Authority", "HSG", 10),
    ("Parks & Horticulture Authority", "LGE", 6),
    ("Tehsil Municipal Services Unit", "LGE", 18),
    ("District Health Authority", "HLT", 10),
)
_OTHER = (
    ("Provincial Endowment Fund", "FIN"), ("Welfare Trust for Persons with Disabilities", "SWE"),
    ("Sehat Insurance Trust", "HLT"), ("Scholarship Endowment", "HED"),
    ("Heritage Trust", "CNT"), ("Road Maintenance Fund", "CNW"),
    ("Police Welfare Trust", "HOM"), ("Flood Relief Fund", "RRS"),
    ("Sports Endowment", "SPY"), ("Madrassa Reform Trust", "AUQ"),
)  # fmt: skip
_WSSC_DISTRICTS = ("PSH", "ABT", "BNU", "DIK", "KHT", "MRD", "SWT")
_MTI_DISTRICTS = (
    "PSH",
    "ABT",
    "MRD",
    "SWT",
    "DIK",
    "KHT",
    "BNU",
    "DRL",
    "NSH",
    "SWB",
    "MSH",
    "CHD",
)


def build_entities(rng: np.random.Generator) -> list[DemoEntity]:
    """The 183 demo PSEs, in a stable order; ``rng`` only places them in districts."""
    names = dict(DISTRICTS)
    district_codes = [code for code, _ in DISTRICTS]
    # category, name, department, district, Urdu name
    rows: list[tuple[str, str, str, str | None, str | None]] = []

    for i in range(CATEGORY_COUNTS["university"]):
        field_name, department = _UNIVERSITY_FIELDS[i % len(_UNIVERSITY_FIELDS)]
        district = district_codes[(i * 7) % len(district_codes)]
        rows.append(("university", f"Demo {names[district]} University of {field_name}",
                     department, district, university_ur(district, field_name)))  # fmt: skip
    for district in _MTI_DISTRICTS:
        rows.append(("teaching_hospital", f"Demo {names[district]} Medical Teaching Institution",
                     "HLT", district, teaching_hospital_ur(district)))  # fmt: skip
    for district in _WSSC_DISTRICTS:
        rows.append(("water_sanitation_company",
                     f"Demo Water & Sanitation Services Company {names[district]}", "LGE",
                     district, water_company_ur(district)))  # fmt: skip
    for name, department in _COMPANIES:
        rows.append(("public_company", f"Demo {name}", department, "PSH", None))
    for name, department in _PROVINCIAL_BODIES:
        rows.append(("autonomous_body", f"Demo {name}", department, "PSH",
                     demo_ur(PROVINCIAL_BODIES_UR.get(name))))  # fmt: skip
    for body, department, count in _DISTRICT_BODIES:
        chosen = rng.choice(len(district_codes), size=count, replace=False)
        for index in sorted(chosen):
            district = district_codes[index]
            rows.append(("autonomous_body", f"Demo {names[district]} {body}", department,
                         district, district_body_ur(body, district)))  # fmt: skip
    for name, department in _OTHER:
        rows.append(("other", f"Demo {name}", department, None, None))

    entities: list[DemoEntity] = []
    counters: dict[str, int] = {}
    for category, name, department, entity_district, name_ur in rows:
        counters[category] = counters.get(category, 0) + 1
        code = f"{CODE_PREFIX[category]}-{counters[category]:03d}"
        entities.append(DemoEntity(code, name, category, department, entity_district, name_ur))
    counts = {c: sum(e.category == c for e in entities) for c in CATEGORY_COUNTS}
    assert counts == CATEGORY_COUNTS, counts
    assert len({e.name for e in entities}) == len(entities), "demo PSE names must be unique"
    return entities
