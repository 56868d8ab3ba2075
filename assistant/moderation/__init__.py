"""Moderation: classifiers, the group rules engine and the policy that turns scores into actions."""
