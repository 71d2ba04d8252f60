"""Reference data of the demo province, modelled on Khyber Pakhtunkhwa.

Department names are the province's real departments; budget sizes follow the 2024-25 budget
estimates published in the press (see ``shared/KP_FACTS.md``); everything else, and every PSE,
cost centre and figure generated from these, is synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DepartmentProfile:
    """How a department's budget looks: size, development share, spending behaviour."""

    code: str
    name: str
    budget_2024_25_bn: float  # total (current + development) budget estimate, Rs billion
    development_share: float  # share of the total that is development (ADP)
    current_mix: dict[str, float] = field(default_factory=dict)  # economic head -> weight
    development_mix: dict[str, float] = field(default_factory=dict)
    overspends: bool = False  # current spending regularly above the original budget
    development_utilisation: float = 0.7  # typical expenditure ÷ revised development budget


_CURRENT_DEFAULT = {"A01": 0.62, "A03": 0.2, "A05": 0.06, "A06": 0.04, "A09": 0.03, "A13": 0.05}
_DEVELOPMENT_DEFAULT = {"A01": 0.05, "A03": 0.15, "A09": 0.3, "A12": 0.45, "A05": 0.05}


def _department(
    code: str,
    name: str,
    budget: float,
    development_share: float,
    *,
    current: dict[str, float] | None = None,
    development: dict[str, float] | None = None,
    overspends: bool = False,
    development_utilisation: float = 0.7,
) -> DepartmentProfile:
    return DepartmentProfile(
        code=code,
        name=name,
        budget_2024_25_bn=budget,
        development_share=development_share,
        current_mix=current or _CURRENT_DEFAULT,
        development_mix=development or _DEVELOPMENT_DEFAULT,
        overspends=overspends,
        development_utilisation=development_utilisation,
    )


DEPARTMENTS: tuple[DepartmentProfile, ...] = (
    _department("AGR", "Agriculture & Livestock", 28.6, 0.3),
    _department("AUQ", "Auqaf, Hajj, Religious & Minority Affairs", 3.0, 0.3),
    _department(
        "CNW",
        "Communication & Works",
        60.5,
        0.75,
        development={"A03": 0.05, "A09": 0.1, "A12": 0.85},
        development_utilisation=0.78,
    ),
    _department("CNT", "Culture & Tourism", 5.5, 0.6, development_utilisation=0.55),
    _department(
        "ESE",
        "Elementary & Secondary Education",
        326.9,
        0.05,
        current={"A01": 0.86, "A03": 0.07, "A05": 0.03, "A09": 0.02, "A13": 0.02},
        development_utilisation=0.62,
    ),
    _department("ENR", "Energy & Power", 30.0, 0.8, development_utilisation=0.48),
    _department("EFW", "Environment, Forestry & Wildlife", 14.0, 0.35),
    _department("ENA", "Establishment & Administration", 18.0, 0.15),
    _department("ETN", "Excise, Taxation & Narcotics Control", 4.0, 0.1),
    _department(
        "FIN",
        "Finance",
        260.0,
        0.0,
        current={"A01": 0.02, "A03": 0.04, "A04": 0.62, "A07": 0.26, "A99": 0.06},
    ),
    _department(
        "FOD",
        "Food",
        30.0,
        0.05,
        current={"A01": 0.08, "A03": 0.07, "A05": 0.85},
        overspends=True,
    ),
    _department(
        "HLT",
        "Health",
        232.1,
        0.12,
        current={"A01": 0.55, "A03": 0.17, "A05": 0.22, "A09": 0.03, "A13": 0.03},
        overspends=True,
        development_utilisation=0.66,
    ),
    _department(
        "HED",
        "Higher Education, Archives & Libraries",
        35.8,
        0.2,
        current={"A01": 0.3, "A03": 0.08, "A05": 0.6, "A13": 0.02},
    ),
    _department(
        "HOM",
        "Home & Tribal Affairs",
        140.6,
        0.05,
        current={"A01": 0.78, "A03": 0.14, "A09": 0.05, "A13": 0.03},
        overspends=True,
    ),
    _department("HSG", "Housing", 3.0, 0.7, development_utilisation=0.5),
    _department(
        "ICT",
        "Industries, Commerce & Technical Education",
        7.5,
        0.35,
        current={"A01": 0.4, "A03": 0.1, "A05": 0.5},
    ),
    _department("INF", "Information & Public Relations", 3.0, 0.1),
    _department(
        "IRR",
        "Irrigation",
        40.0,
        0.6,
        development={"A03": 0.05, "A09": 0.15, "A12": 0.8},
        development_utilisation=0.74,
    ),
    _department("LAB", "Labour", 1.5, 0.2),
    _department("LAW", "Law, Parliamentary Affairs & Human Rights", 9.0, 0.15),
    _department(
        "LGE",
        "Local Government, Elections & Rural Development",
        95.0,
        0.45,
        current={"A01": 0.45, "A03": 0.1, "A05": 0.4, "A13": 0.05},
        development_utilisation=0.68,
    ),
    _department("MMD", "Mines & Minerals Development", 2.5, 0.4),
    _department(
        "PND",
        "Planning & Development",
        20.0,
        0.85,
        development_utilisation=0.52,
    ),
    _department("POP", "Population Welfare", 4.0, 0.2),
    _department(
        "PHE",
        "Public Health Engineering",
        28.0,
        0.55,
        development_utilisation=0.71,
    ),
    _department("RRS", "Relief, Rehabilitation & Settlement", 10.0, 0.3),
    _department("REV", "Revenue & Estates", 12.0, 0.1),
    _department("SIT", "Science & Technology and Information Technology", 3.5, 0.6),
    _department("SWE", "Social Welfare, Special Education & Women Empowerment", 8.1, 0.3),
    _department("SPY", "Sports & Youth Affairs", 4.1, 0.6, development_utilisation=0.58),
    _department(
        "TMT",
        "Transport & Mass Transit",
        12.0,
        0.5,
        current={"A01": 0.1, "A03": 0.1, "A05": 0.8},
    ),
    _department("ZKT", "Zakat & Ushr", 2.0, 0.05),
)

