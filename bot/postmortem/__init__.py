"""Postmortem drafts: the facts of one incident gathered, put on a timeline and written up."""
