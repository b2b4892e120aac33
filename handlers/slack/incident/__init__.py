"""``/incident``, one module per verb group: :mod:`.parse` turns the text into a typed command,
and each runner does one verb's work after the ack."""
