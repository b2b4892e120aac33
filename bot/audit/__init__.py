"""The audit log: an append-only record of every state change, in hash chains (one per writing
process), each row signed and every chain anchored by signed digest files outside the database
when a key is configured."""
