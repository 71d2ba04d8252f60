"""Urdu names of the demo province's departments, districts and many of its PSEs (issue 18).

The departments' names are the Khyber Pakhtunkhwa government's own Urdu names of its
departments (محکمہ صحت, محکمہ خزانہ, …). The demo PSEs are synthetic, like their English names
("Demo …" → "ڈیمو …"): universities, teaching hospitals, water and sanitation companies and
several provincial and district bodies have an Urdu name, written the way the Urdu press
writes such bodies (often the English words in Urdu letters); the others have none, and Urdu
pages show their English name (the fallback of :func:`kpilib.i18n.names.display_name`). The
whole dataset, these names included, is flagged as demo data.
"""

from __future__ import annotations

DEMO_UR = "ڈیمو"

#: Department code → its Urdu name.
DEPARTMENT_NAMES_UR: dict[str, str] = {
    "AGR": "محکمہ زراعت و لائیو سٹاک",
    "AUQ": "محکمہ اوقاف، حج، مذہبی و اقلیتی امور",
    "CNW": "محکمہ مواصلات و تعمیرات",
    "CNT": "محکمہ ثقافت و سیاحت",
    "ESE": "محکمہ ابتدائی و ثانوی تعلیم",
    "ENR": "محکمہ توانائی و برقیات",
    "EFW": "محکمہ ماحولیات، جنگلات و جنگلی حیات",
    "ENA": "محکمہ اسٹیبلشمنٹ و انتظامیہ",
    "ETN": "محکمہ ایکسائز، ٹیکسیشن و انسدادِ منشیات",
    "FIN": "محکمہ خزانہ",
    "FOD": "محکمہ خوراک",
    "HLT": "محکمہ صحت",
    "HED": "محکمہ اعلیٰ تعلیم، آرکائیوز و لائبریریز",
    "HOM": "محکمہ داخلہ و قبائلی امور",
    "HSG": "محکمہ ہاؤسنگ",
    "ICT": "محکمہ صنعت، تجارت و فنی تعلیم",
    "INF": "محکمہ اطلاعات و تعلقاتِ عامہ",
    "IRR": "محکمہ آبپاشی",
    "LAB": "محکمہ محنت",
    "LAW": "محکمہ قانون، پارلیمانی امور و انسانی حقوق",
    "LGE": "محکمہ بلدیات، انتخابات و دیہی ترقی",
    "MMD": "محکمہ معدنیات و معدنی ترقی",
    "PND": "محکمہ منصوبہ بندی و ترقیات",
    "POP": "محکمہ بہبودِ آبادی",
    "PHE": "محکمہ پبلک ہیلتھ انجینئرنگ",
    "RRS": "محکمہ ریلیف، بحالی و آبادکاری",
    "REV": "محکمہ مال و جائیداد",
    "SIT": "محکمہ سائنس و ٹیکنالوجی و انفارمیشن ٹیکنالوجی",
    "SWE": "محکمہ سماجی بہبود، خصوصی تعلیم و ترقیِ نسواں",
    "SPY": "محکمہ کھیل و امورِ نوجوانان",
    "TMT": "محکمہ ٹرانسپورٹ و ماس ٹرانزٹ",
    "ZKT": "محکمہ زکوٰۃ و عشر",
}

#: District code → its Urdu name.
DISTRICT_NAMES_UR: dict[str, str] = {
    "ABT": "ایبٹ آباد", "BJR": "باجوڑ", "BNU": "بنوں", "BTG": "بٹگرام", "BNR": "بونیر",
    "CHD": "چارسدہ", "CTL": "لوئر چترال", "CTU": "اپر چترال", "DIK": "ڈیرہ اسماعیل خان",
    "DRL": "لوئر دیر", "DRU": "اپر دیر", "HNG": "ہنگو", "HRP": "ہری پور", "KRK": "کرک",
    "KHB": "خیبر", "KHT": "کوہاٹ", "KRM": "کرم", "LKM": "لکی مروت", "MLK": "مالاکنڈ",
    "MSH": "مانسہرہ", "MRD": "مردان", "MMD": "مہمند", "NWZ": "شمالی وزیرستان",
    "NSH": "نوشہرہ", "ORK": "اورکزئی", "PSH": "پشاور", "SHG": "شانگلہ",
    "SWW": "جنوبی وزیرستان", "SWB": "صوابی", "SWT": "سوات", "TNK": "ٹانک", "TRG": "تورغر",
}  # fmt: skip