#: Budget growth relative to 2024-25 (nominal), by fiscal year start.
BUDGET_GROWTH = {2021: 0.66, 2022: 0.78, 2023: 0.86, 2024: 1.0, 2025: 1.18}

#: Economic classification heads (New Accounting Model object codes); A99 is the demo's
#: contingency provision, held by Finance.
ECONOMIC_CLASSES: tuple[tuple[str, str, str], ...] = (
    ("A01", "Employee related expenses", "regular"),
    ("A03", "Operating expenses", "regular"),
    ("A04", "Employees retirement benefits", "regular"),
    ("A05", "Grants, subsidies and write-off of loans", "regular"),
    ("A06", "Transfers", "regular"),
    ("A07", "Interest payment", "interest"),
    ("A09", "Physical assets", "regular"),
    ("A12", "Civil works", "regular"),
    ("A13", "Repairs and maintenance", "regular"),
    ("A99", "Contingency provision (unallocated)", "contingency"),
)

DISTRICTS: tuple[tuple[str, str], ...] = (
    ("ABT", "Abbottabad"),
    ("BJR", "Bajaur"),
    ("BNU", "Bannu"),
    ("BTG", "Battagram"),
    ("BNR", "Buner"),
    ("CHD", "Charsadda"),
    ("CTL", "Chitral Lower"),
    ("CTU", "Chitral Upper"),
    ("DIK", "Dera Ismail Khan"),
    ("DRL", "Dir Lower"),
    ("DRU", "Dir Upper"),
    ("HNG", "Hangu"),
    ("HRP", "Haripur"),
    ("KRK", "Karak"),
    ("KHB", "Khyber"),
    ("KHT", "Kohat"),
    ("KRM", "Kurram"),
    ("LKM", "Lakki Marwat"),
    ("MLK", "Malakand"),
    ("MSH", "Mansehra"),
    ("MRD", "Mardan"),
    ("MMD", "Mohmand"),
    ("NWZ", "North Waziristan"),
    ("NSH", "Nowshera"),
    ("ORK", "Orakzai"),
    ("PSH", "Peshawar"),
    ("SHG", "Shangla"),
    ("SWW", "South Waziristan"),
    ("SWB", "Swabi"),
    ("SWT", "Swat"),
    ("TNK", "Tank"),
    ("TRG", "Torghar"),
)

