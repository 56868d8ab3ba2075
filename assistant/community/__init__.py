"""Growing the group: welcomes, activity analytics, promotions and events, activation and review
posts, each drafted from the group's own activity into the approval queue."""
