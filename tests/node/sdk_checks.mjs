// Slack's own Node SDKs (@slack/web-api, @slack/socket-mode, @slack/bolt) against the local
// Slack emulator: what the bot relies on, checked through clients nobody here wrote, against
// Slack's documented behaviour. tests/node/test_node_sdks.py starts the emulator, installs the
// SDKs into a cache outside the repository and runs this file with node's built-in test runner;
// any failing check fails that test with this output.
//
// Environment: NODE_SDK_CACHE (the folder holding node_modules), SLACK_API_URL (the emulator's
// Web API, ".../api/"), EMULATOR_URL (its control API's origin, where a test acts as a person),
// SLACK_BOT_TOKEN and SLACK_APP_TOKEN. Checks wait for what they need (polling), never a fixed
// time, except where the SDK itself waits (a 429's Retry-After, a reconnect's delay).

import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

function setting(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through tests/node/test_node_sdks.py`);
  return value;
}

const require = createRequire(path.join(setting('NODE_SDK_CACHE'), 'package.json'));
const { WebClient, WebClientEvent, LogLevel } = require('@slack/web-api');
const { SocketModeClient } = require('@slack/socket-mode');
const { App } = require('@slack/bolt');

const apiUrl = setting('SLACK_API_URL');
const emulatorUrl = setting('EMULATOR_URL');
const botToken = setting('SLACK_BOT_TOKEN');
const appToken = setting('SLACK_APP_TOKEN');
// The SDKs' warnings (a missed pong, a failed ack) show in a failure's output.
const logLevel = LogLevel.WARN;

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const INCIDENTS = 'C0INCIDENTS'; // the workspace's #incidents, which the bot is in

// ---------------------------------------------------------------------------------------------
// Helpers: acting as a person through the emulator's control API, and waiting for a condition.

async function control(route, body) {
  const headers = { 'content-type': 'application/json' };
  const init = body === undefined ? {} : { method: 'POST', headers, body: JSON.stringify(body) };
  const response = await fetch(`${emulatorUrl}/emulator/api/${route}`, init);
  const answer = await response.json();
  if (!response.ok) {
    throw new Error(`control API ${route}: HTTP ${response.status} ${JSON.stringify(answer)}`);
  }
  return answer;
}

/** A person runs a slash command in #incidents; the answer says what they saw. */
function command(user, name, { text = '', waitFor = 1 } = {}) {
  return control('command', { user, channel: INCIDENTS, command: name, text, wait_for: waitFor });
}

/** A person clicks a button of a message in #incidents. */
function click(user, messageTs, actionId, { waitFor = 1 } = {}) {
  const body = { user, channel: INCIDENTS, message_ts: messageTs, action_id: actionId };
  return control('click', { ...body, wait_for: waitFor });
}

/** A person mentions the bot in #incidents: an app_mention event. */
function mention(user, text) {
  return control('event', { type: 'app_mention', user, channel: INCIDENTS, text });
}

async function until(probe, what, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Wait until the emulator holds no envelope waiting for an ack or a re-delivery. */
async function settled() {
  await until(async () => (await control('stats')).pending === 0, 'every envelope to be settled');
}

async function messagesIn(channel) {
  return (await control(`messages?channel=${channel}`)).messages;
}

async function platformError(call) {
  try {
    await call;
  } catch (error) {
    assert.equal(error.code, 'slack_webapi_platform_error', String(error));
    return error.data.error;
  }
  assert.fail('the call succeeded where Slack refuses it');
}

/** The call fails with Slack's error ``code`` (HTTP 200, ok: false). */
async function refused(call, code) {
  assert.equal(await platformError(call), code);
}

function blockIds(blocks) {
  return blocks.map((block) => block.block_id);
}

function everyBlockHasAnId(blocks) {
  for (const [index, block] of blocks.entries()) {
    assert.equal(typeof block.block_id, 'string', `block ${index} has no block_id`);
    assert.ok(block.block_id.length > 0 && block.block_id.length <= 255, `block ${index}`);
  }
}

const button = (actionId, value) => ({
  type: 'button',
  action_id: actionId,
  value,
  text: { type: 'plain_text', text: 'Approve' },
  style: 'primary',
});

// ---------------------------------------------------------------------------------------------
// Web API (@slack/web-api's WebClient), as the bot calls it.

describe('Web API', () => {
  const web = new WebClient(botToken, { slackApiUrl: apiUrl, logLevel });
  const made = {};

  test('auth.test names the bot, its team and its bot id', async () => {
    const answer = await web.auth.test();
    assert.equal(answer.ok, true);
    assert.equal(answer.user_id, 'U0BOT');
    assert.match(answer.team_id, /^T/);
    assert.match(answer.bot_id, /^B/);
    assert.match(answer.url, /^https:\/\/.+\.slack\.com\/$/);
  });

  test('a wrong token is invalid_auth; the bot token cannot open a socket', async () => {
    const quiet = { slackApiUrl: apiUrl, logLevel: LogLevel.ERROR };
    await refused(new WebClient('xoxb-not-this-workspace', quiet).auth.test(), 'invalid_auth');
    await refused(web.apps.connections.open(), 'not_allowed_token_type');
  });

  test('conversations.create makes a public channel: a C id, is_channel, not private', async () => {
    const { channel } = await web.conversations.create({ name: 'inc-node-public' });
    assert.match(channel.id, /^C/);
    assert.equal(channel.name, 'inc-node-public');
    assert.equal(channel.is_channel, true);
    assert.equal(channel.is_private, false);
    assert.equal(channel.is_archived, false);
    assert.equal(channel.creator, 'U0BOT');
    assert.equal(channel.is_member, true);
    made.public = channel.id;
    await refused(web.conversations.create({ name: 'inc-node-public' }), 'name_taken');
    await refused(web.conversations.create({ name: 'Not Valid!' }), 'invalid_name_specials');
  });

  test("conversations.create makes a private channel in today's shape", async () => {
    const created = await web.conversations.create({ name: 'inc-node-private', is_private: true });
    const { channel } = created;
    assert.match(channel.id, /^C/);
    assert.equal(channel.is_channel, true);
    assert.equal(channel.is_private, true);
    assert.notEqual(channel.is_group, true); // the pre-2021 shape
    made.private = channel.id;
  });

  test('conversations.setTopic and conversations.invite answer the channel', async () => {
    const channel = made.public;
    const topic = await web.conversations.setTopic({ channel, topic: 'SEV2 checkout 5xx' });
    assert.equal(topic.channel.topic.value, 'SEV2 checkout 5xx');
    assert.equal(topic.channel.topic.creator, 'U0BOT');
    await refused(web.conversations.setTopic({ channel, topic: 'x'.repeat(251) }), 'too_long');
    const invited = await web.conversations.invite({ channel, users: `${ALICE},${BOB}` });
    assert.equal(invited.channel.id, channel);
    assert.ok(invited.channel.num_members >= 3);
    await refused(web.conversations.invite({ channel, users: ALICE }), 'already_in_channel');
    await refused(web.conversations.invite({ channel, users: 'U0BOT' }), 'cant_invite_self');
  });

  test('conversations.list pages with cursors through every channel the bot may see', async () => {
    const ids = [];
    for await (const page of web.paginate('conversations.list', {
      types: 'public_channel,private_channel',
      limit: 1,
    })) {
      ids.push(...page.channels.map((channel) => channel.id));
    }
    assert.equal(new Set(ids).size, ids.length, 'a channel came twice');
    for (const id of [INCIDENTS, made.public, made.private]) assert.ok(ids.includes(id), id);
  });

  test('chat.postMessage keeps a given block_id and gives every other block one', async () => {
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: 'SEV2 checkout' } },
      { type: 'section', block_id: 'summary', text: { type: 'mrkdwn', text: '*5xx* rising' } },
      { type: 'actions', elements: [button('node_go', 'go-1')] },
    ];
    const channel = made.public;
    const posted = await web.chat.postMessage({ channel, text: 'SEV2 checkout', blocks });
    assert.equal(posted.channel, made.public);
    assert.match(posted.ts, /^\d+\.\d{6}$/);
    assert.equal(posted.message.bot_id.startsWith('B'), true);
    everyBlockHasAnId(posted.message.blocks);
    assert.equal(posted.message.blocks[1].block_id, 'summary');
    const ids = blockIds(posted.message.blocks);
    assert.equal(new Set(ids).size, ids.length, 'two blocks share a block_id');
    const history = await web.conversations.history({ channel: made.public, limit: 1 });
    assert.deepEqual(blockIds(history.messages[0].blocks), ids, 'read back with other block_ids');
    made.packet = { ts: posted.ts, blockIds: ids };
  });

  test('chat.postMessage refuses what Slack refuses', async () => {
    const tooLong = { type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } };
    const post = (message) => web.chat.postMessage(message);
    await refused(post({ channel: made.public, text: 't', blocks: [tooLong] }), 'invalid_blocks');
    await refused(post({ channel: 'C0NOWHERE', text: 'hi' }), 'channel_not_found');
    await refused(post({ channel: 'C0GENERAL', text: 'hi' }), 'not_in_channel'); // bot not in it
    await refused(post({ channel: made.public }), 'no_text');
  });

  test('a threaded reply with metadata reads back through history and replies', async () => {
    const metadata = { event_type: 'incident_packet', event_payload: { incident: 'INC-1' } };
    const reply = await web.chat.postMessage({
      channel: made.public,
      thread_ts: made.packet.ts,
      text: 'likely cause: deploy 42',
      metadata,
    });
    assert.equal(reply.message.thread_ts, made.packet.ts);
    const replies = await web.conversations.replies({ channel: made.public, ts: made.packet.ts });
    assert.deepEqual(replies.messages.map((m) => m.ts), [made.packet.ts, reply.ts]);
    const tagged = await web.chat.postMessage({ channel: made.public, text: 'tagged', metadata });
    const history = await web.conversations.history({
      channel: made.public,
      include_all_metadata: true,
    });
    const found = history.messages.find((m) => m.ts === tagged.ts);
    assert.deepEqual(found.metadata, metadata);
    const inChannel = history.messages.some((m) => m.ts === reply.ts);
    assert.ok(!inChannel, 'a thread reply shown in the channel');
  });

  test('chat.update replaces text and blocks; every block still has a block_id', async () => {
    const blocks = [
      { type: 'section', block_id: 'summary', text: { type: 'mrkdwn', text: '*5xx* falling' } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'updated' }] },
    ];
    const [channel, ts] = [made.public, made.packet.ts];
    const updated = await web.chat.update({ channel, ts, text: 'SEV2 (update)', blocks });
    assert.equal(updated.ts, made.packet.ts);
    assert.equal(updated.text, 'SEV2 (update)');
    everyBlockHasAnId(updated.message.blocks);
    assert.equal(updated.message.blocks[0].block_id, 'summary');
    const read = { channel, latest: ts, inclusive: true, limit: 1 };
    const history = await web.conversations.history(read);
    assert.equal(history.messages[0].text, 'SEV2 (update)');
    assert.deepEqual(blockIds(history.messages[0].blocks), blockIds(updated.message.blocks));
    await refused(web.chat.update({ channel, ts: '1.000001', text: 'x' }), 'message_not_found');
  });

  test('chat.postEphemeral reaches only its recipient', async () => {
    const channel = made.public;
    const answer = await web.chat.postEphemeral({ channel, user: ALICE, text: 'only you' });
    assert.match(answer.message_ts, /^\d+\.\d{6}$/);
    const seen = (await messagesIn(made.public)).find((m) => m.ts === answer.message_ts);
    assert.equal(seen.ephemeral, true);
    assert.equal(seen.recipient, ALICE);
    const outsider = web.chat.postEphemeral({ channel, user: 'U0CAROL', text: 'x' });
    await refused(outsider, 'user_not_in_channel');
  });

  test('users.info answers the person with a profile', async () => {
    const { user } = await web.users.info({ user: ALICE });
    assert.equal(user.id, ALICE);
    assert.equal(user.name, 'alice');
    assert.equal(user.is_bot, false);
    assert.equal(user.profile.real_name, 'Alice Moreau');
    assert.equal(typeof user.tz, 'string');
    await refused(web.users.info({ user: 'U0NOBODY' }), 'user_not_found');
  });

  test('usergroups.list names members only with include_users; usergroups.users.list', async () => {
    const bare = await web.usergroups.list({ include_users: false });
    const oncall = bare.usergroups.find((group) => group.handle === 'payments-oncall');
    assert.match(oncall.id, /^S/);
    assert.equal(oncall.users, undefined);
    const full = await web.usergroups.list({ include_users: true });
    const members = [BOB, 'U0DANA'];
    assert.deepEqual(full.usergroups.find((group) => group.id === oncall.id).users, members);
    assert.deepEqual((await web.usergroups.users.list({ usergroup: oncall.id })).users, members);
    await refused(web.usergroups.users.list({ usergroup: 'S0NOSUCH' }), 'no_such_subteam');
  });

  test('filesUploadV2 uploads the bytes and shares them into a thread', async () => {
    const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]; // a PNG's signature
    const bytes = Buffer.from([...png, ...Buffer.from('chart')]);
    const answer = await web.filesUploadV2({
      channel_id: made.public,
      thread_ts: made.packet.ts,
      file: bytes,
      filename: 'error-rate.png',
      title: 'Error rate',
      initial_comment: 'the error rate around the deploy',
    });
    assert.equal(answer.ok, true);
    const [completion] = answer.files;
    assert.equal(completion.ok, true);
    const [file] = completion.files;
    assert.match(file.id, /^F/);
    assert.equal(file.title, 'Error rate');
    const stored = await fetch(`${emulatorUrl}/emulator/api/files/${file.id}`);
    assert.equal(stored.status, 200);
    assert.deepEqual(Buffer.from(await stored.arrayBuffer()), bytes);
    const carries = (message) => (message.files ?? []).some((f) => f.id === file.id);
    const shared = (await messagesIn(made.public)).find(carries);
    assert.ok(shared, 'the file was not shared');
    assert.equal(shared.thread_ts, made.packet.ts);
    assert.equal(shared.text, 'the error rate around the deploy');
  });

  test('views.publish sets a person’s Home tab and answers the view with a hash', async () => {
    const section = { type: 'section', text: { type: 'mrkdwn', text: '*Open incidents*: 1' } };
    const view = { type: 'home', blocks: [section] };
    const answer = await web.views.publish({ user_id: ALICE, view });
    assert.match(answer.view.id, /^V/);
    assert.equal(answer.view.type, 'home');
    assert.equal(typeof answer.view.hash, 'string');
    const home = (await control(`home?user=${ALICE}`)).view;
    assert.equal(home.id, answer.view.id);
    assert.equal(home.blocks[0].text.text, '*Open incidents*: 1');
    await refused(web.views.publish({ user_id: ALICE, view, hash: 'stale.hash' }), 'hash_conflict');
  });

  test("a 429 with Retry-After is waited out by the SDK's own retry", async () => {
    const limited = [];
    const onLimited = (seconds) => limited.push(seconds);
    web.on(WebClientEvent.RATE_LIMITED, onLimited);
    const before = (await control('stats')).ratelimited['users.info'] ?? 0;
    // One users.info a second, no burst: the second call in a row gets 429 with Retry-After: 1.
    await control('limits', { enabled: true, burst: 1, overrides: { 'users.info': 60 } });
    try {
      const calls = [ALICE, BOB].map((user) => web.users.info({ user }));
      const answers = await Promise.all(calls);
      assert.deepEqual(answers.map((a) => a.user.id), [ALICE, BOB]);
    } finally {
      await control('limits', { enabled: false, burst: null, overrides: {} });
      web.off(WebClientEvent.RATE_LIMITED, onLimited);
    }
    assert.deepEqual(limited, [1], 'the SDK saw no 429 with an integer Retry-After');
    assert.equal((await control('stats')).ratelimited['users.info'], before + 1);
  });
});

// ---------------------------------------------------------------------------------------------
// Socket Mode (@slack/socket-mode's SocketModeClient, no framework): envelopes, acks,
// re-delivery, disconnects and pings as Slack documents them.

describe('Socket Mode', () => {
  const web = new WebClient(botToken, { slackApiUrl: apiUrl, logLevel });
  // A short client ping timeout: the client pings every third of it and waits as long before
  // reconnecting after a `disconnect`.
  const socket = new SocketModeClient({
    appToken,
    clientOptions: { slackApiUrl: apiUrl },
    logLevel,
    clientPingTimeout: 1500,
    serverPingTimeout: 10_000,
  });
  const frames = []; // every frame the server sent, parsed
  const envelopes = []; // {type, body, retry_num, retry_reason, accepts, connection}
  let connections = 0; // apps.connections.open answers: the client's connections so far
  const unacked = new Set(); // texts or commands whose first delivery is left unacked
  socket.on('ws_message', (data) => frames.push(JSON.parse(String(data))));
  socket.on('authenticated', () => {
    connections += 1;
  });
  socket.on('slack_event', async (envelope) => {
    const { ack, type, body, retry_num, retry_reason } = envelope;
    const accepts = envelope.accepts_response_payload;
    envelopes.push({ type, body, retry_num, retry_reason, accepts, connection: connections });
    const key = body?.event?.text ?? body?.command;
    if (unacked.has(key)) {
      unacked.delete(key);
      return;
    }
    if (body?.command === '/node-quick') await ack({ text: 'on it' });
    else await ack();
  });
  const received = (predicate) => envelopes.filter(predicate);
  const arrived = (predicate, what, count = 1) =>
    until(() => {
      const matching = received(predicate);
      return matching.length >= count && matching;
    }, what);

  before(async () => {
    const opened = await socket.start();
    assert.match(opened.url, /^wss?:\/\/.+\/link\/?\?ticket=/);
  });
  after(async () => {
    await socket.disconnect();
  });

  test('a Socket Mode client with a wrong app token stops at once (no retry loop)', async () => {
    const stranger = new SocketModeClient({
      appToken: 'xapp-not-this-app',
      clientOptions: { slackApiUrl: apiUrl },
      logLevel: LogLevel.ERROR,
    });
    await assert.rejects(stranger.start(), (error) => error.data?.error === 'invalid_auth');
  });

  test('hello comes first, with the connection count and the app id', () => {
    assert.equal(frames[0].type, 'hello');
    assert.equal(frames[0].num_connections, 1);
    assert.match(frames[0].connection_info.app_id, /^A/);
  });

  test('an events_api envelope carries the event and retry fields, and is acked once', async () => {
    const sent = await mention(ALICE, '<@U0BOT> status');
    const isIt = (e) => e.body?.event_id === sent.event_id;
    const [envelope] = await arrived(isIt, 'the event');
    await settled();
    assert.equal(received(isIt).length, 1, 'an acked event came again');
    assert.equal(envelope.type, 'events_api');
    assert.equal(envelope.retry_num, 0);
    assert.equal(envelope.retry_reason, '');
    assert.equal(envelope.accepts, false);
    assert.equal(envelope.body.type, 'event_callback');
    assert.equal(envelope.body.event.type, 'app_mention');
    assert.equal(envelope.body.event.user, ALICE);
    assert.equal(envelope.body.event.channel, INCIDENTS);
    assert.equal(envelope.body.event.ts, sent.ts);
    assert.equal(envelope.body.authorizations[0].user_id, 'U0BOT');
  });

  test('an event left unacked comes again with retry_attempt 1, reason timeout', async () => {
    unacked.add('<@U0BOT> again');
    const sent = await mention(ALICE, '<@U0BOT> again');
    const isIt = (e) => e.body?.event_id === sent.event_id;
    await arrived(isIt, 'the re-delivery', 2);
    await settled();
    const retries = received(isIt).map((e) => [e.retry_num, e.retry_reason]);
    assert.deepEqual(retries, [[0, ''], [1, 'timeout']]);
  });

  // Slack shows the person an error instead of re-sending a command.
  test('a slash command left unacked is never delivered again', async () => {
    const { redeliveries } = await control('stats');
    unacked.add('/node-slow');
    const seen = await command(ALICE, '/node-slow', { text: 'now', waitFor: 0 });
    assert.equal(seen.acked, false, 'the emulator reports an ack that never came');
    await settled();
    const commands = received((e) => e.body?.command === '/node-slow');
    assert.equal(commands.length, 1, 'an unacked command was re-delivered');
    assert.equal((await control('stats')).redeliveries, redeliveries);
    const [{ type, body, accepts }] = commands;
    assert.equal(type, 'slash_commands');
    assert.equal(accepts, true);
    assert.equal(body.text, 'now');
    assert.equal(body.user_id, ALICE);
    assert.equal(body.channel_id, INCIDENTS);
    assert.match(body.response_url, /^https?:\/\//);
    assert.equal(typeof body.trigger_id, 'string');
  });

  test("a command acked with a payload shows the person the ack's text", async () => {
    const seen = await command(ALICE, '/node-quick');
    assert.equal(seen.acked, true);
    assert.deepEqual(seen.responses.map((r) => [r.text, r.ephemeral]), [['on it', true]]);
  });

  test("a click's actions[0].block_id names a block of message.blocks", async () => {
    const blocks = [
      { type: 'section', text: { type: 'mrkdwn', text: 'Roll back deploy 42?' } },
      { type: 'actions', elements: [button('node_approve', 'rollback-42')] },
    ];
    const posted = await web.chat.postMessage({ channel: INCIDENTS, text: 'approve?', blocks });
    await click(ALICE, posted.ts, 'node_approve', { waitFor: 0 });
    const isClick = (e) => e.type === 'interactive' && e.body.container?.message_ts === posted.ts;
    const [delivered] = await arrived(isClick, 'the click');
    const { body } = delivered;
    assert.equal(body.type, 'block_actions');
    assert.equal(body.actions[0].action_id, 'node_approve');
    assert.equal(body.actions[0].value, 'rollback-42');
    assert.equal(body.user.id, ALICE);
    assert.equal(body.channel.id, INCIDENTS);
    const [{ block_id: blockId }] = body.actions;
    assert.ok(blockIds(body.message.blocks).includes(blockId), 'block_id matches no block');
    assert.equal(body.actions[0].block_id, posted.message.blocks[1].block_id);
    assert.deepEqual(blockIds(body.message.blocks), blockIds(posted.message.blocks));
  });

  test('disconnect (refresh_requested): a reconnect; an event sent meanwhile arrives', async () => {
    const before = connections;
    const told = await control('disconnect', { reason: 'refresh_requested' });
    assert.equal(told.connections, 1);
    // Sent while the client is between connections: Slack holds it for the next one.
    const sent = await mention(BOB, 'while reconnecting');
    const isIt = (e) => e.body?.event_id === sent.event_id;
    const [envelope] = await arrived(isIt, 'the event sent during the reconnect');
    assert.equal(envelope.connection, before + 1, 'delivered on the old connection');
    // The SDK waits before reconnecting (its client ping timeout, 1.5 s here, 5 s by default):
    // longer than Slack waits for an ack, so the event may come as Slack's retry of it.
    const retry = [envelope.retry_num, envelope.retry_reason];
    assert.ok(retry[0] === 0 ? retry[1] === '' : retry[1] === 'timeout', `retry fields ${retry}`);
    const disconnect = frames.find((f) => f.type === 'disconnect');
    assert.equal(disconnect.reason, 'refresh_requested');
    assert.equal(frames.filter((f) => f.type === 'hello').length, 2);
    await settled();
    assert.equal(received(isIt).length, 1, 'delivered more than once although acked');
  });

  test('the server pings the connection and the client answers each ping', async () => {
    let pings = 0;
    const onPing = () => {
      pings += 1;
    };
    const start = await control('stats');
    const connectionsBefore = connections;
    diagnostics.subscribe('undici:websocket:ping', onPing);
    try {
      await until(() => pings >= 3, 'three pings from the server');
    } finally {
      diagnostics.unsubscribe('undici:websocket:ping', onPing);
    }
    const answered = async () => (await control('stats')).pongs >= start.pongs + 3;
    await until(answered, 'three pongs from the client');
    assert.equal(connections, connectionsBefore, 'the client reconnected while being pinged');
  });
});

// ---------------------------------------------------------------------------------------------
// Bolt (@slack/bolt's App over its Socket Mode receiver), written the way the bot's handlers
// are: a command answered with respond(), a button click, app_home_opened publishing a Home tab.

describe('Bolt', () => {
  const app = new App({
    token: botToken,
    appToken,
    socketMode: true,
    clientOptions: { slackApiUrl: apiUrl },
    logLevel,
  });
  const clicks = [];

  app.command('/node-status', async ({ command, ack, respond }) => {
    await ack();
    await respond({ text: `status for ${command.user_name}: 1 open incident` });
  });
  app.command('/node-declare', async ({ command, ack, respond }) => {
    await ack();
    await respond({ text: `INC declared by ${command.user_name}`, response_type: 'in_channel' });
  });
  app.action('node_approve', async ({ ack, body, respond }) => {
    clicks.push(body);
    await ack();
    await respond({ text: `approved ${body.actions[0].value}`, replace_original: false });
  });
  app.event('app_home_opened', async ({ event, client }) => {
    await client.views.publish({
      user_id: event.user,
      view: {
        type: 'home',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `Hello <@${event.user}>` } }],
      },
    });
  });

  before(async () => {
    await app.start();
  });
  after(async () => {
    await app.stop();
  });

  test('a command answered with respond() reaches the person', async () => {
    const seen = await command(BOB, '/node-status');
    assert.equal(seen.acked, true);
    const shown = seen.responses.map((r) => [r.text, r.ephemeral]);
    assert.deepEqual(shown, [['status for bob: 1 open incident', true]]);
  });

  test("respond() with response_type in_channel posts to the channel, for everyone", async () => {
    const seen = await command(BOB, '/node-declare');
    const shown = seen.responses.map((r) => [r.text, r.ephemeral]);
    assert.deepEqual(shown, [['INC declared by bob', false]]);
    const posted = (await messagesIn(INCIDENTS)).filter((m) => m.text === 'INC declared by bob');
    assert.equal(posted.length, 1);
    assert.equal(posted[0].recipient, null);
  });

  test('a button click is acked and answered, with the block_id of its block', async () => {
    const posted = await app.client.chat.postMessage({
      channel: INCIDENTS,
      text: 'approve?',
      blocks: [{ type: 'actions', elements: [button('node_approve', 'restart-7')] }],
    });
    const seen = await click(BOB, posted.ts, 'node_approve');
    assert.equal(seen.acked, true);
    assert.deepEqual(seen.responses.map((r) => r.text), ['approved restart-7']);
    const [body] = clicks;
    assert.equal(body.actions[0].block_id, posted.message.blocks[0].block_id);
  });

  test('app_home_opened publishes the Home tab through the listener’s client', async () => {
    await control('event', { type: 'app_home_opened', user: BOB });
    const published = async () => (await control(`home?user=${BOB}`)).view;
    const home = await until(published, "bob's Home tab");
    assert.equal(home.blocks[0].text.text, `Hello <@${BOB}>`);
  });
});
