"""Drafting replies from a group's knowledge base: KB files, hybrid retrieval, drafting chain,
faithfulness guard, moderation notices. Entry point for the service: ``draft_reply``."""
