"""Alert storm through the whole pipeline into the emulator with Slack's real limits."""
