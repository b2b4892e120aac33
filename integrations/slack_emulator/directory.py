"""People and their App Home: ``users.info``, ``usergroups.list``, ``usergroups.users.list``
and ``views.publish`` (the Home tab kept per person, for the control API to show)."""

from __future__ import annotations

import secrets
import time
from typing import Any

from integrations.slack_emulator.arguments import Arguments, SlackApiError
from integrations.slack_emulator.blocks import VIEW_BLOCKS, block_errors
from integrations.slack_emulator.methods import Handler, Methods
from integrations.slack_emulator.state import random_id

__all__ = ["DirectoryMethods"]


class DirectoryMethods(Methods):
    def handlers(self) -> dict[str, Handler]:
        return {
            "users.info": self.users_info,
            "usergroups.list": self.usergroups_list,
            "usergroups.users.list": self.usergroups_users_list,
            "views.publish": self.views_publish,
        }

    def users_info(self, arguments: Arguments) -> dict[str, Any]:
        user = self.state.users.get(arguments.text("user"))
        if user is None:
            raise SlackApiError("user_not_found")
        display_name = user.display_name or user.name
        profile: dict[str, Any] = {
            "display_name": display_name,
            "display_name_normalized": display_name,
            "real_name": user.real_name,
            "real_name_normalized": user.real_name,
            "email": user.email,
            "title": user.title,
            "team": self.config.team_id,
        }
        if user.is_bot:
            profile["bot_id"] = self.config.bot_id
        return {
            "user": {
                "id": user.id,
                "team_id": self.config.team_id,
                "name": user.name,
                "real_name": user.real_name,
                "deleted": False,
                "is_bot": user.is_bot,
                "is_app_user": False,
                "is_admin": False,
                "tz": user.tz,
                "profile": profile,
            }
        }

    def usergroups_list(self, arguments: Arguments) -> dict[str, Any]:
        # As on Slack, members are listed only when asked for with include_users.
        include_users = arguments.flag("include_users")
        groups = []
        for group in self.state.usergroups.values():
            item: dict[str, Any] = {
                "id": group.id,
                "team_id": self.config.team_id,
                "is_usergroup": True,
                "handle": group.handle,
                "name": group.name,
                "description": group.description,
                "user_count": len(group.users),
            }
            if include_users:
                item["users"] = list(group.users)
            groups.append(item)
        return {"usergroups": groups}

    def usergroups_users_list(self, arguments: Arguments) -> dict[str, Any]:
        group = self.state.usergroups.get(arguments.text("usergroup"))
        if group is None:
            raise SlackApiError("no_such_subteam")
        return {"users": list(group.users)}

    def views_publish(self, arguments: Arguments) -> dict[str, Any]:
        user = arguments.text("user_id")
        if user not in self.state.users:
            raise SlackApiError("user_not_found")
        view = arguments.structured("view", "invalid_arguments")
        if not isinstance(view, dict) or view.get("type") != "home":
            raise SlackApiError("invalid_arguments")
        blocks = view.get("blocks")
        if not isinstance(blocks, list):
            raise SlackApiError("invalid_arguments")
        errors = block_errors(blocks, max_blocks=VIEW_BLOCKS)
        if errors:
            raise SlackApiError("invalid_arguments", response_metadata={"messages": errors})
        previous = self.state.home_views.get(user)
        given_hash = arguments.optional("hash")
        if given_hash and previous is not None and given_hash != previous["hash"]:
            raise SlackApiError("hash_conflict")
        stored: dict[str, Any] = {
            "id": previous["id"] if previous else random_id("V"),
            "team_id": self.config.team_id,
            "type": "home",
            "blocks": blocks,
            "private_metadata": str(view.get("private_metadata", "")),
            "callback_id": str(view.get("callback_id", "")),
            "external_id": str(view.get("external_id", "")),
            "state": {"values": {}},
            # A new hash on every publish: Slack's guard against overwriting a newer view.
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": view.get("title") or {"type": "plain_text", "text": self.config.bot_name},
            "close": None,
            "submit": None,
            "previous_view_id": None,
            "root_view_id": previous["id"] if previous else None,
            "app_id": self.config.app_id,
            "app_installed_team_id": self.config.team_id,
            "bot_id": self.config.bot_id,
        }
        if stored["root_view_id"] is None:
            stored["root_view_id"] = stored["id"]
        self.state.home_views[user] = stored
        return {"view": stored}
