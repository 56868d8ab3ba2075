"""A generator of realistic synthetic group activity for tests and benchmarks.

A month of a women's-wear shop group: Gulf, Levantine and Egyptian dialects, MSA and English
(some mixed), with diacritics, elongation and Arabic-Indic digits, evening peaks in the group's
time zone and members of very different activity. Patterns can be planted: a burst of questions
on one topic (delivery to Jeddah), a quiet weekday (Tuesday), a member who went quiet, a run of
positive reviews, a negative review, and a seasonal date inside the window (the default month
holds the start of Ramadan 1447, with Eid al-Fitr just after it). ``control()`` plants nothing.

Posts are written straight into the store with their analyses synthesized from the template
that produced them (intent, sentiment, language), not by running the models: the analytics
read only those fields, and a month is written in seconds. Each planted pattern is returned as
ground truth for the tests.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from assistant.schemas import Priority
from assistant.store.models import (
    AnalysisRow,
    Group,
    ItemStatus,
    KnowledgeEntry,
    Member,
    Post,
    PostStatus,
    QueueItem,
)
from assistant.store.queue import PRIORITY_RANK
from assistant.text.normalize import normalize

DIALECTS = ("gulf", "levantine", "egyptian", "msa", "en")
DIALECT_WEIGHTS = (0.38, 0.14, 0.16, 0.12, 0.20)
HOUR_WEIGHTS = (
    3, 2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 7, 6, 6, 6, 7, 8, 9, 11, 14, 16, 14, 8,
)  # fmt: skip
PRODUCTS = {
    "ar": ["العباية", "الطرحة", "الفستان", "الجلابية", "الكارديجان"],
    "en": ["abaya", "hijab", "dress", "jalabiya", "cardigan"],
}
COLORS = {"ar": ["السوداء", "الكحلي", "البيج", "الزيتي"], "en": ["black", "navy", "beige", "olive"]}
SIZES = ["S", "M", "L", "XL", "52", "54", "56"]
NAMES = [
    "Huda", "Sara", "Maha", "Noura", "Reem", "Lama", "Dana", "Aisha", "Fatma", "Mona", "Hala",
    "Rana", "Nour", "Yasmin", "Salma", "Laila", "Amal", "Hind", "Jana", "Ruba", "Mariam", "Lina",
    "هدى", "سارة", "مها", "نورة", "ريم", "لمى", "دانة", "عائشة", "منى", "هالة", "رنا", "نور",
]  # fmt: skip

# text templates per (kind, dialect); {p} product, {c} color, {s} size, {n} a number
TEMPLATES: dict[str, dict[str, list[str]]] = {
    "q_price": {
        "gulf": ["بكم {p} {c}؟", "كم سعر {p}؟ ودي اطلب", "{p} {c} بكم لو سمحتي؟"],
        "levantine": ["قديش سعر {p}؟", "قديش حق {p} {c}؟"],
        "egyptian": ["{p} ده بكام؟", "سعر {p} {c} كام لو سمحتي؟"],
        "msa": ["ما سعر {p} {c}؟", "كم تبلغ تكلفة {p}؟"],
        "en": ["How much is the {c} {p}?", "What's the price of the {p}?", "price of {p} pls?"],
    },
    "q_size": {
        "gulf": ["عندكم {p} مقاس {s}؟", "{p} فيه مقاس {s}؟ طولي ١٦٠"],
        "levantine": ["في مقاس {s} من {p}؟", "شو المقاسات يلي عندكن من {p}؟"],
        "egyptian": ["فيه مقاس {s} في {p}؟", "المقاسات ايه في {p}؟"],
        "msa": ["ما المقاسات المتاحة من {p}؟", "أريد {p} بمقاس {s}، هل هذا ممكن؟"],
        "en": ["Do you have the {p} in size {s}?", "What sizes does the {c} {p} come in?"],
    },
    "q_stock": {
        "gulf": ["{p} {c} متوفرة؟", "متى ترجع {p} {c}؟ خلصت عندكم"],
        "levantine": ["{p} {c} متوفرة هلق؟"],
        "egyptian": ["{p} {c} لسه متوفر؟"],
        "msa": ["هل {p} {c} متوفرة حاليًا؟"],
        "en": ["Is the {c} {p} back in stock?", "Is the {p} available in {c}?"],
    },
    "q_pay": {
        "gulf": ["تقبلون الدفع كاش؟", "اقدر ادفع بالبطاقة؟"],
        "levantine": ["فيني إدفع كاش عند الاستلام؟"],
        "egyptian": ["ينفع ادفع كاش؟"],
        "msa": ["ما طرق الدفع المتاحة لديكم؟"],
        "en": ["Can I pay by card?", "Do you accept cash payment?"],
    },
    "q_return": {
        "gulf": ["اقدر ارجع {p} اذا ما ناسبني؟", "كيف استبدل {p}؟"],
        "levantine": ["فيني رجّع {p} إذا ما زبط؟"],
        "egyptian": ["ينفع ارجع {p} لو مش مظبوط؟"],
        "msa": ["ما سياسة الاسترجاع والاستبدال؟"],
        "en": ["Can I return the {p} if it doesn't fit?", "How do I exchange the {p}?"],
    },
    "q_hours": {
        "gulf": ["متى تفتحون اليوم؟", "وين مكانكم بالضبط؟"],
        "levantine": ["شو مواعيد الدوام عندكن؟"],
        "egyptian": ["المحل بيفتح امتى؟"],
        "msa": ["ما ساعات عمل المعرض؟"],
        "en": ["What are your opening hours?", "Where is your showroom located?"],
    },
    "q_delivery_other": {
        "gulf": ["كم ياخذ التوصيل للرياض؟"],
        "egyptian": ["التوصيل للقاهرة بياخد كام يوم؟"],
        "en": ["How long does delivery to Riyadh take?"],
    },
    "q_delivery_jeddah": {
        "gulf": [
            "كم ياخذ التوصيل لجدة؟",
            "توصلون جدة؟ وكم الشحن؟",
            "متى يوصل طلبي لجدة؟ طلبت من {n} ايام",
            "فيه توصيل لجدة اليوم؟",
            "التوصيييل لجدة كم يوم؟",
        ],
        "levantine": ["بتوصلوا عجدة؟ قديش بياخد التوصيل؟", "في شحن لجدة؟"],
        "egyptian": ["هو التوصيل لجدة بياخد كام يوم؟", "بتوصلوا جدة ولا لأ؟"],
        "msa": ["هل يتوفر التوصيل إلى مدينة جدة؟ وكم يستغرق؟", "ما رسوم الشحن إلى جُدَّة؟"],
        "en": [
            "Do you deliver to Jeddah? How long does it take?",
            "What's the delivery fee to Jeddah?",
            "is there shipping to jeddah this week?",
        ],
    },
    "chat": {
        "gulf": ["صباح الخير يا بنات ☀️", "ما شاء الله التشكيلة الجديدة حلوة", "مساء الورد"],
        "levantine": ["يسعد مساكن صبايا", "شو حلوين الألوان الجديدة"],
        "egyptian": ["صباح الفل يا جماعة", "الألوان الجديدة جميلة جدًا"],
        "msa": ["أتمنى لكم يومًا سعيدًا", "الأقمشة الصيفية مناسبة جدًا لهذا الطقس"],
        "en": ["Good morning ladies!", "Loving the new colours this season", "Happy Friday all"],
    },
    "style": {
        "gulf": ["{p} {c} تجنن مع الشنطة البيج", "احس اللون {c} انيق مرة"],
        "levantine": ["{p} {c} كتير أنيقة مع الكعب"],
        "egyptian": ["{p} {c} شيك جدًا بصراحة"],
        "msa": ["يبدو {p} {c} أنيقًا في المناسبات"],
        "en": ["The {c} {p} looks so elegant with gold accessories", "{c} is my favourite colour"],
    },
    "review_pos": {
        "gulf": ["{p} وصلت وتجنن! شكرًا لكم 😍", "الخامة ممتازة والخدمة رائعة، الله يعطيكم العافية"],
        "levantine": ["يسلمو إيديكن، {p} كتير حلوة ورائعة"],
        "egyptian": ["{p} تحفة بجد، رائع تسلم إيديكم"],
        "msa": ["جودة ممتازة وخدمة رائعة، شُكْرًا جَزِيلًا"],
        "en": ["Amazing quality, thanks for the quick service!", "The {p} is great, love it!"],
    },
    "review_neg": {
        "gulf": ["للأسف {p} وصلت مقطوعة والخدمة سيئة جدًا، زعلانة"],
        "en": ["Worst experience, the {p} arrived torn and nobody answers"],
    },
    "ramadan": {
        "gulf": ["رمضان كريم يا بنات 🌙", "مبارك عليكم الشهر"],
        "levantine": ["رمضان كريم وكل عام وانتو بخير"],
        "egyptian": ["رمضان كريم يا جماعة 🌙"],
        "msa": ["رمضان مبارك وتقبل الله صيامكم"],
        "en": ["Ramadan Kareem everyone 🌙"],
    },
    "spam": {
        "gulf": ["ربح يومي مضمون تابعوني ٥٠٠ دولار"],
        "en": ["Follow my page and earn $500 a day with crypto!!"],
    },
}
INTENT = {
    "q_price": "question",
    "q_size": "question",
    "q_stock": "question",
    "q_pay": "question",
    "q_return": "question",
    "q_hours": "question",
    "q_delivery_other": "question",
    "q_delivery_jeddah": "question",
    "chat": "greeting_other",
    "style": "greeting_other",
    "review_pos": "feedback",
    "review_neg": "feedback",
    "ramadan": "greeting_other",
    "spam": "spam",
}
SENTIMENT = {"review_pos": "positive", "review_neg": "negative", "ramadan": "positive"}
BASELINE = {
    "q_price": 7,
    "q_size": 5,
    "q_stock": 4,
    "q_pay": 2,
    "q_return": 2,
    "q_hours": 2,
    "chat": 40,
    "style": 36,
    "spam": 1,
}
KB = [
    ("ar", "كم سعر العباية؟", "الأسعار في المنشور المثبت.", ["price", "سعر"]),
    ("ar", "ما المقاسات المتوفرة؟", "من S إلى XL ومقاسات 52-56.", ["size", "مقاس"]),
    ("ar", "متى يتوفر اللون من جديد؟", "نعلن عن التوفر في المجموعة.", ["stock", "متوفر"]),
    ("ar", "ما طرق الدفع؟", "الدفع بالبطاقة أو كاش عند الاستلام.", ["pay", "دفع"]),
    ("ar", "هل يمكن الاسترجاع؟", "الاسترجاع خلال 7 أيام.", ["return", "استرجاع"]),
    ("ar", "ما ساعات الدوام والموقع؟", "من 4 إلى 11 مساءً.", ["hours", "دوام", "موقع"]),
]
REPLIES = {
    "q_price": "الأسعار في المنشور المثبت 🌷",
    "q_size": "المقاسات من S إلى XL ومن 52 إلى 56.",
    "q_delivery_other": "التوصيل للرياض خلال يومين.",
}
JEDDAH_REPLY = "نعم نوصل لجدة خلال ٣ أيام عمل، ورسوم الشحن ٢٥ ريال."


class SyntheticConfig(BaseModel):
    group_id: str = "synthetic-shop"
    group_name: str = "Synthetic Abaya Shop"
    start: date = date(2026, 2, 13)
    days: int = Field(30, ge=14, le=120)
    posts_per_day: int = Field(110, ge=10)
    members: int = Field(120, ge=50)
    timezone: str = "Asia/Riyadh"
    country: str = "SA"
    seed: int = 7
    plant_burst: bool = True
    plant_quiet_weekday: bool = True
    plant_quiet_member: bool = True
    plant_review_run: bool = True
    plant_negative_review: bool = True
    plant_season: bool = True
    answered_share: float = Field(0.6, ge=0, le=1, description="questions with an approved reply")

    @classmethod
    def control(cls, **overrides: Any) -> SyntheticConfig:
        """A month with nothing planted and no seasonal date near it."""
        values: dict[str, Any] = {
            "start": date(2026, 6, 20),
            "plant_burst": False,
            "plant_quiet_weekday": False,
            "plant_quiet_member": False,
            "plant_review_run": False,
            "plant_negative_review": False,
            "plant_season": False,
        }
        values.update(overrides)
        return cls(**values)

    @property
    def until(self) -> datetime:
        end = self.start + timedelta(days=self.days)
        return datetime(end.year, end.month, end.day, tzinfo=ZoneInfo(self.timezone))

    @property
    def since(self) -> datetime:
        return datetime(
            self.start.year, self.start.month, self.start.day, tzinfo=ZoneInfo(self.timezone)
        )


class SyntheticTruth(BaseModel):
    """What was planted, for the tests."""

    posts: int
    burst_days: tuple[date, date] | None = None
    burst_questions: int = 0
    quiet_weekday: int | None = None
    quiet_member: str | None = None
    review_run_post_ids: list[int] = Field(default_factory=list)
    review_run_quotable_members: list[str] = Field(default_factory=list)
    review_run_opted_out_members: list[str] = Field(default_factory=list)
    negative_review_post_id: int | None = None


@dataclass
class _Draft:
    kind: str
    dialect: str
    at: datetime
    author: str
    text: str = ""
    tags: set[str] = field(default_factory=set)


class _Writer:
    def __init__(self, config: SyntheticConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.tz = ZoneInfo(config.timezone)
        self.members = [f"m-{i:03d}" for i in range(1, config.members + 1)]
        weights = [1 / (rank**0.7) for rank in range(1, config.members + 1)]
        self.weights = weights

    def author(self, exclude: set[str] = frozenset()) -> str:  # type: ignore[assignment]
        while True:
            member = self.rng.choices(self.members, weights=self.weights)[0]
            if member not in exclude:
                return member

    def moment(self, day: date, hours: tuple[int, ...] | None = None) -> datetime:
        hour = (
            self.rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
            if hours is None
            else (self.rng.choice(hours))
        )
        local = datetime(day.year, day.month, day.day, hour, self.rng.randrange(60),
                         self.rng.randrange(60), tzinfo=self.tz)  # fmt: skip
        return local.astimezone(UTC)

    def dialect(self, kind: str) -> str:
        options = TEMPLATES[kind]
        while True:
            dialect = self.rng.choices(DIALECTS, weights=DIALECT_WEIGHTS)[0]
            if dialect in options:
                return dialect

    def text(self, kind: str, dialect: str) -> str:
        language = "en" if dialect == "en" else "ar"
        template = self.rng.choice(TEMPLATES[kind][dialect])
        text = template.format(
            p=self.rng.choice(PRODUCTS[language]),
            c=self.rng.choice(COLORS[language]),
            s=self.rng.choice(SIZES),
            n=self.rng.randint(2, 9),
        )
        return self._vary(text, language)

    def _vary(self, text: str, language: str) -> str:
        roll = self.rng.random()
        if language == "ar" and roll < 0.08:
            return text.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
        if language == "ar" and roll < 0.14:
            return text.replace("ا", "ااا", 1)
        if language == "ar" and roll < 0.18:
            return text + " 🙏"
        if language == "en" and roll < 0.1:
            return text.upper()
        return text


def generate(session: Session, config: SyntheticConfig) -> SyntheticTruth:
    """Write the group (if new), its members, knowledge base, posts, analyses and some approved
    replies into the store, in the caller's transaction."""
    writer = _Writer(config)
    _ensure_group(session, config)
    drafts = _plan(writer, config)
    quoting = _quoting(config, drafts)
    _write_members(session, config, writer, quoting)
    ids = _write_posts(session, config, drafts)
    _write_replies(session, config, writer, drafts, ids)
    truth = SyntheticTruth(posts=len(drafts))
    by_tag: dict[str, list[int]] = {}
    for draft, post_id in zip(drafts, ids, strict=True):
        for tag in draft.tags:
            by_tag.setdefault(tag, []).append(post_id)
    if config.plant_burst:
        first = config.start + timedelta(days=config.days - 13)
        truth.burst_days = (first, first + timedelta(days=6))
        truth.burst_questions = len(by_tag.get("burst", []))
    if config.plant_quiet_weekday:
        truth.quiet_weekday = 1
    if config.plant_quiet_member:
        truth.quiet_member = writer.members[4]
    if config.plant_review_run:
        truth.review_run_post_ids = by_tag.get("review_run", [])
        truth.review_run_quotable_members = sorted(m for m, ok in quoting.items() if ok)
        truth.review_run_opted_out_members = sorted(m for m, ok in quoting.items() if not ok)
    if config.plant_negative_review:
        truth.negative_review_post_id = by_tag["negative"][0]
    return truth


