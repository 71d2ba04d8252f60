"""The demo departments' reviews of their PSEs' returns (the portal's second step, issue 9).

Each department approves its PSEs' returns within two to three weeks of receiving them; the
returns of the last month before the demo's as-of date are still waiting for their review, so
the demo shows both approved and unapproved statements. No return is sent back.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

#: Returns received in the last ``REVIEW_BACKLOG`` before the as-of date are not reviewed yet.
REVIEW_BACKLOG = timedelta(days=30)


def demo_reviews(
    submissions: list[dict], department_of_entity: dict[int, str], as_of: date
) -> list[dict]:
    """One ``approved`` review for every accepted PSE return received more than
    :data:`REVIEW_BACKLOG` before ``as_of``, 8 to 21 days after it arrived (by its id, so the
    same demo always gets the same reviews), signed by the department's demo reviewer."""
    cutoff = datetime.combine(as_of, time(0), tzinfo=UTC) - REVIEW_BACKLOG
    reviews: list[dict[str, Any]] = []
    for submission in submissions:
        entity_id = submission.get("entity_id")
        received = submission["received_at"]
        if entity_id is None or submission["status"] != "accepted":
            continue
        if received > cutoff:
            continue
        department = department_of_entity[entity_id]
        reviews.append(
            {
                "id": len(reviews) + 1,
                "submission_id": submission["id"],
                "decision": "approved",
                "comment": None,
                "reviewer": f"{department} reviewer (demo)",
                "token_id": None,
                "reviewed_at": received + timedelta(days=8 + submission["id"] % 14),
            }
        )
    return reviews
