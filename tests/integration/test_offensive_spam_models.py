"""The shipped ``models/offensive`` and ``models/spam`` heads on obvious posts.

Arabic dialects and English, including the obfuscations members use to dodge filters. These
tests need only the shipped artifacts; the figures on the shared datasets are in the cards.
"""

from __future__ import annotations

import json

import pytest

from assistant.backends import create
from assistant.backends.head import HeadClassifier, choose_label
from assistant.config import PROJECT_ROOT

pytestmark = pytest.mark.slow

MODELS = PROJECT_ROOT / "models"
ZWJ = "\u200d"
ZWSP = "\u200b"


def _head(name: str) -> HeadClassifier:
    if not (MODELS / name / "manifest.json").exists():
        pytest.skip(f"no shipped {name} artifact in {MODELS}: run `mushrif train {name}`")
    classifier = create("classifier", "head", artifact=name, models_dir=str(MODELS))
    assert isinstance(classifier, HeadClassifier)
    return classifier


@pytest.fixture(scope="module")
def offensive_head() -> HeadClassifier:
    return _head("offensive")


@pytest.fixture(scope="module")
def spam_head() -> HeadClassifier:
    return _head("spam")


ABUSIVE = [
    "يا حمار",  # Gulf / general
    "انت حمار وما تفهم",
    "يا حماااااار",  # elongation
    "يا حـــــمار",  # tatweel
    f"يا ح{ZWJ}م{ZWJ}ا{ZWJ}ر",  # zero-width joiners
    "يا ك ل ب",  # spaced letters
    "يا كلب يا ابن الكلب",
    "انت واحد حيوان وغبي",
    "يلعن ابوك يا حقير",  # Levantine
    "يا واطي يا زبالة",  # Egyptian
    "you are an idiot",
    "shut up you stupid bitch",
    "іdіot",  # Cyrillic і
    "you're such an іdіot",
    "f.u.c.k you",  # dotted letters
    "fuck you asshole",
    f"you are an id{ZWSP}iot",
]

CLEAN = [
    "صباح الخير يا جماعة",
    "كم سعر هذا المنتج؟",
    "شكرا على المساعدة، الله يعطيك العافية",
    "وين مكان المحل بالضبط؟",
    "المنتج وصل وكل شي تمام",
    "Thanks for the help, see you tomorrow",
    "What time does the shop open on Friday?",
    "Great photos from the event, well done everyone",
    # جرب is "tried" in a shop group and "scabies", an insult, in the tweets the head learned
    # from: group posts taught it the first (2026-12-08).
    "حد جرب التوصيل عندهم؟ سريع ولا لا؟",
    "جربتوا العطر الجديد؟",
    "مين جرب الخلطة الجديدة للشعر؟",
    "ابي اشتري طوق لكلب صغير، وش تنصحوني؟",
]


@pytest.mark.parametrize("text", ABUSIVE)
def test_offensive_head_flags_abuse(offensive_head: HeadClassifier, text: str) -> None:
    scores = offensive_head.predict_proba([text])[0]
    label, _ = choose_label(scores)
    assert label in {"offensive", "hate"}, scores


@pytest.mark.parametrize("text", CLEAN)
def test_offensive_head_passes_clean_text(offensive_head: HeadClassifier, text: str) -> None:
    label, _ = choose_label(offensive_head.predict_proba([text])[0])
    assert label == "normal"


def test_offensive_head_labels_and_card(offensive_head: HeadClassifier) -> None:
    assert offensive_head.manifest.labels == ["normal", "offensive", "hate"]
    directory = MODELS / "offensive"
    assert (directory / "MODEL_CARD.md").exists()
    metrics = json.loads((directory / "metrics.json").read_text("utf-8"))
    assert metrics["quick"] is False
    assert sum(p.stat().st_size for p in directory.iterdir()) < 5 * 2**20


SPAM = [
    "للتواصل واتساب 0501234567 افضل العروض وخصم 50% على جميع المنتجات",
    "احصل على شهادة ايلتس معتمدة بدون اختبار تواصل واتس 00966501234567",
    "كوبونات خصم نون ونمشي وايهيرب كود خصم قوي لطلب التواصل واتساب",
    "منتج تخسيس مضمون ينزل وزنك 10 كيلو في اسبوع للطلب راسلنا على الواتس",
    "Follow my channel for daily crypto signals, 10x profit guaranteed!",
    "Hey guys check out my channel and subscribe please!!",
    "Invest in bitcoin now and earn $5000 a week, whatsapp +1 555 123 4567",
    "Congratulations! You won a free iPhone, click the link to claim your prize",
    "تبي تزيد متابعينك؟ ١٠٠٠ متابع حقيقي بـ ٥٠ ريال بس، كلمني خاص",
    "3ayez teksab 500 dollar fel esbo3? ab3atli resala 3al whatsapp",
]

HAM = [
    "وين مكان المحل بالضبط؟",
    "متى يفتح المحل بكرة؟",
    "شكرا على الخدمة الممتازة، وصلني الطلب اليوم",
    "الله يوفقكم يا شباب",
    "Does anyone know when the next meetup is?",
    "I loved this song so much",
    "Can I pay by card when I pick up my order?",
    "See you all at the event on Saturday",
    # Shop posts with order numbers, quantities, sizes and times (Arabic-Indic and Latin
    # digits): ham, which the head took for spam before it learned from the team's posts.
    "أبغى أرجع الطلب رقم ٤٥٦٧ لأنه وصل مكسور",
    "ممكن تغيرون موعد التوصيل لطلبي رقم ٢٢٨٧ للساعة ٥ العصر؟",
    "بدي ٣ كيلو معمول ليوم الجمعة، بقدر استلم الساعة ٧؟",
    "عايزة ٢ عباية مقاس ٥٢ لون اسود، التوصيل بكام للمعادي؟",
    "bdi 3 kilo ma3moul la yom el jom3a, b2dar estalem el sa3a 7?",
    "طلبت 2 kilo كنافة امبارح وما وصل لحد الحين، order رقم 8812",
    "Order 4412 still hasn't arrived, it's been 6 days. Can someone check?",
    "Can I change the delivery on order #3391 to Saturday after 4pm?",
]


@pytest.mark.parametrize("text", SPAM)
def test_spam_head_flags_spam(spam_head: HeadClassifier, text: str) -> None:
    scores = spam_head.predict_proba([text])[0]
    assert choose_label(scores)[0] == "spam", scores


@pytest.mark.parametrize("text", HAM)
def test_spam_head_passes_ham(spam_head: HeadClassifier, text: str) -> None:
    scores = spam_head.predict_proba([text])[0]
    assert choose_label(scores)[0] == "ham", scores


def test_spam_head_labels_and_size(spam_head: HeadClassifier) -> None:
    assert spam_head.manifest.labels == ["ham", "spam"]
    directory = MODELS / "spam"
    assert sum(p.stat().st_size for p in directory.iterdir()) < 5 * 2**20