def _ensure_group(session: Session, config: SyntheticConfig) -> None:
    if session.get(Group, config.group_id) is not None:
        return
    session.add(
        Group(
            id=config.group_id,
            name=config.group_name,
            languages=["ar", "en"],
            settings={"community": {"timezone": config.timezone, "country": config.country}},
        )
    )
    session.flush()
    for language, question, answer, tags in KB:
        session.add(
            KnowledgeEntry(
                group_id=config.group_id,
                language=language,
                question=question,
                answer=answer,
                tags=tags,
            )
        )


def _plan(writer: _Writer, config: SyntheticConfig) -> list[_Draft]:
    rng = writer.rng
    drafts: list[_Draft] = []
    quiet_member = writer.members[4]
    quiet_from = config.start + timedelta(days=config.days - 10)
    per_post = sum(BASELINE.values())
    kinds = list(BASELINE)
    weights = [BASELINE[k] / per_post for k in kinds]
    for offset in range(config.days):
        day = config.start + timedelta(days=offset)
        factor = 0.4 if config.plant_quiet_weekday and day.weekday() == 1 else 1.0
        count = round(config.posts_per_day * factor * rng.uniform(0.92, 1.08))
        exclude = {quiet_member} if config.plant_quiet_member and day >= quiet_from else set()
        for _ in range(count):
            kind = rng.choices(kinds, weights=weights)[0]
            drafts.append(_Draft(kind, writer.dialect(kind), writer.moment(day),
                                 writer.author(exclude)))  # fmt: skip
        if offset in (3, 14, 25):
            drafts.append(_Draft("review_pos", writer.dialect("review_pos"), writer.moment(day),
                                 writer.author(exclude)))  # fmt: skip
    if config.plant_burst or config.plant_quiet_weekday:
        for offset in (2, 9, 20, 27):  # a few delivery questions about other cities
            day = config.start + timedelta(days=offset)
            drafts.append(_Draft("q_delivery_other", writer.dialect("q_delivery_other"),
                                 writer.moment(day), writer.author()))  # fmt: skip
    if config.plant_burst:
        first = config.start + timedelta(days=config.days - 13)
        for i in range(36):
            day = first + timedelta(days=i % 7)
            draft = _Draft("q_delivery_jeddah", writer.dialect("q_delivery_jeddah"),
                           writer.moment(day), writer.author({quiet_member}))  # fmt: skip
            draft.tags.add("burst")
            drafts.append(draft)
    if config.plant_review_run:
        first = config.start + timedelta(days=8)
        reviewers = writer.members[20:32]
        for i, member in enumerate(reviewers):
            day = first + timedelta(days=i % 4)
            draft = _Draft("review_pos", writer.dialect("review_pos"), writer.moment(day), member)
            draft.tags.add("review_run")
            drafts.append(draft)
    if config.plant_negative_review:
        day = config.start + timedelta(days=config.days - 6)
        draft = _Draft("review_neg", "gulf", writer.moment(day), writer.members[40])
        draft.tags.add("negative")
        drafts.append(draft)
    if config.plant_season:
        for offset in range(config.days):
            day = config.start + timedelta(days=offset)
            if day.isoformat() in ("2026-02-17", "2026-02-18", "2026-02-19"):
                for _ in range(12):
                    drafts.append(_Draft("ramadan", writer.dialect("ramadan"),
                                         writer.moment(day), writer.author()))  # fmt: skip
    for draft in drafts:
        draft.text = writer.text(draft.kind, draft.dialect)
    drafts.sort(key=lambda d: d.at)
    return drafts


