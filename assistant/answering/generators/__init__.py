"""Generator backends of the drafting chain, registered as kind ``generator``."""
