"""Sensible starting rules, settings and page categories: a business edits them in the
admin and checks them against outcomes in the calibration report."""

from django.db import migrations

PRICE_WORDS = [
    "price", "cost", "how much", "quote",
    "цена", "цены", "стоимость", "сколько стоит", "прайс",
    "preț", "pret", "cât costă", "cat costa", "ofertă de preț",
    "precio", "cuánto cuesta", "cuanto cuesta", "presupuesto",
    "hinta", "paljonko maksaa", "hintatarjous",
]
SENIOR_WORDS = [
    "director", "head of", "ceo", "cfo", "coo", "cto", "owner", "founder", "partner",
    "директор", "руководитель", "владелец", "начальник",
    "director general", "administrator", "proprietar",
    "gerente", "dueño", "propietario", "jefe",
    "toimitusjohtaja", "johtaja", "omistaja", "päällikkö",
]

PROFILE = [
    # name, conditions, points, hot
    ("Decision maker by position", [{"field": "position", "operator": "contains", "value": SENIOR_WORDS}], 15, False),
    ("Gave a company", [{"field": "company_name", "operator": "not_empty", "value": ""}], 5, False),
    ("Named the product", [{"field": "interest", "operator": "not_empty", "value": ""}], 5, False),
    ("Answered a questionnaire", [{"field": "contact_type", "operator": "eq", "value": "interested"}], 10, False),
    ("Verified contact", [{"field": "verification", "operator": "eq", "value": "verified"}], 10, False),
    ("Non-target", [{"field": "fit", "operator": "eq", "value": "non_target"}], -30, False),
    ("Asked for a call back", [{"field": "channel", "operator": "eq", "value": "callback"}], 20, True),
    ("Asked for the price", [{"field": "comment", "operator": "contains", "value": PRICE_WORDS}], 20, True),
]
BEHAVIOUR = [
    # name, event kind, conditions, points, frequency, cap, hot
    ("Viewed the prices", "page_view", [{"field": "category", "operator": "eq", "value": "pricing"}], 10, "each", 30, False),
    ("Opened the payment page", "page_view", [{"field": "category", "operator": "eq", "value": "payment"}], 20, "once", None, True),
    ("Looked for the contacts", "page_view", [{"field": "category", "operator": "eq", "value": "contacts"}], 5, "each", 10, False),
    ("Read about a product", "page_view", [{"field": "category", "operator": "eq", "value": "product"}], 3, "each", 12, False),
    ("Visited the site", "page_view", [], 1, "each", 10, False),
    ("Looked at jobs, not products", "page_view", [{"field": "category", "operator": "eq", "value": "careers"}], -10, "once", None, False),
    ("Downloaded material", "download", [], 8, "each", 24, False),
    ("Watched a video", "video", [], 5, "each", 15, False),
    ("Attended a webinar", "webinar", [], 15, "each", 30, False),
    ("Opened an e-mail", "email_open", [], 1, "each", 5, False),
    ("Clicked a link in an e-mail", "email_click", [], 4, "each", 12, False),
    ("Wrote again", "form_submit", [], 10, "each", 20, False),
    ("Answered a call", "call_answered", [], 10, "each", 20, False),
    ("Answered the qualifying questions", "questions_answered", [], 15, "once", None, False),
    ("Viewed the offer", "offer_viewed", [], 15, "each", 30, False),
]
PAGES = [
    ("pric", "pricing"), ("tarif", "pricing"), ("цен", "pricing"), ("prais", "pricing"),
    ("precio", "pricing"), ("hinta", "pricing"), ("hinnasto", "pricing"),
    ("checkout", "payment"), ("payment", "payment"), ("/pay", "payment"), ("oplat", "payment"),
    ("оплат", "payment"), ("plata", "payment"), ("pago", "payment"), ("maksu", "payment"),
    ("/cart", "payment"), ("/basket", "payment"),
    ("contact", "contacts"), ("контакт", "contacts"), ("contacto", "contacts"), ("yhteys", "contacts"),
    ("career", "careers"), ("/jobs", "careers"), ("vacanc", "careers"), ("ваканс", "careers"),
    ("cariere", "careers"), ("empleo", "careers"), ("rekry", "careers"),
    ("product", "product"), ("/catalog", "product"), ("produs", "product"),
    ("producto", "product"), ("tuote", "product"),
]


def seed(apps, schema_editor):
    ScoreRule = apps.get_model("scoring", "ScoreRule")
    ScoreSettings = apps.get_model("scoring", "ScoreSettings")
    PageCategoryRule = apps.get_model("scoring", "PageCategoryRule")
    if not ScoreSettings.objects.exists():
        ScoreSettings.objects.create()
    if ScoreRule.objects.exists():
        return
    order = 0
    for name, conditions, points, hot in PROFILE:
        order += 10
        ScoreRule.objects.create(
            name=name, kind="profile", conditions=conditions, points=points,
            frequency="once", hot_signal=hot, order=order,
        )
    for name, kind, conditions, points, frequency, cap, hot in BEHAVIOUR:
        order += 10
        ScoreRule.objects.create(
            name=name, kind="behaviour", event_kind=kind, conditions=conditions, points=points,
            frequency=frequency, cap=cap, hot_signal=hot, order=order,
        )
    for order, (needle, category) in enumerate(PAGES):
        PageCategoryRule.objects.create(url_contains=needle, category=category, order=order)


def unseed(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
