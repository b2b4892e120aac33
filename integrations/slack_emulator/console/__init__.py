"""The console: the emulated workspace in a browser (channels, threads, ephemeral messages, a
person switcher, a composer, buttons with their confirm dialogs, App Home, and the bot's
incidents when it tells the emulator where to read them). Plain HTML, CSS and JavaScript
served from this package, no build step and nothing fetched from elsewhere."""

from integrations.slack_emulator.console.routes import Console

__all__ = ["Console"]