def _quoting(config: SyntheticConfig, drafts: list[_Draft]) -> dict[str, bool]:
    """Reviewers of the planted run: two in three allowed quoting."""
    reviewers = sorted({d.author for d in drafts if "review_run" in d.tags})
    return {member: i % 3 != 2 for i, member in enumerate(reviewers)}


def _write_members(
    session: Session, config: SyntheticConfig, writer: _Writer, quoting: dict[str, bool]
) -> None:
    existing = set(
        session.scalars(select(Member.external_id).where(Member.group_id == config.group_id))
    )
    joined = datetime.combine(config.start - timedelta(days=60), datetime.min.time(), UTC)
    rows = [
        {
            "group_id": config.group_id,
            "external_id": member,
            "display_name": NAMES[i % len(NAMES)],
            "language": None,
            "joined_at": joined,
            "allow_quoting": quoting.get(member, False),
        }
        for i, member in enumerate(writer.members)
        if member not in existing
    ]
    if rows:
        session.execute(insert(Member), rows)


def _scores(label: str) -> dict[str, Any]:
    return {"label": label, "score": 0.9, "scores": {label: 0.9}, "model": "synthetic"}


def _analysis(draft: _Draft, text: str) -> dict[str, Any]:
    language = "en" if draft.dialect == "en" else "ar"
    intent = INTENT[draft.kind]
    sentiment = SENTIMENT.get(draft.kind, "neutral")
    normalized = normalize(text).normalized
    action = {"question": "reply", "spam": "hide"}.get(intent, "approve")
    return {
        "text": text,
        "normalized": normalized,
        "language": {
            "code": language,
            "arabic_ratio": 1.0 if language == "ar" else 0.0,
            "latin_ratio": 0.0 if language == "ar" else 1.0,
        },
        "intent": _scores(intent),
        "offensive": _scores("normal"),
        "spam": _scores("spam" if intent == "spam" else "ham"),
        "sentiment": _scores(sentiment),
        "spam_features": {},
        "rule_hits": [],
        "action": action,
        "priority": "normal",
        "confidence": 0.9,
        "category": intent,
        "explanation": {"summary": f"synthetic: {intent}"},
    }