#: Revenue heads: (code, name, kind, collecting department, 2024-25 estimate in Rs billion,
#: typical outturn ratio).
REVENUE_HEADS: tuple[tuple[str, str, str, str, float, float], ...] = (
    ("R-FDP", "Federal divisible pool (tax assignment)", "federal_transfer", "FIN", 902.5, 0.93),
    ("R-WOT", "1% share for war on terror", "federal_transfer", "FIN", 108.4, 0.88),
    ("R-NHP", "Net hydel profit and arrears", "federal_transfer", "ENR", 112.1, 0.55),
    ("R-OGR", "Oil and gas royalty", "federal_transfer", "FIN", 40.0, 0.9),
    ("R-MDG", "Grants for merged districts", "grant", "FIN", 259.9, 0.78),
    ("R-GST", "Sales tax on services (KPRA)", "tax", "FIN", 48.0, 1.04),
    ("R-MVT", "Motor vehicle tax", "tax", "ETN", 5.2, 0.96),
    ("R-UIP", "Urban immovable property tax", "tax", "ETN", 2.1, 0.84),
    ("R-EXD", "Excise duty", "tax", "ETN", 1.2, 0.91),
    ("R-STD", "Stamp duty", "tax", "REV", 4.5, 1.08),
    ("R-LRV", "Land revenue", "tax", "REV", 1.4, 0.82),
    ("R-PRT", "Professional tax", "tax", "ETN", 0.8, 0.77),
    ("R-MNR", "Mineral royalty and fees", "non_tax", "MMD", 3.4, 1.12),
    ("R-HFE", "Hospital and medical fees", "non_tax", "HLT", 2.2, 0.95),
    ("R-EFE", "Education fees", "non_tax", "HED", 1.1, 0.9),
    ("R-IRR", "Abiana (irrigation water charges)", "non_tax", "IRR", 0.9, 0.65),
    ("R-FOR", "Forest receipts", "non_tax", "EFW", 1.6, 0.87),
)


@dataclass(frozen=True)
class IndicatorProfile:
    """A demo service-delivery indicator and how its values behave."""

    code: str
    name: str
    unit: str
    department: str
    direction: str  # higher_is_better | lower_is_better
    frequency: str  # quarterly | annual
    baseline: float  # target in 2021-22
    yearly_step: float  # change of the target per year (signed)
    level: str = "province"
    by_district: bool = False
    categories: tuple[str, ...] = ()  # for entity-level indicators: PSE categories reporting it