#: A university's field (as in its English name) → the field in Urdu.
UNIVERSITY_FIELDS_UR: dict[str, str] = {
    "Engineering & Technology": "انجینئرنگ و ٹیکنالوجی",
    "Agriculture": "زراعت",
    "Science & Technology": "سائنس و ٹیکنالوجی",
    "Medical & Health Sciences": "میڈیکل و ہیلتھ سائنسز",
    "Information Technology": "انفارمیشن ٹیکنالوجی",
    "Education": "تعلیم",
    "Management Sciences": "مینجمنٹ سائنسز",
    "Women": "خواتین",
    "Arts & Humanities": "فنون و انسانی علوم",
    "Veterinary & Animal Sciences": "ویٹرنری و حیوانی علوم",
    "Law": "قانون",
    "Languages": "زبان و ادب",
}

#: A provincial body (its English name without "Demo") → its Urdu name; the others have none.
PROVINCIAL_BODIES_UR: dict[str, str] = {
    "Highways Authority": "ہائی ویز اتھارٹی",
    "Revenue Authority": "ریونیو اتھارٹی",
    "Food Safety & Halal Food Authority": "فوڈ سیفٹی و حلال فوڈ اتھارٹی",
    "Health Care Commission": "ہیلتھ کیئر کمیشن",
    "Elementary Education Foundation": "ایلیمنٹری ایجوکیشن فاؤنڈیشن",
    "Textbook Board": "ٹیکسٹ بک بورڈ",
    "Environmental Protection Agency": "ادارۂ تحفظِ ماحولیات",
    "Sports Board": "سپورٹس بورڈ",
    "Zakat Foundation": "زکوٰۃ فاؤنڈیشن",
    "Auqaf Board": "اوقاف بورڈ",
    "Disaster Management Authority": "ڈیزاسٹر مینجمنٹ اتھارٹی",
    "Emergency Rescue Service": "ایمرجنسی ریسکیو سروس",
    "Board of Investment": "بورڈ آف انویسٹمنٹ",
    "Bureau of Statistics": "بیورو آف سٹیٹسٹکس",
    "Pension Fund": "پنشن فنڈ",
    "Workers Welfare Board": "ورکرز ویلفیئر بورڈ",
}

#: A district body → its Urdu name, ``{district}`` standing for the district's Urdu name.
DISTRICT_BODIES_UR: dict[str, str] = {
    "Board of Intermediate & Secondary Education": "بورڈ آف انٹرمیڈیٹ اینڈ سیکنڈری ایجوکیشن "
    "{district}",
    "Development Authority": "{district} ڈویلپمنٹ اتھارٹی",
    "District Health Authority": "ڈسٹرکٹ ہیلتھ اتھارٹی {district}",
}


def demo_ur(name: str | None) -> str | None:
    """``name`` with the demo marker (``ڈیمو …``), None staying None."""
    return f"{DEMO_UR} {name}" if name else None


def university_ur(district: str, field_name: str) -> str:
    place, subject = DISTRICT_NAMES_UR[district], UNIVERSITY_FIELDS_UR[field_name]
    return f"{DEMO_UR} {place} یونیورسٹی برائے {subject}"


def teaching_hospital_ur(district: str) -> str:
    return f"{DEMO_UR} {DISTRICT_NAMES_UR[district]} میڈیکل ٹیچنگ انسٹی ٹیوشن"


def water_company_ur(district: str) -> str:
    return f"{DEMO_UR} واٹر اینڈ سینی ٹیشن سروسز کمپنی {DISTRICT_NAMES_UR[district]}"


def district_body_ur(body: str, district: str) -> str | None:
    template = DISTRICT_BODIES_UR.get(body)
    return demo_ur(template.format(district=DISTRICT_NAMES_UR[district])) if template else None