def _write_posts(session: Session, config: SyntheticConfig, drafts: list[_Draft]) -> list[int]:
    prefix = f"syn-{config.seed}-{config.start.isoformat()}"
    ids: list[int] = []
    for start in range(0, len(drafts), 2000):
        chunk = drafts[start : start + 2000]
        rows = [
            {
                "group_id": config.group_id,
                "external_id": f"{prefix}-{start + i}",
                "author_id": d.author,
                "text": d.text,
                "posted_at": d.at,
                "received_at": d.at,
                "status": PostStatus.ANALYZED.value,
            }
            for i, d in enumerate(chunk)
        ]
        result = session.execute(
            insert(Post).returning(Post.id, sort_by_parameter_order=True), rows
        )
        chunk_ids = [row[0] for row in result]
        ids.extend(chunk_ids)
        analyses = []
        for post_id, draft in zip(chunk_ids, chunk, strict=True):
            payload = _analysis(draft, draft.text)
            analyses.append(
                {
                    "post_id": post_id,
                    "group_id": config.group_id,
                    "language": payload["language"]["code"],
                    "intent": payload["intent"]["label"],
                    "action": payload["action"],
                    "priority": "normal",
                    "category": payload["category"],
                    "confidence": 0.9,
                    "payload": payload,
                    "seconds": 0.0,
                    "created_at": draft.at,
                }
            )
        session.execute(insert(AnalysisRow), analyses)
    return ids