INDICATORS: tuple[IndicatorProfile, ...] = (
    IndicatorProfile("ESE-NER", "Net enrolment rate, primary", "%", "ESE",
                     "higher_is_better", "annual", 68.0, 1.5, by_district=True),
    IndicatorProfile("ESE-TAT", "Teacher attendance", "%", "ESE",
                     "higher_is_better", "quarterly", 88.0, 1.0, by_district=True),
    IndicatorProfile("ESE-OOS", "Out-of-school children aged 5-16", "thousand children", "ESE",
                     "lower_is_better", "annual", 5100.0, -120.0),
    IndicatorProfile("ESE-FAC", "Schools with all missing facilities provided", "%", "ESE",
                     "higher_is_better", "annual", 71.0, 3.0),
    IndicatorProfile("HLT-IMM", "Full immunisation coverage, 12-23 months", "%", "HLT",
                     "higher_is_better", "quarterly", 72.0, 2.5, by_district=True),
    IndicatorProfile("HLT-SBA", "Births attended by skilled personnel", "%", "HLT",
                     "higher_is_better", "quarterly", 64.0, 2.0, by_district=True),
    IndicatorProfile("HLT-IMR", "Infant mortality rate", "per 1,000 live births", "HLT",
                     "lower_is_better", "annual", 62.0, -2.0),
    IndicatorProfile("HLT-OPD", "Outpatient visits at public facilities", "thousand visits",
                     "HLT", "higher_is_better", "quarterly", 9800.0, 350.0),
    IndicatorProfile("HLT-SHC", "Sehat card claims settled within 30 days", "%", "HLT",
                     "higher_is_better", "quarterly", 80.0, 2.5),
    IndicatorProfile("HED-GER", "Gross enrolment in higher education", "%", "HED",
                     "higher_is_better", "annual", 9.0, 0.6),
    IndicatorProfile("HED-PHD", "University faculty holding a PhD", "%", "HED",
                     "higher_is_better", "annual", 38.0, 2.0),
    IndicatorProfile("PHE-SDW", "Population with safe drinking water", "%", "PHE",
                     "higher_is_better", "annual", 80.0, 1.2),
    IndicatorProfile("PHE-WQF", "Water samples failing quality tests", "%", "PHE",
                     "lower_is_better", "quarterly", 24.0, -1.5),
    IndicatorProfile("PHE-FWS", "Water supply schemes functional", "%", "PHE",
                     "higher_is_better", "quarterly", 82.0, 1.5),
    IndicatorProfile("LGE-SWC", "Solid waste collected in urban areas", "%", "LGE",
                     "higher_is_better", "quarterly", 61.0, 3.0, by_district=True),
    IndicatorProfile("LGE-CR7", "Citizen complaints resolved within 7 days", "%", "LGE",
                     "higher_is_better", "quarterly", 70.0, 3.0),
    IndicatorProfile("CNW-RRH", "Roads rehabilitated", "km", "CNW",
                     "higher_is_better", "quarterly", 180.0, 10.0),
    IndicatorProfile("CNW-OTC", "Road schemes completed on schedule", "%", "CNW",
                     "higher_is_better", "annual", 55.0, 3.0),
    IndicatorProfile("IRR-CWD", "Canal water delivered against indent", "%", "IRR",
                     "higher_is_better", "quarterly", 78.0, 1.0),
    IndicatorProfile("IRR-FPW", "Flood protection works completed", "number", "IRR",
                     "higher_is_better", "annual", 40.0, 4.0),
    IndicatorProfile("AGR-WYD", "Average wheat yield", "t/ha", "AGR",
                     "higher_is_better", "annual", 2.3, 0.05),
    IndicatorProfile("AGR-LVV", "Livestock vaccinated", "thousand animals", "AGR",
                     "higher_is_better", "quarterly", 1900.0, 80.0),
    IndicatorProfile("HOM-CHL", "Challans submitted within 14 days of FIR", "%", "HOM",
                     "higher_is_better", "quarterly", 58.0, 3.0),
    IndicatorProfile("HOM-CRM", "Reported crime per 100,000 population", "per 100,000", "HOM",
                     "lower_is_better", "annual", 420.0, -8.0),
    IndicatorProfile("SWE-PWD", "Persons with disabilities registered", "thousand persons",
                     "SWE", "higher_is_better", "annual", 110.0, 12.0),
    IndicatorProfile("POP-CPR", "Contraceptive prevalence rate", "%", "POP",
                     "higher_is_better", "annual", 31.0, 1.0),
    IndicatorProfile("FOD-WPR", "Wheat procured against target", "%", "FOD",
                     "higher_is_better", "annual", 92.0, 1.0),
    IndicatorProfile("TMT-BRT", "Bus rapid transit daily ridership", "thousand passengers",
                     "TMT", "higher_is_better", "quarterly", 220.0, 25.0),
    IndicatorProfile("ENR-MHP", "Electricity from provincial hydel stations", "GWh", "ENR",
                     "higher_is_better", "quarterly", 260.0, 15.0),
    # Entity-level indicators, reported by PSEs in their operational KPI return.
    IndicatorProfile("MTI-BOR", "Bed occupancy rate", "%", "HLT",
                     "higher_is_better", "quarterly", 78.0, 1.0, level="entity",
                     categories=("teaching_hospital",)),
    IndicatorProfile("MTI-WTD", "Average waiting time for elective surgery", "days", "HLT",
                     "lower_is_better", "quarterly", 45.0, -2.0, level="entity",
                     categories=("teaching_hospital",)),
    IndicatorProfile("WSC-HRS", "Hours of water supply per day", "hours/day", "LGE",
                     "higher_is_better", "quarterly", 9.0, 0.5, level="entity",
                     categories=("water_sanitation_company",)),
    IndicatorProfile("WSC-NRW", "Non-revenue water", "%", "LGE",
                     "lower_is_better", "quarterly", 42.0, -1.5, level="entity",
                     categories=("water_sanitation_company",)),
    IndicatorProfile("UNI-ENR", "Students enrolled", "students", "HED",
                     "higher_is_better", "quarterly", 9000.0, 300.0, level="entity",
                     categories=("university",)),
)  # fmt: skip

#: Department performance on indicators: actual ÷ target for higher-is-better indicators.
DEPARTMENT_PERFORMANCE = {
    "ESE": 0.93, "HLT": 0.97, "HED": 1.0, "PHE": 0.9, "LGE": 0.86, "CNW": 0.95, "IRR": 0.98,
    "AGR": 1.02, "HOM": 0.94, "SWE": 1.05, "POP": 0.88, "FOD": 0.97, "TMT": 1.04, "ENR": 0.9,
}  # fmt: skip
