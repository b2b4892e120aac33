"""The kill switch: one flag in the database, shared by every replica, that stops every action
from running. Checked when an action is approved and again immediately before its write."""
