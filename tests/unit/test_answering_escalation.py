"""Escalation patterns: a specific existing order escalates, a how-to question does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.escalation import needs_human

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


@pytest.mark.parametrize(
    "post",
    [
        "How can I follow my parcel once it's shipped?",
        "Can I collect my order from the showroom?",
        "Do you send a tracking number?",
        "How do I track my order?",
        "how do I see where my package is?",
        "Will I get a refund if I change my mind?",
        "Can I get my money back if I don't like it?",
        "كيف اتابع شحنتي؟",
        "كيف اتتبع طلبي بعد الشحن؟",
        "ينفع استلم طلبي من المعرض؟",
        "ابي الغي طلبي، كيف؟",
        "ازاي اتابع الاوردر بتاعي؟",
        "بقدر اعرف وين صارت الطلبية بعد ما تنشحن؟",
        "الشحن مجاني للطلبات فوق 300؟",
    ],
)
def test_how_to_questions_about_orders_are_not_escalated(post: str) -> None:
    assert needs_human(post, None, PROMPTS) is None


@pytest.mark.parametrize(
    "post",
    [
        "Where is my order #123? It didn't arrive",
        "where's my parcel??",
        "My order is late, it's been two weeks",
        "My tracking link hasn't updated for a week",
        "I ordered 10 days ago and still nothing",
        "order 4512 came in the wrong size",
        "I want a refund",
        "وين طلبي رقم ١٢٣ ما وصل",
        "وين طلبي؟ صار لي اسبوع",
        "فين الاوردر بتاعي؟",
        "الاوردر بتاعي متاخر اسبوع",
        "طلبي للحين ما وصل",
        "طلبت من اسبوعين ولسه",
        "وصلتني عباية غير اللي طلبتها",
        "ابي فلوسي",
    ],
)
def test_a_specific_order_problem_escalates(post: str) -> None:
    reason = needs_human(post, None, PROMPTS)
    assert reason is not None and reason.startswith("needs a human")
