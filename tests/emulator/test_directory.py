"""People, user groups and App Home through slack_sdk, seeded from the shipped workspace file."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from integrations.slack_emulator import EmulatorClient
from tests.emulator.support import slack_error


async def test_users_info_has_slacks_shape(web: AsyncWebClient) -> None:
    alice = (await web.users_info(user="U0ALICE"))["user"]
    assert (alice["id"], alice["team_id"], alice["name"]) == ("U0ALICE", "T0EMULATOR", "alice")
    assert (alice["real_name"], alice["deleted"], alice["is_bot"]) == ("Alice Moreau", False, False)
    assert alice["tz"]
    assert alice["profile"]["display_name"] == "alice"
    assert alice["profile"]["real_name"] == "Alice Moreau"
    assert alice["profile"]["email"] == "alice@example.com"


async def test_the_bot_is_a_user_too(web: AsyncWebClient) -> None:
    bot = (await web.users_info(user="U0BOT"))["user"]
    assert (bot["name"], bot["is_bot"]) == ("incident-bot", True)


async def test_an_unknown_user_is_user_not_found(web: AsyncWebClient) -> None:
    assert await slack_error(web.users_info(user="U0NOBODY")) == "user_not_found"


async def test_a_user_groups_members_are_listed(web: AsyncWebClient) -> None:
    members = await web.usergroups_users_list(usergroup="S0PAYONCALL")
    assert members["users"] == ["U0BOB", "U0DANA"]


async def test_an_unknown_user_group_is_no_such_subteam(web: AsyncWebClient) -> None:
    assert await slack_error(web.usergroups_users_list(usergroup="S0NOPE")) == "no_such_subteam"


async def test_user_groups_are_listed_by_handle_with_members_when_asked(
    web: AsyncWebClient,
) -> None:
    groups = (await web.usergroups_list(include_users=True))["usergroups"]
    handles = {group["handle"]: group for group in groups}
    assert {"payments-oncall", "data-oncall", "sre-oncall", "incident-commanders"} <= set(handles)
    payments = handles["payments-oncall"]
    assert (payments["id"], payments["users"], payments["user_count"]) == (
        "S0PAYONCALL",
        ["U0BOB", "U0DANA"],
        2,
    )


async def test_user_groups_leave_members_out_unless_asked_as_slack_does(
    web: AsyncWebClient,
) -> None:
    groups = (await web.usergroups_list())["usergroups"]
    assert all("users" not in group for group in groups)


async def test_a_published_home_view_is_kept_for_that_person(
    web: AsyncWebClient, people: EmulatorClient
) -> None:
    view = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "No open incidents"}}],
    }
    published = (await web.views_publish(user_id="U0ERIN", view=view))["view"]
    assert published["id"].startswith("V")
    assert published["type"] == "home"
    home = await people.home("U0ERIN")
    assert home is not None
    assert home["blocks"] == view["blocks"]
    assert await people.home("U0ALICE") is None


async def test_republishing_keeps_the_view_id(web: AsyncWebClient) -> None:
    view = {"type": "home", "blocks": [{"type": "divider"}]}
    first = (await web.views_publish(user_id="U0ERIN", view=view))["view"]
    second = (await web.views_publish(user_id="U0ERIN", view=view))["view"]
    assert first["id"] == second["id"]
    assert first["hash"] != second["hash"]