def _write_replies(
    session: Session,
    config: SyntheticConfig,
    writer: _Writer,
    drafts: list[_Draft],
    ids: list[int],
) -> None:
    """Approved replies to part of the questions (three of them about delivery to Jeddah)."""
    rows = []
    jeddah_answered = 0
    for draft, post_id in zip(drafts, ids, strict=True):
        if INTENT[draft.kind] != "question":
            continue
        if "burst" in draft.tags:
            if jeddah_answered >= 3:
                continue
            jeddah_answered += 1
            text = JEDDAH_REPLY
        elif writer.rng.random() < config.answered_share:
            text = REPLIES.get(draft.kind, "تم الرد على سؤالك في الخاص 🌷")
        else:
            continue
        rows.append(
            {
                "group_id": config.group_id,
                "source_key": f"post:{post_id}",
                "kind": "reply",
                "status": ItemStatus.APPROVED.value,
                "priority": Priority.NORMAL.value,
                "priority_rank": PRIORITY_RANK[Priority.NORMAL],
                "language": "en" if draft.dialect == "en" else "ar",
                "category": "question",
                "suggested_action": "reply",
                "post_id": post_id,
                "draft_text": text,
                "draft_generator": "synthetic",
                "final_text": text,
                "edited": False,
                "decided_at": draft.at + timedelta(hours=2),
                "version": 2,
                "created_at": draft.at,
                "updated_at": draft.at + timedelta(hours=2),
            }
        )
    for start in range(0, len(rows), 2000):
        session.execute(insert(QueueItem), rows[start : start + 2000])
