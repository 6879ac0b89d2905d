//! A fake Chatwoot (`../shared/chatwoot.md`, agent side) on 127.0.0.1:0: the REST API under
//! `/api/v1` and the ActionCable socket at `/cable`, with knobs for what a provider must survive
//! (injected error answers, slow sends, dropped or silent sockets, raw frames).
//!
//! Wire truth: every payload is a literal `json!` in the shape the document gives (section numbers
//! in the comments), and nothing comes from the `switchboard` crate, so a misread field in the
//! provider fails a test instead of being mirrored here. The fake is as awkward as the real server:
//! conversation ids are per-account display ids, `message_type` is an integer, times are mixed
//! (epoch ints, a float `updated_at`, ISO strings for `snoozed_until`, message `updated_at` and the
//! messages `meta`), REST and push conversations differ (§3.15/§3.16), `unread_count` stops at 10,
//! one action fans out into several events that also reach the actor, and a bad subscription gets
//! no answer at all.
// Handlers answer early with a whole `Response` as their error, as axum handlers do.
#![allow(clippy::result_large_err)]

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use super::server::FakeServer;

/// The account every path uses: `/api/v1/accounts/1/…`.
pub const ACCOUNT: u64 = 1;

const ACCOUNT_NAME: &str = "Acme";
/// `PRESENCE_DURATION`: an agent who pinged within this counts as online (§6.4).
const PRESENCE_WINDOW: time::Duration = time::Duration::seconds(20);
/// `validates :content, length: { maximum: 150_000 }` (§4.2).
const MAX_CONTENT_CHARS: usize = 150_000;
/// `CONVERSATION_MESSAGE_PER_MINUTE_LIMIT` (§4.2).
const MESSAGES_PER_MINUTE: usize = 200;
const CONTACTS_PER_PAGE: usize = 15;
const STATUSES: [&str; 4] = ["open", "resolved", "pending", "snoozed"];
const PRIORITIES: [&str; 4] = ["low", "medium", "high", "urgent"];
const CONTENT_TYPES: [&str; 13] = [
    "text",
    "input_text",
    "input_textarea",
    "input_email",
    "input_select",
    "cards",
    "form",
    "article",
    "incoming_email",
    "input_csat",
    "integrations",
    "sticker",
    "voice_call",
];
/// `message_type` as the wire carries it (§1.4).
const INCOMING: u8 = 0;
const OUTGOING: u8 = 1;
const ACTIVITY: u8 = 2;

type Time = OffsetDateTime;
type Fake = Arc<Mutex<Db>>;
/// A frame for one socket, with an optional receipt fired once it is on the wire.
type Outbox = mpsc::UnboundedSender<(String, Option<oneshot::Sender<()>>)>;

#[derive(Clone, Debug)]
pub struct FakeUser {
    pub id: u64,
    pub name: String,
    pub token: String,
    pub pubsub_token: String,
}

// ----- state ---------------------------------------------------------------------------------------

struct User {
    id: u64,
    name: String,
    email: String,
    token: String,
    pubsub_token: String,
    /// Last `update_presence` (or subscribe): online for 20 s after it.
    presence_at: Option<Time>,
    /// What `GET /profile` claims the pubsub token is, when a test makes it lie.
    profile_pubsub_token: Option<String>,
}

struct Membership {
    account: u64,
    user: u64,
    role: String,
    active_at: Time,
}

struct Inbox {
    id: u64,
    name: String,
    channel_type: String,
    medium: Option<String>,
    members: Vec<u64>,
}

struct Team {
    id: u64,
    name: String,
    members: Vec<u64>,
    created_at: Time,
}

struct Canned {
    id: u64,
    short_code: String,
    content: String,
    created_at: Time,
}

struct Contact {
    id: u64,
    name: String,
    phone: String,
    created_at: Time,
    last_activity_at: Option<Time>,
}

/// The contact's identity in one inbox; shared by all their conversations there.
struct ContactInbox {
    id: u64,
    contact: u64,
    inbox: u64,
    source_id: String,
    pubsub_token: String,
    created_at: Time,
}

struct Conversation {
    /// The display_id: what every JSON calls `id` and every path takes.
    id: u64,
    uuid: String,
    inbox: u64,
    contact: u64,
    contact_inbox: u64,
    status: String,
    priority: Option<String>,
    assignee: Option<u64>,
    team: Option<u64>,
    labels: Vec<String>,
    snoozed_until: Option<Time>,
    created_at: Time,
    updated_at: Time,
    last_activity_at: Time,
    agent_last_seen_at: Option<Time>,
    assignee_last_seen_at: Option<Time>,
    contact_last_seen_at: Option<Time>,
    first_reply_created_at: Option<Time>,
    waiting_since: Option<Time>,
}

#[derive(Clone, Copy, PartialEq)]
enum Sender {
    User(u64),
    Contact(u64),
}

struct Message {
    id: u64,
    conversation: u64,
    content: Option<String>,
    message_type: u8,
    content_type: String,
    content_attributes: Value,
    private: bool,
    status: String,
    source_id: Option<String>,
    sender: Option<Sender>,
    attachments: Vec<Value>,
    created_at: Time,
    updated_at: Time,
}

/// A message about to be created, from a request or a test helper.
struct Draft {
    content: Option<String>,
    message_type: u8,
    content_type: String,
    content_attributes: Value,
    private: bool,
    sender: Option<Sender>,
    source_id: Option<String>,
    /// `(file_type, data_url)` of each attachment.
    files: Vec<(String, String)>,
    echo_id: Option<Value>,
    /// The user whose request created it (`performer` on the cable).
    performer: Option<u64>,
}

impl Draft {
    fn new(message_type: u8, content: Option<String>, sender: Option<Sender>) -> Self {
        Self {
            content,
            message_type,
            content_type: "text".into(),
            content_attributes: json!({}),
            private: false,
            sender,
            source_id: None,
            files: Vec::new(),
            echo_id: None,
            performer: None,
        }
    }
}

struct Subscription {
    /// The exact string the client sent: server frames echo it byte for byte.
    identifier: String,
    user: u64,
    account: u64,
    /// The pubsub token streamed; after a rotation it no longer receives anything.
    token: String,
}

struct Socket {
    outbox: Outbox,
    kill: Option<oneshot::Sender<()>>,
    /// Every identifier ever subscribed here, failed ones included: Rails stores the subscription
    /// before `subscribed` runs, so a re-sent subscribe is ignored (§6.9).
    identifiers: HashSet<String>,
    subscriptions: Vec<Subscription>,
}

struct Failure {
    path_part: String,
    status: u16,
    body: String,
    remaining: u32,
}

struct Knobs {
    failures: Vec<Failure>,
    page_size: usize,
    post_delay: Duration,
    silent_pings: bool,
    ping_interval: Duration,
    /// `conversation.updated` when `waiting_since`/`first_reply_created_at` change, and
    /// `first.reply.created` (message.rb#dispatch_create_events, §6.6).
    waiting_events: bool,
    /// Broadcasts are kept back (as a busy Sidekiq queue would) until released.
    hold_broadcasts: bool,
    held: Vec<(Outbox, String)>,
}

impl Default for Knobs {
    fn default() -> Self {
        Self {
            failures: Vec::new(),
            page_size: 25,
            post_delay: Duration::ZERO,
            silent_pings: false,
            ping_interval: Duration::from_secs(3),
            waiting_events: true,
            hold_broadcasts: false,
            held: Vec::new(),
        }
    }
}

#[derive(Default)]
struct Db {
    ids: BTreeMap<&'static str, u64>,
    /// The last instant handed out: events get distinct, increasing times.
    clock: Option<Time>,
    accounts: Vec<(u64, String)>,
    users: Vec<User>,
    memberships: Vec<Membership>,
    inboxes: Vec<Inbox>,
    teams: Vec<Team>,
    labels: Vec<(u64, String)>,
    canned: Vec<Canned>,
    contacts: Vec<Contact>,
    contact_inboxes: Vec<ContactInbox>,
    conversations: BTreeMap<u64, Conversation>,
    /// Per conversation, ordered by `created_at` (then id).
    messages: BTreeMap<u64, Vec<Message>>,
    sockets: BTreeMap<u64, Socket>,
    cable_frames: Vec<Value>,
    sockets_opened: u32,
    /// Set only inside `POST …/messages`: frames queued meanwhile carry a receipt, so the HTTP
    /// answer can wait until the broadcast is written.
    receipts: Option<Vec<oneshot::Receiver<()>>>,
    knobs: Knobs,
}

fn lock(fake: &Fake) -> MutexGuard<'_, Db> {
    fake.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

// ----- the public handle ---------------------------------------------------------------------------

pub struct FakeChatwoot {
    pub base_url: String,
    fake: Fake,
    server: FakeServer,
}

impl FakeChatwoot {
    pub async fn start() -> Self {
        let db = Db {
            accounts: vec![(ACCOUNT, ACCOUNT_NAME.to_string())],
            ..Db::default()
        };
        let fake: Fake = Arc::new(Mutex::new(db));
        let server = FakeServer::serve(router(fake.clone())).await;
        Self {
            base_url: server.url(),
            fake,
            server,
        }
    }

    fn db(&self) -> MutexGuard<'_, Db> {
        lock(&self.fake)
    }

    // ----- data ------------------------------------------------------------------------------------

    /// A user of [`ACCOUNT`] with role `agent` or `administrator`.
    pub fn add_user(&self, name: &str, role: &str) -> FakeUser {
        let mut db = self.db();
        let id = db.next_id("user");
        let now = db.now();
        let slug = name
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(".");
        let email = if db
            .users
            .iter()
            .any(|u| u.email == format!("{slug}@example.com"))
        {
            format!("{slug}{id}@example.com")
        } else {
            format!("{slug}@example.com")
        };
        let user = User {
            id,
            name: name.to_string(),
            email,
            token: random_token(),
            pubsub_token: random_token(),
            presence_at: None,
            profile_pubsub_token: None,
        };
        let handle = FakeUser {
            id,
            name: user.name.clone(),
            token: user.token.clone(),
            pubsub_token: user.pubsub_token.clone(),
        };
        db.users.push(user);
        db.memberships.push(Membership {
            account: ACCOUNT,
            user: id,
            role: role.to_string(),
            active_at: now,
        });
        handle
    }

    /// Another account (no resources): its paths answer 401 to non-members, and a member's
    /// subscription with its id is confirmed (the personal stream is shared, §10.25).
    pub fn add_account(&self, name: &str) -> u64 {
        let mut db = self.db();
        let id = db.next_id("account").max(ACCOUNT + 1);
        db.ids.insert("account", id);
        db.accounts.push((id, name.to_string()));
        id
    }

    pub fn add_account_member(&self, account: u64, user: u64, role: &str) {
        let mut db = self.db();
        let now = db.now();
        db.memberships.push(Membership {
            account,
            user,
            role: role.to_string(),
            active_at: now,
        });
    }

    pub fn add_inbox(&self, name: &str, channel_type: &str, medium: Option<&str>) -> u64 {
        let mut db = self.db();
        let id = db.next_id("inbox");
        db.inboxes.push(Inbox {
            id,
            name: name.to_string(),
            channel_type: channel_type.to_string(),
            medium: medium.map(str::to_string),
            members: Vec::new(),
        });
        id
    }

    pub fn add_member(&self, inbox: u64, user: u64) {
        let mut db = self.db();
        let inbox = db.inbox_mut(inbox);
        if !inbox.members.contains(&user) {
            inbox.members.push(user);
        }
    }

    pub fn add_team(&self, name: &str) -> u64 {
        let mut db = self.db();
        let id = db.next_id("team");
        let now = db.now();
        db.teams.push(Team {
            id,
            name: name.to_string(),
            members: Vec::new(),
            created_at: now,
        });
        id
    }

    /// Team members may GET the team's conversations but get no events for them (§10.14).
    pub fn add_team_member(&self, team: u64, user: u64) {
        let mut db = self.db();
        if let Some(found) = db.teams.iter_mut().find(|t| t.id == team) {
            found.members.push(user);
        }
    }

    pub fn add_label(&self, title: &str) {
        let mut db = self.db();
        let id = db.next_id("label");
        db.labels.push((id, title.to_string()));
    }

    pub fn add_canned(&self, short_code: &str, content: &str) {
        let mut db = self.db();
        let id = db.next_id("canned");
        let now = db.now();
        db.canned.push(Canned {
            id,
            short_code: short_code.to_string(),
            content: content.to_string(),
            created_at: now,
        });
    }

    pub fn add_contact(&self, name: &str, phone: &str) -> u64 {
        let mut db = self.db();
        let id = db.next_id("contact");
        let now = db.now();
        db.contacts.push(Contact {
            id,
            name: name.to_string(),
            phone: phone.to_string(),
            created_at: now,
            last_activity_at: None,
        });
        id
    }

    /// A new open conversation (next display_id, starting at 1), created_at now; broadcasts
    /// `conversation.created`.
    pub fn add_conversation(&self, inbox: u64, contact: u64) -> u64 {
        let id = self.add_conversation_unannounced(inbox, contact);
        self.db().conversation_event(id, "conversation.created");
        id
    }

    /// A conversation whose `conversation.created` never reached us: its first message is the
    /// first the provider hears of it (§10 item 8).
    pub fn add_conversation_unannounced(&self, inbox: u64, contact: u64) -> u64 {
        self.db().new_conversation(inbox, contact)
    }

    /// Stores `count` incoming messages "history i" (i from 1) without broadcasting, one second
    /// apart and ending a second ago (never before the conversation's last message).
    pub fn add_history(&self, conversation: u64, count: usize) -> Vec<u64> {
        let mut db = self.db();
        let mut at = OffsetDateTime::now_utc() - time::Duration::seconds(count as i64);
        if let Some(last) = db.thread(conversation).last() {
            at = at.max(last.created_at + time::Duration::milliseconds(1));
        }
        let mut ids = Vec::with_capacity(count);
        for i in 1..=count {
            let draft = db.contact_draft(conversation, Some(format!("history {i}")));
            let id = db.store_message(conversation, draft, at);
            db.reply_bookkeeping(conversation, id, None, false);
            db.clock = Some(db.clock.map_or(at, |clock| clock.max(at)));
            ids.push(id);
            at += time::Duration::seconds(1);
        }
        ids
    }

    /// The contact writes: stored and broadcast like a channel message (a snoozed or resolved
    /// conversation reopens first).
    pub fn customer_writes(&self, conversation: u64, text: &str) -> u64 {
        let mut db = self.db();
        let draft = db.contact_draft(conversation, Some(text.to_string()));
        db.create_message(conversation, draft)
    }

    /// The contact sends a file (`file_type` "image", "audio", "video", "file", "location"…).
    pub fn customer_sends_file(
        &self,
        conversation: u64,
        file_type: &str,
        data_url: &str,
        caption: Option<&str>,
    ) -> u64 {
        let mut db = self.db();
        let mut draft = db.contact_draft(conversation, caption.map(str::to_string));
        draft
            .files
            .push((file_type.to_string(), data_url.to_string()));
        db.create_message(conversation, draft)
    }

    /// The contact types: typing_on/off with `user` = the contact push shape, to everyone.
    pub fn customer_typing(&self, conversation: u64, on: bool) {
        self.db().typing(conversation, on, None, json!(false));
    }

    /// The contact read the conversation: `contact_last_seen_at` and `conversation.read` (§6.6).
    pub fn customer_reads(&self, conversation: u64) {
        let mut db = self.db();
        let now = db.now();
        db.conv_mut(conversation).contact_last_seen_at = Some(now);
        db.conversation_event(conversation, "conversation.read");
    }

    /// The channel reports delivery: `message.updated` with `previous_changes` (read → delivered
    /// is refused, §10.23).
    pub fn set_message_status(&self, conversation: u64, message: u64, status: &str) {
        self.db().update_message(conversation, message, |m| {
            if m.status == status || (m.status == "read" && status == "delivered") {
                return Vec::new();
            }
            let old = std::mem::replace(&mut m.status, status.to_string());
            vec![("status", json!(old), json!(status))]
        });
    }

    /// The channel accepted the message: `source_id` filled in, `message.updated`.
    pub fn set_message_source_id(&self, conversation: u64, message: u64, source_id: &str) {
        self.db().update_message(conversation, message, |m| {
            let old = m.source_id.replace(source_id.to_string());
            vec![("source_id", json!(old), json!(source_id))]
        });
    }

    /// Current state, in the REST conversation shape (§3.15); `null` if unknown.
    pub fn conversation(&self, id: u64) -> Value {
        let db = self.db();
        if db.conversations.contains_key(&id) {
            db.rest_conversation(id, None)
        } else {
            Value::Null
        }
    }

    /// Every stored message of a conversation (REST message shape), oldest first.
    pub fn messages(&self, conversation: u64) -> Vec<Value> {
        let db = self.db();
        db.thread(conversation)
            .iter()
            .map(|m| db.rest_message(m))
            .collect()
    }

    // ----- knobs -----------------------------------------------------------------------------------

    /// The next `times` requests whose path (with query) contains `path_part` get `status` and
    /// `body`: as JSON if it parses, else as `text/plain` (Rack::Attack's `Retry later\n`).
    pub fn fail_next(&self, path_part: &str, status: u16, body: &str, times: u32) {
        self.db().knobs.failures.push(Failure {
            path_part: path_part.to_string(),
            status,
            body: body.to_string(),
            remaining: times,
        });
    }

    pub fn set_page_size(&self, conversations_per_page: usize) {
        self.db().knobs.page_size = conversations_per_page.max(1);
    }

    /// Broadcasts wait (a busy job queue, §6.5) until [`Self::release_broadcasts`].
    pub fn hold_broadcasts(&self) {
        self.db().knobs.hold_broadcasts = true;
    }

    pub fn release_broadcasts(&self) {
        let mut db = self.db();
        db.knobs.hold_broadcasts = false;
        for (outbox, text) in std::mem::take(&mut db.knobs.held) {
            let _ = outbox.send((text, None));
        }
    }

    /// A successful `POST …/messages` answers this long after its broadcast went out.
    pub fn set_post_message_delay(&self, delay: Duration) {
        self.db().knobs.post_delay = delay;
    }

    /// Off: no `conversation.updated` for waiting_since/first-reply changes and no
    /// `first.reply.created` (the real server sends them; on by default).
    pub fn set_waiting_events(&self, on: bool) {
        self.db().knobs.waiting_events = on;
    }

    /// Closes every cable socket abruptly (no close frame).
    pub fn drop_sockets(&self) {
        let sockets = std::mem::take(&mut self.db().sockets);
        for (_, mut socket) in sockets {
            if let Some(kill) = socket.kill.take() {
                let _ = kill.send(());
            }
        }
    }

    /// Stops (or resumes) the pings: a stale socket.
    pub fn silence_pings(&self, silent: bool) {
        self.db().knobs.silent_pings = silent;
    }

    pub fn set_ping_interval(&self, every: Duration) {
        self.db().knobs.ping_interval = every;
    }

    /// A raw text frame to every open socket.
    pub fn send_raw(&self, frame: &str) {
        let mut db = self.db();
        let outboxes: Vec<Outbox> = db.sockets.values().map(|s| s.outbox.clone()).collect();
        for outbox in outboxes {
            db.queue(&outbox, frame.to_string());
        }
    }

    /// An event envelope, `data` as given, to every live subscription of `user`.
    pub fn push_event(&self, user: u64, event: &str, data: Value) {
        self.db().deliver(&[user], event, &data);
    }

    /// A password change: existing subscriptions keep streaming the old token and hear nothing.
    pub fn rotate_pubsub_token(&self, user: u64) -> String {
        let mut db = self.db();
        let token = random_token();
        if let Some(found) = db.users.iter_mut().find(|u| u.id == user) {
            found.pubsub_token = token.clone();
        }
        token
    }

    /// `GET /profile` reports `token` as the user's pubsub token (a stale profile: the cable then
    /// answers the subscription with silence); `None` reports the real one again.
    pub fn set_profile_pubsub_token(&self, user: u64, token: Option<&str>) {
        let mut db = self.db();
        if let Some(found) = db.users.iter_mut().find(|u| u.id == user) {
            found.profile_pubsub_token = token.map(str::to_string);
        }
    }

    // ----- records ---------------------------------------------------------------------------------

    /// Every request so far, as "METHOD /path?query".
    pub fn requests(&self) -> Vec<String> {
        self.server.requests()
    }

    /// Every client → server cable frame, parsed (a string if it was not JSON).
    pub fn cable_frames(&self) -> Vec<Value> {
        self.db().cable_frames.clone()
    }

    pub fn sockets_opened(&self) -> u32 {
        self.db().sockets_opened
    }

    /// Confirmed subscriptions of `user` on the open sockets.
    pub fn subscriptions(&self, user: u64) -> usize {
        let db = self.db();
        db.sockets
            .values()
            .flat_map(|s| &s.subscriptions)
            .filter(|sub| sub.user == user)
            .count()
    }
}

// ----- lookups and clock -----------------------------------------------------------------------------

impl Db {
    /// Per-kind sequences; messages and contacts start high so ids of different kinds differ.
    fn next_id(&mut self, kind: &'static str) -> u64 {
        let start = match kind {
            "message" => 1000,
            "contact" => 500,
            "contact_inbox" => 700,
            _ => 0,
        };
        let next = self.ids.entry(kind).or_insert(start);
        *next += 1;
        *next
    }

    /// Real time, but strictly increasing so every event has its own instant.
    fn now(&mut self) -> Time {
        let real = OffsetDateTime::now_utc();
        let at = match self.clock {
            Some(last) if last + time::Duration::milliseconds(1) > real => {
                last + time::Duration::milliseconds(1)
            }
            _ => real,
        };
        self.clock = Some(at);
        at
    }

    fn user(&self, id: u64) -> &User {
        self.users
            .iter()
            .find(|u| u.id == id)
            .expect("a known user")
    }

    /// The role in [`ACCOUNT`], if a member.
    fn role(&self, user: u64) -> Option<&str> {
        self.memberships
            .iter()
            .find(|m| m.user == user && m.account == ACCOUNT)
            .map(|m| m.role.as_str())
    }

    fn is_admin(&self, user: u64) -> bool {
        self.role(user) == Some("administrator")
    }

    fn inbox(&self, id: u64) -> &Inbox {
        self.inboxes
            .iter()
            .find(|i| i.id == id)
            .expect("a known inbox")
    }

    fn inbox_mut(&mut self, id: u64) -> &mut Inbox {
        self.inboxes
            .iter_mut()
            .find(|i| i.id == id)
            .expect("a known inbox")
    }

    fn is_member(&self, inbox: u64, user: u64) -> bool {
        self.inboxes
            .iter()
            .any(|i| i.id == inbox && i.members.contains(&user))
    }

    fn team(&self, id: u64) -> Option<&Team> {
        self.teams.iter().find(|t| t.id == id)
    }

    fn contact(&self, id: u64) -> &Contact {
        self.contacts
            .iter()
            .find(|c| c.id == id)
            .expect("a known contact")
    }

    fn conv(&self, id: u64) -> &Conversation {
        self.conversations.get(&id).expect("a known conversation")
    }

    fn conv_mut(&mut self, id: u64) -> &mut Conversation {
        self.conversations
            .get_mut(&id)
            .expect("a known conversation")
    }

    fn thread(&self, conversation: u64) -> &[Message] {
        self.messages
            .get(&conversation)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    fn message(&self, conversation: u64, id: u64) -> &Message {
        self.thread(conversation)
            .iter()
            .find(|m| m.id == id)
            .expect("a known message")
    }

    /// A new open conversation of `contact` in `inbox`, not yet announced.
    fn new_conversation(&mut self, inbox: u64, contact: u64) -> u64 {
        let db = self;
        let now = db.now();
        let contact_inbox = db.contact_inbox(contact, inbox, now);
        let id = db.next_id("conversation");
        db.conversations.insert(
            id,
            Conversation {
                id,
                uuid: uuid::Uuid::new_v4().to_string(),
                inbox,
                contact,
                contact_inbox,
                status: "open".into(),
                priority: None,
                assignee: None,
                team: None,
                labels: Vec::new(),
                snoozed_until: None,
                created_at: now,
                updated_at: now,
                last_activity_at: now,
                agent_last_seen_at: None,
                assignee_last_seen_at: None,
                contact_last_seen_at: None,
                first_reply_created_at: None,
                waiting_since: None,
            },
        );
        id
    }

    /// ConversationPolicy#show?: administrators, inbox members and team members.
    fn can_see(&self, user: u64, conversation: u64) -> bool {
        let c = self.conv(conversation);
        self.is_admin(user)
            || self.is_member(c.inbox, user)
            || c.team
                .and_then(|t| self.team(t))
                .is_some_and(|t| t.members.contains(&user))
    }

    /// Who hears a conversation's events: the inbox members plus every administrator (§6.6).
    fn audience(&self, inbox: u64) -> Vec<u64> {
        let mut users: Vec<u64> = self
            .memberships
            .iter()
            .filter(|m| m.account == ACCOUNT && m.role == "administrator")
            .map(|m| m.user)
            .collect();
        users.extend(self.inbox(inbox).members.iter().copied());
        users
    }

    fn availability(&self, user: u64) -> &'static str {
        let cutoff = OffsetDateTime::now_utc() - PRESENCE_WINDOW;
        match self.user(user).presence_at {
            Some(at) if at > cutoff => "online",
            _ => "offline",
        }
    }

    /// `unread_incoming_messages.count`: incoming after agent_last_seen_at, at most 10 (§3.10).
    fn unread_count(&self, conversation: u64) -> usize {
        let seen = self.conv(conversation).agent_last_seen_at;
        self.thread(conversation)
            .iter()
            .rev()
            .take_while(|m| seen.is_none_or(|seen| m.created_at > seen))
            .filter(|m| m.message_type == INCOMING)
            .take(10)
            .count()
    }

    /// The messaging window (§3.15 `can_reply`): 24 h after the last incoming on WhatsApp.
    fn can_reply(&self, conversation: u64) -> bool {
        let inbox = self.inbox(self.conv(conversation).inbox);
        let window = match (inbox.channel_type.as_str(), inbox.medium.as_deref()) {
            ("Channel::Whatsapp", _) | ("Channel::TwilioSms", Some("whatsapp")) => 24,
            ("Channel::Tiktok", _) => 48,
            _ => return true,
        };
        let cutoff = OffsetDateTime::now_utc() - time::Duration::hours(window);
        self.thread(conversation)
            .iter()
            .rev()
            .find(|m| m.message_type == INCOMING)
            .is_some_and(|m| m.created_at > cutoff)
    }

    /// Get or create the contact's identity in an inbox, with the channel's source_id (§5.1).
    fn contact_inbox(&mut self, contact: u64, inbox: u64, now: Time) -> u64 {
        if let Some(found) = self
            .contact_inboxes
            .iter()
            .find(|ci| ci.contact == contact && ci.inbox == inbox)
        {
            return found.id;
        }
        let id = self.next_id("contact_inbox");
        let channel = self.inbox(inbox);
        let phone = &self.contact(contact).phone;
        let source_id = match (channel.channel_type.as_str(), channel.medium.as_deref()) {
            ("Channel::Whatsapp", _) => phone.trim_start_matches('+').to_string(),
            ("Channel::TwilioSms", Some("whatsapp")) => format!("whatsapp:{phone}"),
            ("Channel::TwilioSms", _) | ("Channel::Sms", _) => phone.clone(),
            _ => uuid::Uuid::new_v4().to_string(),
        };
        self.contact_inboxes.push(ContactInbox {
            id,
            contact,
            inbox,
            source_id,
            pubsub_token: random_token(),
            created_at: now,
        });
        id
    }

    fn contact_inbox_of(&self, conversation: u64) -> &ContactInbox {
        let id = self.conv(conversation).contact_inbox;
        self.contact_inboxes
            .iter()
            .find(|ci| ci.id == id)
            .expect("a known contact inbox")
    }

    /// An incoming message from the conversation's contact, as a channel would deliver it.
    fn contact_draft(&self, conversation: u64, content: Option<String>) -> Draft {
        let c = self.conv(conversation);
        let api = self.inbox(c.inbox).channel_type == "Channel::Api";
        let mut draft = Draft::new(INCOMING, content, Some(Sender::Contact(c.contact)));
        if !api {
            draft.source_id = Some(format!("ext-{}", random_token()));
        }
        draft
    }
}

// ----- auth (§2.1, §2.3, §7.1) -----------------------------------------------------------------------

impl Db {
    fn authenticate(&self, headers: &HeaderMap) -> Result<u64, Response> {
        let token = ["api_access_token", "api-access-token"]
            .iter()
            .filter_map(|name| headers.get(*name))
            .filter_map(|value| value.to_str().ok())
            .map(str::trim)
            .find(|value| !value.is_empty());
        // No token falls back to devise_token_auth, whose failure has an `errors` array.
        let Some(token) = token else {
            return Err((
                StatusCode::UNAUTHORIZED,
                Json(json!({"errors": ["You need to sign in or sign up before continuing."]})),
            )
                .into_response());
        };
        self.users
            .iter()
            .find(|u| u.token == token)
            .map(|u| u.id)
            .ok_or_else(|| error(StatusCode::UNAUTHORIZED, "Invalid Access Token"))
    }

    /// Auth, then the account gate. Only [`ACCOUNT`] holds resources.
    fn caller(&self, headers: &HeaderMap, account: &str) -> Result<u64, Response> {
        let user = self.authenticate(headers)?;
        let Some(account) = account
            .parse::<u64>()
            .ok()
            .filter(|id| self.accounts.iter().any(|(a, _)| a == id))
        else {
            return Err(not_found());
        };
        if !self
            .memberships
            .iter()
            .any(|m| m.user == user && m.account == account)
        {
            return Err(error(
                StatusCode::UNAUTHORIZED,
                "You are not authorized to access this account",
            ));
        }
        if account != ACCOUNT {
            return Err(not_found());
        }
        Ok(user)
    }

    /// The caller and the conversation: 404 when the display_id is unknown, then Pundit's 401.
    fn conversation_caller(
        &self,
        headers: &HeaderMap,
        account: &str,
        id: &str,
    ) -> Result<(u64, u64), Response> {
        let user = self.caller(headers, account)?;
        let Some(conversation) = id
            .parse::<u64>()
            .ok()
            .filter(|id| self.conversations.contains_key(id))
        else {
            return Err(not_found());
        };
        if !self.can_see(user, conversation) {
            return Err(error(
                StatusCode::UNAUTHORIZED,
                "You are not authorized to do this action",
            ));
        }
        Ok((user, conversation))
    }

    /// The first matching injected failure, if any is left.
    fn take_failure(&mut self, target: &str) -> Option<(u16, String)> {
        let failure = self
            .knobs
            .failures
            .iter_mut()
            .find(|f| f.remaining > 0 && target.contains(&f.path_part))?;
        failure.remaining -= 1;
        let answer = (failure.status, failure.body.clone());
        self.knobs.failures.retain(|f| f.remaining > 0);
        Some(answer)
    }
}

// ----- JSON shapes -----------------------------------------------------------------------------------

impl Db {
    /// `user.push_event_data` (§4.7).
    fn user_push(&self, id: u64) -> Value {
        let u = self.user(id);
        json!({
            "id": u.id, "name": u.name, "available_name": u.name, "avatar_url": "",
            "type": "user", "availability_status": self.availability(id), "thumbnail": ""
        })
    }

    /// The agent partial (§5.2): `/agents`, REST `meta.assignee`, assignment answers.
    fn agent_json(&self, id: u64) -> Value {
        let u = self.user(id);
        json!({
            "id": u.id, "account_id": ACCOUNT, "availability_status": self.availability(id),
            "auto_offline": true, "confirmed": true, "email": u.email, "provider": "email",
            "available_name": u.name, "name": u.name, "role": self.role(id), "thumbnail": "",
            "custom_role_id": null
        })
    }

    /// `contact.push_event_data` (§4.7): has `type`, no presence or times.
    fn contact_push(&self, id: u64) -> Value {
        let c = self.contact(id);
        json!({
            "additional_attributes": {}, "custom_attributes": {}, "email": null, "id": c.id,
            "identifier": null, "name": c.name, "phone_number": c.phone, "thumbnail": "",
            "blocked": false, "type": "contact"
        })
    }

    /// The REST contact partial (§3.15 `meta.sender`): `last_activity_at` omitted when null.
    fn contact_rest(&self, id: u64) -> Value {
        let c = self.contact(id);
        let mut body = json!({
            "additional_attributes": {}, "availability_status": "offline", "email": null,
            "id": c.id, "name": c.name, "phone_number": c.phone, "blocked": false,
            "identifier": null, "thumbnail": "", "custom_attributes": {},
            "created_at": secs(c.created_at)
        });
        if let Some(at) = c.last_activity_at {
            body["last_activity_at"] = json!(secs(at));
        }
        body
    }

    fn sender_json(&self, sender: Sender) -> Value {
        match sender {
            Sender::User(id) => self.user_push(id),
            Sender::Contact(id) => self.contact_push(id),
        }
    }

    /// The push message (§4.6): every column, ISO `updated_at`, a slim `conversation`.
    fn push_message(&self, m: &Message) -> Value {
        let c = self.conv(m.conversation);
        let (sender_type, sender_id) = match m.sender {
            Some(Sender::User(id)) => (json!("User"), json!(id)),
            Some(Sender::Contact(id)) => (json!("Contact"), json!(id)),
            None => (Value::Null, Value::Null),
        };
        let head = json!({
            "id": m.id, "content": m.content, "account_id": ACCOUNT, "inbox_id": c.inbox,
            "conversation_id": m.conversation, "message_type": m.message_type,
            "created_at": secs(m.created_at), "updated_at": iso(m.updated_at),
            "private": m.private, "status": m.status, "source_id": m.source_id
        });
        let mut body = merge(
            head,
            json!({
                "content_type": m.content_type, "content_attributes": m.content_attributes,
                "sender_type": sender_type, "sender_id": sender_id,
                "external_source_ids": {}, "additional_attributes": {},
                "processed_message_content": m.content, "sentiment": {},
                "conversation": {
                    "assignee_id": c.assignee,
                    "unread_count": self.unread_count(c.id),
                    "last_activity_at": secs(c.last_activity_at),
                    "contact_inbox": {"source_id": self.contact_inbox_of(c.id).source_id}
                }
            }),
        );
        if !m.attachments.is_empty() {
            body["attachments"] = json!(m.attachments);
        }
        if let Some(sender) = m.sender {
            body["sender"] = self.sender_json(sender);
        }
        body
    }

    /// The REST message (§4.6): `sender`/`attachments` keys absent when empty.
    fn rest_message(&self, m: &Message) -> Value {
        let mut body = json!({
            "id": m.id, "content": m.content, "inbox_id": self.conv(m.conversation).inbox,
            "conversation_id": m.conversation, "message_type": m.message_type,
            "content_type": m.content_type, "status": m.status,
            "content_attributes": m.content_attributes, "created_at": secs(m.created_at),
            "private": m.private, "source_id": m.source_id
        });
        if let Some(sender) = m.sender {
            body["sender"] = self.sender_json(sender);
        }
        if !m.attachments.is_empty() {
            body["attachments"] = json!(m.attachments);
        }
        body
    }

    /// The REST conversation (§3.15): `meta.assignee`/`assignee_type`/`team` absent when empty,
    /// epoch ints (0 for null), float `updated_at`, ISO `snoozed_until`.
    fn rest_conversation(&self, id: u64, viewer: Option<u64>) -> Value {
        let c = self.conv(id);
        let mut meta = json!({
            "sender": self.contact_rest(c.contact),
            "channel": self.inbox(c.inbox).channel_type,
            "hmac_verified": false
        });
        if let Some(assignee) = c.assignee {
            meta["assignee"] = self.agent_json(assignee);
            meta["assignee_type"] = json!("User");
        }
        if let Some(team) = c.team.and_then(|t| self.team(t)) {
            meta["team"] = json!({
                "id": team.id, "name": team.name, "description": null, "allow_auto_assign": true,
                "account_id": ACCOUNT,
                "is_member": viewer.is_some_and(|v| team.members.contains(&v))
            });
        }
        let thread = self.thread(id);
        let latest: Vec<Value> = thread
            .last()
            .map(|m| self.push_message(m))
            .into_iter()
            .collect();
        let last_non_activity = thread
            .iter()
            .rev()
            .find(|m| m.message_type != ACTIVITY)
            .map(|m| self.push_message(m));
        let head = json!({
            "meta": meta, "id": c.id, "messages": latest, "account_id": ACCOUNT, "uuid": c.uuid,
            "additional_attributes": {},
            "agent_last_seen_at": secs_or_zero(c.agent_last_seen_at),
            "assignee_last_seen_at": secs_or_zero(c.assignee_last_seen_at),
            "can_reply": self.can_reply(id),
            "contact_last_seen_at": secs_or_zero(c.contact_last_seen_at),
            "custom_attributes": {}, "inbox_id": c.inbox, "labels": c.labels, "muted": false
        });
        merge(
            head,
            json!({
                "snoozed_until": c.snoozed_until.map(iso), "status": c.status,
                "created_at": secs(c.created_at), "updated_at": float_secs(c.updated_at),
                "timestamp": secs(c.last_activity_at),
                "first_reply_created_at": secs_or_zero(c.first_reply_created_at),
                "unread_count": self.unread_count(id),
                "last_non_activity_message": last_non_activity,
                "last_activity_at": secs(c.last_activity_at), "priority": c.priority,
                "waiting_since": secs_or_zero(c.waiting_since), "sla_policy_id": null
            }),
        )
    }

    /// The push conversation (§3.16), without the broadcaster's `account_id`: `channel` on top,
    /// `meta` keys always present, only chat messages, ISO `first_reply_created_at`.
    fn push_conversation(&self, id: u64) -> Value {
        let c = self.conv(id);
        let chat: Vec<Value> = self
            .thread(id)
            .iter()
            .rev()
            .find(|m| m.message_type != ACTIVITY && !m.private)
            .map(|m| self.push_message(m))
            .into_iter()
            .collect();
        let ci = self.contact_inbox_of(id);
        let meta = json!({
            "sender": self.contact_push(c.contact),
            "assignee": c.assignee.map(|a| self.user_push(a)),
            "assignee_type": c.assignee.map(|_| "User"),
            "team": c.team.and_then(|t| self.team(t)).map(|t| json!({"id": t.id, "name": t.name})),
            "hmac_verified": false
        });
        let head = json!({
            "additional_attributes": {}, "can_reply": self.can_reply(id),
            "channel": self.inbox(c.inbox).channel_type,
            "contact_inbox": {
                "id": ci.id, "contact_id": ci.contact, "inbox_id": ci.inbox,
                "source_id": ci.source_id, "created_at": iso(ci.created_at),
                "updated_at": iso(ci.created_at), "hmac_verified": false,
                "pubsub_token": ci.pubsub_token
            },
            "id": c.id, "inbox_id": c.inbox, "messages": chat, "labels": c.labels, "meta": meta,
            "status": c.status, "custom_attributes": {}
        });
        merge(
            head,
            json!({
                "snoozed_until": c.snoozed_until.map(iso),
                "unread_count": self.unread_count(id),
                "first_reply_created_at": c.first_reply_created_at.map(iso),
                "priority": c.priority, "waiting_since": secs_or_zero(c.waiting_since),
                "agent_last_seen_at": secs_or_zero(c.agent_last_seen_at),
                "contact_last_seen_at": secs_or_zero(c.contact_last_seen_at),
                "last_activity_at": secs(c.last_activity_at),
                "timestamp": secs(c.last_activity_at), "created_at": secs(c.created_at),
                "updated_at": float_secs(c.updated_at)
            }),
        )
    }

    /// `_inbox.json.jbuilder` (§5.4); `medium` only for Twilio.
    fn inbox_json(&self, inbox: &Inbox) -> Value {
        let provider = match inbox.channel_type.as_str() {
            "Channel::Whatsapp" => json!("whatsapp_cloud"),
            "Channel::Sms" => json!("default"),
            _ => Value::Null,
        };
        let head = json!({
            "id": inbox.id, "avatar_url": "", "channel_id": inbox.id, "name": inbox.name,
            "channel_type": inbox.channel_type, "greeting_enabled": false,
            "greeting_message": null, "working_hours_enabled": false,
            "enable_email_collect": true, "csat_survey_enabled": false, "csat_config": {},
            "enable_auto_assignment": true, "auto_assignment_config": {},
            "out_of_office_message": null, "working_hours": [], "timezone": "UTC"
        });
        let mut body = merge(
            head,
            json!({
                "callback_webhook_url": null, "allow_messages_after_resolved": true,
                "lock_to_single_conversation": false, "sender_name_type": "friendly",
                "business_name": null, "allowed_domains": "", "widget_color": null,
                "website_url": null, "hmac_mandatory": false, "welcome_title": null,
                "welcome_tagline": null, "web_widget_script": null, "website_token": null,
                "selected_feature_flags": null, "reply_time": null,
                "messaging_service_sid": null, "phone_number": null, "provider": provider
            }),
        );
        if inbox.channel_type == "Channel::TwilioSms" {
            body["medium"] = json!(inbox.medium.as_deref().unwrap_or("sms"));
        }
        if inbox.channel_type == "Channel::Api" {
            body["webhook_url"] = Value::Null;
            body["inbox_identifier"] = json!(format!("inbox-{}", inbox.id));
            body["additional_attributes"] = json!({});
        }
        body
    }

    /// The raw Team record the assignment endpoint renders (§3.11).
    fn team_record(&self, id: u64) -> Value {
        let t = self.team(id).expect("a known team");
        json!({
            "id": t.id, "name": t.name, "description": null, "allow_auto_assign": true,
            "account_id": ACCOUNT, "created_at": iso(t.created_at), "updated_at": iso(t.created_at)
        })
    }

    /// `GET /api/v1/profile` (§2.2).
    fn profile_json(&self, user: u64) -> Value {
        let u = self.user(user);
        let accounts: Vec<Value> = self
            .memberships
            .iter()
            .filter(|m| m.user == user)
            .map(|m| {
                let name = self
                    .accounts
                    .iter()
                    .find(|(id, _)| *id == m.account)
                    .map(|(_, n)| n);
                json!({
                    "id": m.account, "name": name, "status": "active", "onboarding_step": null,
                    "active_at": iso(m.active_at), "role": m.role, "permissions": [m.role],
                    "availability": "online", "availability_status": self.availability(user),
                    "auto_offline": true, "custom_role_id": null, "custom_role": null
                })
            })
            .collect();
        let current = self
            .memberships
            .iter()
            .filter(|m| m.user == user)
            .min_by_key(|m| (m.account != ACCOUNT, m.account));
        json!({
            "access_token": u.token, "account_id": current.map(|m| m.account),
            "available_name": u.name, "avatar_url": "", "confirmed": true,
            "display_name": null, "message_signature": null, "email": u.email, "id": u.id,
            "inviter_id": null, "name": u.name, "provider": "email",
            "pubsub_token": u.profile_pubsub_token.as_ref().unwrap_or(&u.pubsub_token),
            "role": current.map(|m| m.role.as_str()),
            "ui_settings": {}, "uid": u.email, "type": null, "accounts": accounts
        })
    }

    /// `presence.update` data (§6.4): users seen within 20 s, ids as string keys.
    fn presence_data(&self, account: u64) -> Value {
        let users: Map<String, Value> = self
            .memberships
            .iter()
            .filter(|m| m.account == account && self.availability(m.user) == "online")
            .map(|m| (m.user.to_string(), json!("online")))
            .collect();
        json!({"account_id": account, "users": users, "contacts": {}})
    }
}

// ----- REST resources ----------------------------------------------------------------------------------

impl Db {
    fn inboxes_json(&self, user: u64) -> Value {
        let visible: Vec<Value> = self
            .inboxes
            .iter()
            .filter(|i| self.is_admin(user) || i.members.contains(&user))
            .map(|i| self.inbox_json(i))
            .collect();
        json!({ "payload": visible })
    }

    fn agents_json(&self) -> Value {
        let mut members: Vec<&User> = self
            .users
            .iter()
            .filter(|u| self.role(u.id).is_some())
            .collect();
        members.sort_by_key(|u| u.name.to_lowercase());
        Value::Array(members.iter().map(|u| self.agent_json(u.id)).collect())
    }

    fn teams_json(&self, user: u64) -> Value {
        let teams = self.teams.iter().map(|t| {
            json!({
                "id": t.id, "name": t.name, "description": null, "allow_auto_assign": true,
                "account_id": ACCOUNT, "is_member": t.members.contains(&user)
            })
        });
        Value::Array(teams.collect())
    }

    fn labels_json(&self) -> Value {
        let labels: Vec<Value> = self
            .labels
            .iter()
            .map(|(id, title)| {
                json!({"id": id, "title": title, "description": null, "color": "#1f93ff", "show_on_sidebar": true})
            })
            .collect();
        json!({ "payload": labels })
    }

    /// Raw records; with `search`: short_code prefix, then short_code contains, then content (§5.6).
    fn canned_json(&self, search: Option<&str>) -> Value {
        let term = search.map(str::to_lowercase).unwrap_or_default();
        let rank = |c: &Canned| {
            let code = c.short_code.to_lowercase();
            if code.starts_with(&term) {
                Some(0)
            } else if code.contains(&term) {
                Some(1)
            } else if c.content.to_lowercase().contains(&term) {
                Some(2)
            } else {
                None
            }
        };
        let mut rows: Vec<(u8, &Canned)> = self
            .canned
            .iter()
            .filter_map(|c| rank(c).map(|r| (r, c)))
            .collect();
        rows.sort_by_key(|(r, c)| (*r, c.id));
        let rows = rows.iter().map(|(_, c)| {
            json!({
                "id": c.id, "account_id": ACCOUNT, "short_code": c.short_code,
                "content": c.content, "created_at": iso(c.created_at), "updated_at": iso(c.created_at)
            })
        });
        Value::Array(rows.collect())
    }

    /// `GET /conversations` (§3.1): permission filter, status/inbox/team/labels/q filters, counts,
    /// then the assignee filter, sort, and either a page or the `updated_within` window.
    fn conversation_list(&self, user: u64, query: &[(String, String)]) -> Response {
        let team = match param(query, "team_id") {
            Some(raw) => match raw.parse::<u64>().ok().filter(|t| self.team(*t).is_some()) {
                Some(team) => Some(team),
                None => return not_found(),
            },
            None => None,
        };
        let now = OffsetDateTime::now_utc();
        let q = param(query, "q")
            .map(str::to_lowercase)
            .filter(|q| !q.is_empty());
        let status = param(query, "status").unwrap_or("open");
        let inbox = param(query, "inbox_id").map(|raw| raw.parse::<u64>().ok());
        let labels: Vec<&str> = query
            .iter()
            .filter(|(key, _)| key == "labels[]")
            .map(|(_, value)| value.as_str())
            .collect();
        let within = param(query, "updated_within").and_then(|raw| raw.parse::<i64>().ok());
        let mut rows: Vec<&Conversation> = self
            .conversations
            .values()
            .filter(|c| self.is_admin(user) || self.is_member(c.inbox, user))
            .filter(|c| q.is_some() || status == "all" || c.status == status)
            .filter(|c| inbox.is_none_or(|wanted| wanted == Some(c.inbox)))
            .filter(|c| team.is_none_or(|t| c.team == Some(t)))
            .filter(|c| labels.is_empty() || c.labels.iter().any(|l| labels.contains(&l.as_str())))
            .filter(|c| q.as_deref().is_none_or(|q| self.mentions(c.id, q)))
            .filter(|c| within.is_none_or(|s| c.updated_at > now - time::Duration::seconds(s)))
            .collect();
        let all = rows.len();
        let mine = rows.iter().filter(|c| c.assignee == Some(user)).count();
        let unassigned = rows.iter().filter(|c| c.assignee.is_none()).count();
        match param(query, "assignee_type") {
            Some("me") => rows.retain(|c| c.assignee == Some(user)),
            Some("unassigned") => rows.retain(|c| c.assignee.is_none()),
            Some("assigned") => rows.retain(|c| c.assignee.is_some()),
            _ => {}
        }
        match param(query, "sort_by") {
            Some("last_activity_at_asc") => rows.sort_by_key(|c| (c.last_activity_at, c.id)),
            Some("created_at_asc") => rows.sort_by_key(|c| (c.created_at, c.id)),
            Some("created_at_desc") => rows.sort_by_key(|c| Reverse((c.created_at, c.id))),
            _ => rows.sort_by_key(|c| Reverse((c.last_activity_at, c.id))),
        }
        if within.is_none() {
            let page = param(query, "page")
                .and_then(|p| p.parse::<usize>().ok())
                .unwrap_or(1);
            let size = self.knobs.page_size;
            rows = rows
                .into_iter()
                .skip((page.max(1) - 1) * size)
                .take(size)
                .collect();
        }
        let payload: Vec<Value> = rows
            .iter()
            .map(|c| self.rest_conversation(c.id, Some(user)))
            .collect();
        ok(json!({"data": {
            "meta": {
                "mine_count": mine, "assigned_count": all - unassigned,
                "unassigned_count": unassigned, "all_count": all
            },
            "payload": payload
        }}))
    }

    /// `q`: an incoming or outgoing message containing the text (ILIKE).
    fn mentions(&self, conversation: u64, q: &str) -> bool {
        self.thread(conversation).iter().any(|m| {
            m.message_type <= OUTGOING
                && m.content
                    .as_deref()
                    .is_some_and(|text| text.to_lowercase().contains(q))
        })
    }

    /// `GET …/messages` per the MessageFinder table (§4.1): filter by id, order by created_at.
    fn message_list(&self, conversation: u64, query: &[(String, String)]) -> Value {
        // Ruby's `to_i`: leading digits, else 0; a blank param is absent.
        let cursor = |key: &str| {
            param(query, key)
                .filter(|raw| !raw.trim().is_empty())
                .map(|raw| leading_int(raw.trim()))
        };
        let internal_hidden =
            param(query, "filter_internal_messages").is_some_and(|v| !v.is_empty());
        let base: Vec<&Message> = self
            .thread(conversation)
            .iter()
            .filter(|m| !internal_hidden || (!m.private && m.message_type != ACTIVITY))
            .collect();
        let rows: Vec<&Message> = match (cursor("after"), cursor("before")) {
            (Some(a), Some(b)) => base
                .into_iter()
                .filter(|m| (m.id as i64) >= a && (m.id as i64) < b)
                .take(1000)
                .collect(),
            (Some(a), None) => base
                .into_iter()
                .filter(|m| (m.id as i64) > a)
                .take(100)
                .collect(),
            (None, Some(b)) => last(base.into_iter().filter(|m| (m.id as i64) < b).collect(), 20),
            (None, None) => last(base, 20),
        };
        let c = self.conv(conversation);
        let mut meta = json!({
            "labels": c.labels, "additional_attributes": {},
            "contact": self.contact_push(c.contact),
            "agent_last_seen_at": c.agent_last_seen_at.map(iso),
            "assignee_last_seen_at": c.assignee_last_seen_at.map(iso)
        });
        if let Some(assignee) = c.assignee {
            meta["assignee"] = self.user_push(assignee);
        }
        let payload: Vec<Value> = rows.iter().map(|m| self.rest_message(m)).collect();
        json!({"meta": meta, "payload": payload})
    }

    /// `GET /contacts/search` (§5.1): 15 a page, `count` = items on this page.
    fn contact_search(&self, query: &[(String, String)]) -> Response {
        let q = param(query, "q").unwrap_or_default().trim().to_lowercase();
        if q.is_empty() {
            return unprocessable("Specify search string with parameter q");
        }
        let matches: Vec<&Contact> = self
            .contacts
            .iter()
            .filter(|c| c.name.to_lowercase().contains(&q) || c.phone.to_lowercase().contains(&q))
            .collect();
        let page_param = param(query, "page");
        let page = page_param
            .and_then(|p| p.parse::<usize>().ok())
            .unwrap_or(1)
            .max(1);
        let rows: Vec<Value> = matches
            .iter()
            .skip((page - 1) * CONTACTS_PER_PAGE)
            .take(CONTACTS_PER_PAGE)
            .map(|c| self.contact_with_inboxes(c.id))
            .collect();
        ok(json!({
            "meta": {
                "count": rows.len(),
                "current_page": page_param.map_or(json!(1), |p| json!(p)),
                "has_more": matches.len() > page * CONTACTS_PER_PAGE
            },
            "payload": rows
        }))
    }

    fn contact_with_inboxes(&self, contact: u64) -> Value {
        let mut body = self.contact_rest(contact);
        let inboxes: Vec<Value> = self
            .contact_inboxes
            .iter()
            .filter(|ci| ci.contact == contact)
            .map(|ci| {
                let inbox = self.inbox(ci.inbox);
                json!({"source_id": ci.source_id, "inbox": {
                    "id": inbox.id, "avatar_url": "", "channel_id": inbox.id, "name": inbox.name,
                    "channel_type": inbox.channel_type, "provider": self.inbox_json(inbox)["provider"]
                }})
            })
            .collect();
        body["contact_inboxes"] = json!(inboxes);
        body
    }
}

// ----- actions ---------------------------------------------------------------------------------------

impl Db {
    /// `POST …/messages` (§4.2): validate like MessageBuilder, create, answer the REST shape.
    fn post_message(&mut self, user: u64, conversation: u64, body: &Value) -> Response {
        let draft = match self.draft_from_request(user, conversation, body) {
            Ok(draft) => draft,
            Err(message) => return unprocessable(&message),
        };
        let echo_id = draft.echo_id.clone();
        let id = self.create_message(conversation, draft);
        let mut answer = self.rest_message(self.message(conversation, id));
        if let Some(echo_id) = echo_id {
            answer["echo_id"] = echo_id;
        }
        ok(answer)
    }

    fn draft_from_request(
        &self,
        user: u64,
        conversation: u64,
        body: &Value,
    ) -> Result<Draft, String> {
        let message_type = match &body["message_type"] {
            Value::Null => OUTGOING,
            Value::String(name) => match name.as_str() {
                "incoming" => INCOMING,
                "outgoing" => OUTGOING,
                "activity" => ACTIVITY,
                "template" => 3,
                other => return Err(format!("'{other}' is not a valid message_type")),
            },
            Value::Number(n) if n.as_u64().is_some_and(|t| t <= 3) => n.as_u64().unwrap_or(1) as u8,
            other => return Err(format!("'{other}' is not a valid message_type")),
        };
        let c = self.conv(conversation);
        if message_type == INCOMING && self.inbox(c.inbox).channel_type != "Channel::Api" {
            return Err("Incoming messages are only allowed in Api inboxes".into());
        }
        let content_type = match body["content_type"].as_str() {
            None => "text",
            Some(name) if CONTENT_TYPES.contains(&name) => name,
            Some(name) => return Err(format!("'{name}' is not a valid content_type")),
        };
        let content = match &body["content"] {
            Value::Null => None,
            Value::String(text) => Some(text.clone()),
            other => Some(other.to_string()),
        };
        if content
            .as_ref()
            .is_some_and(|text| text.chars().count() > MAX_CONTENT_CHARS)
        {
            return Err(
                "Validation failed: Content is too long (maximum is 150000 characters)".into(),
            );
        }
        let minute_ago = OffsetDateTime::now_utc() - time::Duration::minutes(1);
        let recent = self
            .thread(conversation)
            .iter()
            .filter(|m| m.created_at >= minute_ago)
            .count();
        if recent >= MESSAGES_PER_MINUTE {
            return Err("Validation failed: Too many messages".into());
        }
        // Any type but outgoing makes the contact the sender (§4.2).
        let sender = if message_type == OUTGOING {
            Sender::User(user)
        } else {
            Sender::Contact(c.contact)
        };
        let mut draft = Draft::new(message_type, content, Some(sender));
        draft.content_type = content_type.to_string();
        draft.content_attributes =
            self.content_attributes(conversation, &body["content_attributes"]);
        draft.private = truthy(&body["private"]);
        draft.echo_id = Some(body["echo_id"].clone()).filter(|echo| !echo.is_null());
        draft.performer = Some(user);
        Ok(draft)
    }

    /// An object, or a JSON string of one; `in_reply_to` gains the replied message's source_id.
    fn content_attributes(&self, conversation: u64, raw: &Value) -> Value {
        let mut attributes = match raw {
            Value::Object(_) => raw.clone(),
            Value::String(text) => serde_json::from_str::<Value>(text)
                .ok()
                .filter(Value::is_object)
                .unwrap_or_else(|| json!({})),
            _ => json!({}),
        };
        let replied = attributes["in_reply_to"]
            .as_u64()
            .and_then(|id| self.thread(conversation).iter().find(|m| m.id == id));
        if let Some(replied) = replied {
            attributes["in_reply_to_external_id"] = json!(replied.source_id);
        }
        attributes
    }

    /// Stores a message and its column-level effects (no events).
    fn store_message(&mut self, conversation: u64, draft: Draft, at: Time) -> u64 {
        let id = self.next_id("message");
        let mut attachments = Vec::new();
        for (file_type, data_url) in &draft.files {
            let attachment = self.next_id("attachment");
            attachments.push(attachment_json(
                attachment,
                id,
                file_type,
                data_url,
                draft.content.as_deref(),
            ));
        }
        if let Some(Sender::Contact(contact)) = draft.sender
            && let Some(found) = self.contacts.iter_mut().find(|c| c.id == contact)
        {
            found.last_activity_at = Some(at);
        }
        self.messages
            .entry(conversation)
            .or_default()
            .push(Message {
                id,
                conversation,
                content: draft.content,
                message_type: draft.message_type,
                content_type: draft.content_type,
                content_attributes: draft.content_attributes,
                private: draft.private,
                status: "sent".into(),
                source_id: draft.source_id,
                sender: draft.sender,
                attachments,
                created_at: at,
                updated_at: at,
            });
        // `update_columns(last_activity_at:)`: every message, no `updated_at`, no event.
        self.conv_mut(conversation).last_activity_at = at;
        id
    }

    /// Chatwoot's after_create_commit order: reopen (incoming into a snoozed or resolved
    /// conversation), `message.created`, then the waiting_since/first-reply saves.
    fn create_message(&mut self, conversation: u64, draft: Draft) -> u64 {
        let at = self.now();
        let mut extra = Map::new();
        if let Some(echo_id) = &draft.echo_id {
            extra.insert("echo_id".into(), echo_id.clone());
        }
        let performer = draft.performer.map(|user| self.user_push(user));
        if let Some(performer) = &performer {
            extra.insert("performer".into(), performer.clone());
        }
        let incoming = draft.message_type == INCOMING;
        let id = self.store_message(conversation, draft, at);
        let status = self.conv(conversation).status.clone();
        if incoming && (status == "snoozed" || status == "resolved") {
            self.set_status(conversation, "open", None, None);
        }
        self.message_event(conversation, id, "message.created", extra);
        self.reply_bookkeeping(conversation, id, performer, true);
        id
    }

    /// `waiting_since` and `first_reply_created_at`, saved with `update!`: each change bumps
    /// `updated_at` and is a `conversation.updated` (§6.6) when `announce`.
    fn reply_bookkeeping(
        &mut self,
        conversation: u64,
        id: u64,
        performer: Option<Value>,
        announce: bool,
    ) {
        let m = self.message(conversation, id);
        let human = m.message_type == OUTGOING && matches!(m.sender, Some(Sender::User(_)));
        let (private, incoming, at) = (m.private, m.message_type == INCOMING, m.created_at);
        let human_replies = self
            .thread(conversation)
            .iter()
            .filter(|m| {
                m.message_type == OUTGOING
                    && !m.private
                    && matches!(m.sender, Some(Sender::User(_)))
            })
            .count();
        let now = self.now();
        let c = self.conv_mut(conversation);
        let first_reply =
            human && !private && c.first_reply_created_at.is_none() && human_replies <= 1;
        if first_reply {
            c.first_reply_created_at = Some(at);
            c.waiting_since = None;
        } else if human && !private && c.waiting_since.is_some() {
            c.waiting_since = None;
        } else if incoming && c.waiting_since.is_none() {
            c.waiting_since = Some(at);
        } else {
            return;
        }
        c.updated_at = now;
        if !announce || !self.knobs.waiting_events {
            return;
        }
        if first_reply {
            let mut extra = Map::new();
            if let Some(performer) = performer {
                extra.insert("performer".into(), performer);
            }
            self.message_event(conversation, id, "first.reply.created", extra);
        }
        self.conversation_event(conversation, "conversation.updated");
    }

    /// An activity message (type 2, no sender), broadcast like any message.
    fn add_activity(&mut self, conversation: u64, content: String) {
        let draft = Draft::new(ACTIVITY, Some(content), None);
        self.create_message(conversation, draft);
    }

    /// A change of message columns (`apply` names each as `(column, old, new)`, none = no
    /// save): `message.updated` with `previous_changes`.
    fn update_message(
        &mut self,
        conversation: u64,
        id: u64,
        apply: impl FnOnce(&mut Message) -> Vec<(&'static str, Value, Value)>,
    ) {
        let now = self.now();
        let Some(m) = self
            .messages
            .get_mut(&conversation)
            .and_then(|thread| thread.iter_mut().find(|m| m.id == id))
        else {
            return;
        };
        let old_updated = iso(m.updated_at);
        let changed = apply(&mut *m);
        if changed.is_empty() {
            return;
        }
        m.updated_at = now;
        let mut changes = Map::new();
        for (column, old, new) in changed {
            changes.insert(column.into(), json!([old, new]));
        }
        changes.insert("updated_at".into(), json!([old_updated, iso(now)]));
        let mut extra = Map::new();
        extra.insert("previous_changes".into(), Value::Object(changes));
        self.message_event(conversation, id, "message.updated", extra);
    }

    /// A status save: `status_changed` + `updated`, then the activity when a user did it.
    /// `snoozed_until` is cleared unless snoozed; a snooze-only change is just `updated`.
    fn set_status(
        &mut self,
        conversation: u64,
        status: &str,
        snooze: Option<Time>,
        actor: Option<u64>,
    ) {
        let now = self.now();
        let c = self.conv_mut(conversation);
        let (old_status, old_snooze) = (c.status.clone(), c.snoozed_until);
        c.status = status.to_string();
        if snooze.is_some() {
            c.snoozed_until = snooze;
        }
        if status != "snoozed" {
            c.snoozed_until = None;
        }
        let status_changed = old_status != status;
        if !status_changed && old_snooze == c.snoozed_until {
            return;
        }
        c.updated_at = now;
        if status_changed {
            self.conversation_event(conversation, "conversation.status_changed");
        }
        self.conversation_event(conversation, "conversation.updated");
        if let (true, Some(actor)) = (status_changed, actor) {
            let name = self.user(actor).name.clone();
            let text = match status {
                "resolved" => format!("Conversation was marked resolved by {name}"),
                "open" => format!("Conversation was reopened by {name}"),
                "pending" => format!("Conversation was marked as pending by {name}"),
                _ => format!("Conversation was snoozed by {name}"),
            };
            self.add_activity(conversation, text);
        }
    }

    /// An assignee save: `assignee.changed` + `updated` + the activity (§6.6).
    fn set_assignee(&mut self, conversation: u64, assignee: Option<u64>, actor: u64) {
        if self.conv(conversation).assignee == assignee {
            return;
        }
        let now = self.now();
        let c = self.conv_mut(conversation);
        c.assignee = assignee;
        c.updated_at = now;
        self.conversation_event(conversation, "assignee.changed");
        self.conversation_event(conversation, "conversation.updated");
        let name = self.user(actor).name.clone();
        let text = match assignee {
            Some(a) if a == actor => format!("{name} self-assigned this conversation"),
            Some(a) => format!("Assigned to {} by {name}", self.user(a).name),
            None => format!("Conversation unassigned by {name}"),
        };
        self.add_activity(conversation, text);
    }

    /// A team save; an assignee outside the new team is dropped (assignment_handler.rb).
    fn set_team(&mut self, conversation: u64, team: Option<u64>, actor: u64) {
        let c = self.conv(conversation);
        let old = c.team;
        if old == team {
            return;
        }
        let drop_assignee = match (team.and_then(|t| self.team(t)), c.assignee) {
            (Some(team), Some(assignee)) => !team.members.contains(&assignee),
            _ => false,
        };
        let now = self.now();
        let c = self.conv_mut(conversation);
        c.team = team;
        if drop_assignee {
            c.assignee = None;
        }
        c.updated_at = now;
        self.conversation_event(conversation, "team.changed");
        if drop_assignee {
            self.conversation_event(conversation, "assignee.changed");
        }
        self.conversation_event(conversation, "conversation.updated");
        let name = self.user(actor).name.clone();
        let team_name = |id: Option<u64>| {
            id.and_then(|t| self.team(t))
                .map(|t| t.name.clone())
                .unwrap_or_default()
        };
        let text = match team {
            Some(_) => format!("Assigned to {} by {name}", team_name(team)),
            None => format!("Unassigned from {} by {name}", team_name(old)),
        };
        self.add_activity(conversation, text);
    }

    /// The label set replaced: `updated` + one activity for added and one for removed labels.
    fn set_labels(&mut self, conversation: u64, wanted: Vec<String>, actor: u64) {
        let mut labels: Vec<String> = Vec::new();
        for label in wanted {
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
        let old = self.conv(conversation).labels.clone();
        let added: Vec<String> = labels
            .iter()
            .filter(|l| !old.contains(l))
            .cloned()
            .collect();
        let removed: Vec<String> = old
            .iter()
            .filter(|l| !labels.contains(l))
            .cloned()
            .collect();
        if added.is_empty() && removed.is_empty() {
            return;
        }
        let now = self.now();
        let c = self.conv_mut(conversation);
        c.labels = labels;
        c.updated_at = now;
        self.conversation_event(conversation, "conversation.updated");
        let name = self.user(actor).name.clone();
        if !added.is_empty() {
            self.add_activity(conversation, format!("{name} added {}", added.join(", ")));
        }
        if !removed.is_empty() {
            self.add_activity(
                conversation,
                format!("{name} removed {}", removed.join(", ")),
            );
        }
    }

    /// `POST …/toggle_status` (§3.7).
    fn toggle_status(&mut self, user: u64, conversation: u64, body: &Value) -> Response {
        // Without a status: open ↔ resolved, pending/snoozed → open, and snoozed_until unread.
        let toggled = if self.conv(conversation).status == "open" {
            "resolved"
        } else {
            "open"
        };
        let (status, snooze) = match &body["status"] {
            Value::Null => (toggled.to_string(), None),
            Value::String(s) if s.is_empty() => (toggled.to_string(), None),
            Value::String(s) if STATUSES.contains(&s.as_str()) => {
                let snooze = match &body["snoozed_until"] {
                    Value::Null => None,
                    raw => match epoch_param(raw) {
                        Some(at) => Some(at),
                        None => return server_error(),
                    },
                };
                (s.clone(), snooze)
            }
            // The enum's ArgumentError is not rescued.
            _ => return server_error(),
        };
        self.set_status(conversation, &status, snooze, Some(user));
        if self.conv(conversation).status == "open" && self.role(user) == Some("agent") {
            self.set_assignee(conversation, Some(user), user);
        }
        let c = self.conv(conversation);
        ok(json!({"meta": {}, "payload": {
            "success": true, "conversation_id": c.id, "current_status": c.status,
            "snoozed_until": c.snoozed_until.map(iso)
        }}))
    }

    /// `POST …/toggle_priority` (§3.8): null, "" or missing clears; an unknown value is a 500.
    fn toggle_priority(&mut self, conversation: u64, body: &Value) -> Response {
        let priority = match &body["priority"] {
            Value::Null => None,
            Value::String(s) if s.is_empty() => None,
            Value::String(s) if PRIORITIES.contains(&s.as_str()) => Some(s.clone()),
            _ => return server_error(),
        };
        if self.conv(conversation).priority != priority {
            let now = self.now();
            let c = self.conv_mut(conversation);
            c.priority = priority;
            c.updated_at = now;
            self.conversation_event(conversation, "conversation.updated");
        }
        empty_ok()
    }

    /// `POST …/toggle_typing_status` (§3.9): any other `typing_status` does nothing.
    fn toggle_typing(&mut self, user: u64, conversation: u64, body: &Value) -> Response {
        let on = match body["typing_status"].as_str() {
            Some("on") => true,
            Some("off") => false,
            _ => return empty_ok(),
        };
        let is_private = match &body["is_private"] {
            Value::Null => json!(false),
            raw => raw.clone(),
        };
        self.typing(conversation, on, Some(user), is_private);
        empty_ok()
    }

    /// `update_last_seen` (§3.10): written only with unread messages or stale timestamps; never
    /// broadcast.
    fn update_last_seen(&mut self, user: u64, conversation: u64) -> Response {
        let now = self.now();
        let hour_ago = now - time::Duration::hours(1);
        let c = self.conv(conversation);
        let assignee = c.assignee == Some(user);
        let unread = self
            .thread(conversation)
            .last()
            .is_some_and(|m| c.agent_last_seen_at.is_none_or(|seen| m.created_at > seen));
        let stale = |at: Option<Time>| at.is_none_or(|at| at < hour_ago);
        if unread || stale(c.agent_last_seen_at) || (assignee && stale(c.assignee_last_seen_at)) {
            let c = self.conv_mut(conversation);
            c.agent_last_seen_at = Some(now);
            if assignee {
                c.assignee_last_seen_at = Some(now);
            }
        }
        ok(self.rest_conversation(conversation, Some(user)))
    }

    /// `POST …/unread`: both last-seen fields = last incoming created_at − 1 s (null if none).
    fn mark_unread(&mut self, user: u64, conversation: u64) -> Response {
        let seen = self
            .thread(conversation)
            .iter()
            .rev()
            .find(|m| m.message_type == INCOMING)
            .map(|m| m.created_at - time::Duration::seconds(1));
        let c = self.conv_mut(conversation);
        c.agent_last_seen_at = seen;
        c.assignee_last_seen_at = seen;
        ok(self.rest_conversation(conversation, Some(user)))
    }

    /// `POST …/assignments` (§3.11): `assignee_id` wins; `team_id` only when it is absent.
    fn assign(&mut self, user: u64, conversation: u64, body: &Value) -> Response {
        if let Some(raw) = body.get("assignee_id") {
            if body["assignee_type"] == "AgentBot" {
                return ok(Value::Null); // no agent bots in this fake
            }
            let assignee = id_param(raw).filter(|id| self.role(*id).is_some());
            self.set_assignee(conversation, assignee, user);
            return ok(assignee.map_or(Value::Null, |a| self.agent_json(a)));
        }
        if let Some(raw) = body.get("team_id") {
            let team = id_param(raw).filter(|id| self.team(*id).is_some());
            self.set_team(conversation, team, user);
            return ok(team.map_or(Value::Null, |t| self.team_record(t)));
        }
        ok(Value::Null)
    }

    /// `POST …/labels`: replaces the set (a missing list clears it).
    fn replace_labels(&mut self, user: u64, conversation: u64, body: &Value) -> Response {
        let wanted: Vec<String> = body["labels"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|l| l.as_str().map_or_else(|| l.to_string(), str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        self.set_labels(conversation, wanted, user);
        ok(json!({"payload": self.conv(conversation).labels}))
    }

    /// `DELETE …/messages/{id}` (§4.3): a soft delete, broadcast as `message.updated`.
    fn delete_message(&mut self, conversation: u64, message: &str) -> Response {
        let Some(id) = message
            .parse::<u64>()
            .ok()
            .filter(|id| self.thread(conversation).iter().any(|m| m.id == *id))
        else {
            return not_found();
        };
        self.update_message(conversation, id, |m| {
            let mut changed = Vec::new();
            let deleted = Some("This message was deleted".to_string());
            if m.content != deleted {
                let old = std::mem::replace(&mut m.content, deleted);
                changed.push(("content", json!(old), json!(m.content)));
            }
            if m.content_type != "text" {
                let old = std::mem::replace(&mut m.content_type, "text".into());
                changed.push(("content_type", json!(old), json!("text")));
            }
            let attributes = json!({"deleted": true});
            if m.content_attributes != attributes {
                let old = std::mem::replace(&mut m.content_attributes, attributes);
                changed.push(("content_attributes", old, json!({"deleted": true})));
            }
            m.attachments.clear();
            changed
        });
        ok(self.rest_message(self.message(conversation, id)))
    }

    /// `GET /contacts` (§5.1): 15 a page, `count` = every listed contact.
    fn contact_list(&self, query: &[(String, String)]) -> Value {
        let page_param = param(query, "page");
        let page = page_param
            .and_then(|p| p.parse::<usize>().ok())
            .unwrap_or(1)
            .max(1);
        let rows: Vec<Value> = self
            .contacts
            .iter()
            .skip((page - 1) * CONTACTS_PER_PAGE)
            .take(CONTACTS_PER_PAGE)
            .map(|c| self.contact_with_inboxes(c.id))
            .collect();
        json!({
            "meta": {
                "count": self.contacts.len(),
                "current_page": page_param.map_or(json!(1), |p| json!(p))
            },
            "payload": rows
        })
    }
}

// ----- events (§6.5, §6.6) ---------------------------------------------------------------------------

impl Db {
    /// An envelope to every live subscription of `users` (one per subscription: a user subscribed
    /// twice hears it twice, §10.25).
    fn deliver(&mut self, users: &[u64], event: &str, data: &Value) {
        let mut frames = Vec::new();
        for socket in self.sockets.values() {
            for sub in &socket.subscriptions {
                let live = self
                    .users
                    .iter()
                    .any(|u| u.id == sub.user && u.pubsub_token == sub.token);
                if live && users.contains(&sub.user) {
                    let frame = json!({
                        "identifier": sub.identifier,
                        "message": {"event": event, "data": data}
                    });
                    frames.push((socket.outbox.clone(), frame.to_string()));
                }
            }
        }
        for (outbox, text) in frames {
            self.queue(&outbox, text);
        }
    }

    fn queue(&mut self, outbox: &Outbox, text: String) {
        if self.knobs.hold_broadcasts {
            self.knobs.held.push((outbox.clone(), text));
            return;
        }
        let receipt = self.receipts.as_mut().map(|receipts| {
            let (sent, received) = oneshot::channel();
            receipts.push(received);
            sent
        });
        let _ = outbox.send((text, receipt));
    }

    /// One of the re-read conversation events: the latest push shape plus `account_id`.
    fn conversation_event(&mut self, conversation: u64, event: &str) {
        let mut data = self.push_conversation(conversation);
        data["account_id"] = json!(ACCOUNT);
        let audience = self.audience(self.conv(conversation).inbox);
        self.deliver(&audience, event, &data);
    }

    /// A message event: the push message plus `extra` (echo_id, performer, previous_changes).
    fn message_event(
        &mut self,
        conversation: u64,
        id: u64,
        event: &str,
        extra: Map<String, Value>,
    ) {
        let mut data = self.push_message(self.message(conversation, id));
        if let Some(object) = data.as_object_mut() {
            object.extend(extra);
        }
        let audience = self.audience(self.conv(conversation).inbox);
        self.deliver(&audience, event, &data);
    }

    /// Typing to the audience minus the typist (`None` = the contact, who has no subscription).
    fn typing(&mut self, conversation: u64, on: bool, typist: Option<u64>, is_private: Value) {
        let c = self.conv(conversation);
        let (inbox, contact) = (c.inbox, c.contact);
        let who = match typist {
            Some(user) => self.user_push(user),
            None => self.contact_push(contact),
        };
        let mut data = json!({
            "conversation": self.push_conversation(conversation), "user": who,
            "is_private": is_private, "account_id": ACCOUNT
        });
        if let Some(user) = typist {
            data["performer"] = self.user_push(user);
        }
        let audience: Vec<u64> = self
            .audience(inbox)
            .into_iter()
            .filter(|id| Some(*id) != typist)
            .collect();
        let event = if on {
            "conversation.typing_on"
        } else {
            "conversation.typing_off"
        };
        self.deliver(&audience, event, &data);
    }
}

// ----- ActionCable (§6) ------------------------------------------------------------------------------

impl Db {
    fn open_socket(&mut self, outbox: Outbox, kill: oneshot::Sender<()>) -> u64 {
        let id = self.next_id("socket");
        self.sockets_opened += 1;
        self.sockets.insert(
            id,
            Socket {
                outbox,
                kill: Some(kill),
                identifiers: HashSet::new(),
                subscriptions: Vec::new(),
            },
        );
        id
    }

    fn on_client_frame(&mut self, socket: u64, text: &str) {
        let frame: Value =
            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()));
        self.cable_frames.push(frame.clone());
        let identifier = frame["identifier"].as_str().unwrap_or_default().to_string();
        match frame["command"].as_str() {
            Some("subscribe") => self.subscribe(socket, identifier),
            Some("unsubscribe") => {
                if let Some(entry) = self.sockets.get_mut(&socket) {
                    entry.identifiers.remove(&identifier);
                    entry
                        .subscriptions
                        .retain(|sub| sub.identifier != identifier);
                }
            }
            Some("message") => self.perform(socket, &identifier, &frame["data"]),
            _ => {}
        }
    }

    /// RoomChannel#subscribed: any failed lookup raises, is logged, and the client hears nothing.
    fn subscribe(&mut self, socket: u64, identifier: String) {
        let Ok(params) = serde_json::from_str::<Value>(&identifier) else {
            return;
        };
        if params["channel"] != "RoomChannel" {
            return;
        }
        let Some(entry) = self.sockets.get_mut(&socket) else {
            return;
        };
        if !entry.identifiers.insert(identifier.clone()) {
            return;
        }
        let Some((user, account, token)) = self.room_lookup(&params) else {
            return;
        };
        let now = self.now();
        if let Some(found) = self.users.iter_mut().find(|u| u.id == user) {
            found.presence_at = Some(now);
        }
        let Some(entry) = self.sockets.get_mut(&socket) else {
            return;
        };
        entry.subscriptions.push(Subscription {
            identifier: identifier.clone(),
            user,
            account,
            token,
        });
        let outbox = entry.outbox.clone();
        let confirm = json!({"identifier": identifier, "type": "confirm_subscription"});
        self.queue(&outbox, confirm.to_string());
        let presence = self.presence_data(account);
        self.deliver(&[user], "presence.update", &presence);
    }

    /// `User.find_by!(pubsub_token:, id: user_id)` then `accounts.find(account_id)`.
    fn room_lookup(&self, params: &Value) -> Option<(u64, u64, String)> {
        let token = params["pubsub_token"].as_str()?;
        let user_id = id_param(&params["user_id"])?;
        let account = id_param(&params["account_id"])?;
        let user = self
            .users
            .iter()
            .find(|u| u.id == user_id && u.pubsub_token == token)?;
        let member = self
            .memberships
            .iter()
            .any(|m| m.user == user.id && m.account == account);
        member.then(|| (user.id, account, token.to_string()))
    }

    /// `perform('update_presence')`: presence recorded, `presence.update` on the user's own stream.
    fn perform(&mut self, socket: u64, identifier: &str, data: &Value) {
        let Some((user, account)) = self
            .sockets
            .get(&socket)
            .and_then(|s| {
                s.subscriptions
                    .iter()
                    .find(|sub| sub.identifier == identifier)
            })
            .map(|sub| (sub.user, sub.account))
        else {
            return;
        };
        let action = data
            .as_str()
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
            .and_then(|parsed| parsed["action"].as_str().map(str::to_string));
        if action.as_deref() != Some("update_presence") {
            return;
        }
        let now = self.now();
        if let Some(found) = self.users.iter_mut().find(|u| u.id == user) {
            found.presence_at = Some(now);
        }
        let presence = self.presence_data(account);
        self.deliver(&[user], "presence.update", &presence);
    }
}

async fn cable(State(fake): State<Fake>, upgrade: WebSocketUpgrade) -> Response {
    upgrade
        .protocols(["actioncable-v1-json"])
        .on_upgrade(move |socket| serve_socket(fake, socket))
}

/// One socket: welcome, then queued frames, client frames and pings until either side ends.
async fn serve_socket(fake: Fake, mut socket: WebSocket) {
    let (outbox, mut queued) = mpsc::unbounded_channel();
    let (kill, mut killed) = oneshot::channel();
    let id = lock(&fake).open_socket(outbox, kill);
    let welcome = json!({"type": "welcome"}).to_string();
    let mut alive = socket.send(WsMessage::Text(welcome.into())).await.is_ok();
    let mut last_ping = tokio::time::Instant::now();
    while alive {
        let (every, silent) = {
            let db = lock(&fake);
            (db.knobs.ping_interval, db.knobs.silent_pings)
        };
        tokio::select! {
            biased;
            // Dropped without a close frame: what a crashed server looks like.
            _ = &mut killed => break,
            frame = queued.recv() => match frame {
                Some((text, receipt)) => {
                    alive = socket.send(WsMessage::Text(text.into())).await.is_ok();
                    if let Some(receipt) = receipt {
                        let _ = receipt.send(());
                    }
                }
                None => break,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(WsMessage::Text(text))) => {
                    lock(&fake).on_client_frame(id, text.as_str());
                }
                Some(Ok(WsMessage::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            _ = tokio::time::sleep_until(last_ping + every) => {
                last_ping = tokio::time::Instant::now();
                if !silent {
                    let ping = json!({"type": "ping", "message": OffsetDateTime::now_utc().unix_timestamp()});
                    alive = socket.send(WsMessage::Text(ping.to_string().into())).await.is_ok();
                }
            }
        }
    }
    lock(&fake).sockets.remove(&id);
}

// ----- routes ----------------------------------------------------------------------------------------

fn router(fake: Fake) -> Router {
    const ACCOUNT_PATH: &str = "/api/v1/accounts/{account_id}";
    const CONVERSATION_PATH: &str = "/api/v1/accounts/{account_id}/conversations/{id}";
    let account = |tail: &str| format!("{ACCOUNT_PATH}{tail}");
    let conversation = |tail: &str| format!("{CONVERSATION_PATH}{tail}");
    Router::new()
        .route("/api/v1/profile", get(profile))
        .route(&account("/inboxes"), get(inboxes))
        .route(&account("/agents"), get(agents))
        .route(&account("/teams"), get(teams))
        .route(&account("/labels"), get(labels))
        .route(&account("/canned_responses"), get(canned_responses))
        .route(&account("/contacts"), get(contacts))
        .route(&account("/contacts/search"), get(contact_search))
        .route(
            &account("/conversations"),
            get(conversations).post(create_conversation),
        )
        .route(&conversation(""), get(show_conversation))
        .route(
            &conversation("/messages"),
            get(messages).post(create_message),
        )
        .route(
            &conversation("/messages/{message_id}"),
            delete(delete_message),
        )
        .route(&conversation("/toggle_status"), post(toggle_status))
        .route(&conversation("/toggle_priority"), post(toggle_priority))
        .route(&conversation("/toggle_typing_status"), post(toggle_typing))
        .route(&conversation("/update_last_seen"), post(update_last_seen))
        .route(&conversation("/unread"), post(mark_unread))
        .route(&conversation("/assignments"), post(assignments))
        .route(
            &conversation("/labels"),
            get(conversation_labels).post(replace_labels),
        )
        .route("/cable", get(cable))
        .layer(middleware::from_fn_with_state(
            fake.clone(),
            injected_failures,
        ))
        .with_state(fake)
}

type Shared = State<Fake>;
type AccountPath = Path<String>;
type ConversationPath = Path<(String, String)>;
type MessagePath = Path<(String, String, String)>;
type QueryPairs = Query<Vec<(String, String)>>;

/// Answers the next injected failure whose path part matches, before anything else.
async fn injected_failures(State(fake): Shared, request: Request, next: Next) -> Response {
    let target = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let failure = lock(&fake).take_failure(&target);
    match failure {
        Some((status, body)) => failure_response(status, body),
        None => next.run(request).await,
    }
}

/// Auth and the account gate, then `work` under the lock.
fn with_caller(
    fake: &Fake,
    headers: &HeaderMap,
    account: &str,
    work: impl FnOnce(&mut Db, u64) -> Response,
) -> Response {
    let mut db = lock(fake);
    match db.caller(headers, account) {
        Ok(user) => work(&mut db, user),
        Err(denied) => denied,
    }
}

/// As [`with_caller`], plus the conversation lookup and the Pundit check.
fn with_conversation(
    fake: &Fake,
    headers: &HeaderMap,
    account: &str,
    id: &str,
    work: impl FnOnce(&mut Db, u64, u64) -> Response,
) -> Response {
    let mut db = lock(fake);
    match db.conversation_caller(headers, account, id) {
        Ok((user, conversation)) => work(&mut db, user, conversation),
        Err(denied) => denied,
    }
}

async fn profile(State(fake): Shared, headers: HeaderMap) -> Response {
    let db = lock(&fake);
    match db.authenticate(&headers) {
        Ok(user) => ok(db.profile_json(user)),
        Err(denied) => denied,
    }
}

async fn inboxes(State(fake): Shared, headers: HeaderMap, Path(account): AccountPath) -> Response {
    with_caller(&fake, &headers, &account, |db, user| {
        ok(db.inboxes_json(user))
    })
}

async fn agents(State(fake): Shared, headers: HeaderMap, Path(account): AccountPath) -> Response {
    with_caller(&fake, &headers, &account, |db, _| ok(db.agents_json()))
}

async fn teams(State(fake): Shared, headers: HeaderMap, Path(account): AccountPath) -> Response {
    with_caller(
        &fake,
        &headers,
        &account,
        |db, user| ok(db.teams_json(user)),
    )
}

async fn labels(State(fake): Shared, headers: HeaderMap, Path(account): AccountPath) -> Response {
    with_caller(&fake, &headers, &account, |db, _| ok(db.labels_json()))
}

async fn canned_responses(
    State(fake): Shared,
    headers: HeaderMap,
    Path(account): AccountPath,
    Query(query): QueryPairs,
) -> Response {
    with_caller(&fake, &headers, &account, |db, _| {
        ok(db.canned_json(param(&query, "search")))
    })
}

async fn contacts(
    State(fake): Shared,
    headers: HeaderMap,
    Path(account): AccountPath,
    Query(query): QueryPairs,
) -> Response {
    with_caller(&fake, &headers, &account, |db, _| {
        ok(db.contact_list(&query))
    })
}

async fn contact_search(
    State(fake): Shared,
    headers: HeaderMap,
    Path(account): AccountPath,
    Query(query): QueryPairs,
) -> Response {
    with_caller(&fake, &headers, &account, |db, _| db.contact_search(&query))
}

/// `POST /conversations` (§3.6) with an inbox and a contact: a new open conversation
/// (announced), answered in the REST shape.
async fn create_conversation(
    State(fake): Shared,
    headers: HeaderMap,
    Path(account): AccountPath,
    body: Bytes,
) -> Response {
    let body = parse_body(&body);
    with_caller(&fake, &headers, &account, |db, user| {
        let (Some(inbox), Some(contact)) =
            (id_param(&body["inbox_id"]), id_param(&body["contact_id"]))
        else {
            return unprocessable("Validation failed: Contact inbox must exist");
        };
        if !db.inboxes.iter().any(|i| i.id == inbox) || !db.contacts.iter().any(|c| c.id == contact)
        {
            return not_found();
        }
        if !db.is_admin(user) && !db.is_member(inbox, user) {
            return error(
                StatusCode::UNAUTHORIZED,
                "You are not authorized to do this action",
            );
        }
        let id = db.new_conversation(inbox, contact);
        db.conversation_event(id, "conversation.created");
        ok(db.rest_conversation(id, Some(user)))
    })
}

async fn conversations(
    State(fake): Shared,
    headers: HeaderMap,
    Path(account): AccountPath,
    Query(query): QueryPairs,
) -> Response {
    with_caller(&fake, &headers, &account, |db, user| {
        db.conversation_list(user, &query)
    })
}

async fn show_conversation(
    State(fake): Shared,
    headers: HeaderMap,
    Path((account, id)): ConversationPath,
) -> Response {
    with_conversation(&fake, &headers, &account, &id, |db, user, c| {
        ok(db.rest_conversation(c, Some(user)))
    })
}

async fn messages(
    State(fake): Shared,
    headers: HeaderMap,
    Path((account, id)): ConversationPath,
    Query(query): QueryPairs,
) -> Response {
    with_conversation(&fake, &headers, &account, &id, |db, _, c| {
        ok(db.message_list(c, &query))
    })
}

/// The broadcast is written to every socket before the HTTP answer starts (§10.6).
async fn create_message(
    State(fake): Shared,
    headers: HeaderMap,
    Path((account, id)): ConversationPath,
    body: Bytes,
) -> Response {
    let body = parse_body(&body);
    let (answer, receipts, delay) = {
        let mut db = lock(&fake);
        db.receipts = Some(Vec::new());
        let answer = match db.conversation_caller(&headers, &account, &id) {
            Ok((user, conversation)) => db.post_message(user, conversation, &body),
            Err(denied) => denied,
        };
        let receipts = db.receipts.take().unwrap_or_default();
        (answer, receipts, db.knobs.post_delay)
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    for receipt in receipts {
        let _ = tokio::time::timeout_at(deadline, receipt).await;
    }
    if answer.status().is_success() {
        tokio::time::sleep(delay).await;
    }
    answer
}

async fn delete_message(
    State(fake): Shared,
    headers: HeaderMap,
    Path((account, id, message)): MessagePath,
) -> Response {
    with_conversation(&fake, &headers, &account, &id, |db, _, c| {
        db.delete_message(c, &message)
    })
}

async fn toggle_status(
    State(fake): Shared,
    headers: HeaderMap,
    Path((account, id)): ConversationPath,
    body: Bytes,
) -> Response {
    let body = parse_body(&body);
    with_conversation(&fake, &headers, &account, &id, |db, user, c| {
        db.toggle_status(user, c, &body)
    })
}

async fn toggle_priority(
    State(fake): Shared,
    headers: HeaderMap,
    Path((account, id)): ConversationPath,
    body: Bytes,
) -> Response {
    let body = parse_body(&body);
    with_conversation(&fake, &headers, &account, &id, |db, _, c| {
        db.toggle_priority(c, &body)
    })
}

async fn toggle_typing(
    State(fake): Shared,
    headers: HeaderMap,
    Path((account, id)): ConversationPath,
    body: Bytes,
) -> Response {
    let body = parse_body(&body);
    with_conversation(&fake, &headers, &account, &id, |db, user, c| {
        db.toggle_typing(user, c, &body)
    })
}

async fn update_last_seen(
    State(fake): Shared,
    headers: HeaderMap,
    Path((account, id)): ConversationPath,
) -> Response {
    with_conversation(&fake, &headers, &account, &id, |db, user, c| {
        db.update_last_seen(user, c)
    })
}

async fn mark_unread(
    State(fake): Shared,
    headers: HeaderMap,
    Path((account, id)): ConversationPath,
) -> Response {
    with_conversation(&fake, &headers, &account, &id, |db, user, c| {
        db.mark_unread(user, c)
    })
}

async fn assignments(
    State(fake): Shared,
    headers: HeaderMap,
    Path((account, id)): ConversationPath,
    body: Bytes,
) -> Response {
    let body = parse_body(&body);
    with_conversation(&fake, &headers, &account, &id, |db, user, c| {
        db.assign(user, c, &body)
    })
}

async fn conversation_labels(
    State(fake): Shared,
    headers: HeaderMap,
    Path((account, id)): ConversationPath,
) -> Response {
    with_conversation(&fake, &headers, &account, &id, |db, _, c| {
        ok(json!({"payload": db.conv(c).labels}))
    })
}

async fn replace_labels(
    State(fake): Shared,
    headers: HeaderMap,
    Path((account, id)): ConversationPath,
    body: Bytes,
) -> Response {
    let body = parse_body(&body);
    with_conversation(&fake, &headers, &account, &id, |db, user, c| {
        db.replace_labels(user, c, &body)
    })
}

// ----- small helpers -----------------------------------------------------------------------------------

fn ok(body: Value) -> Response {
    Json(body).into_response()
}

/// `head :ok`: 200 with an empty body.
fn empty_ok() -> Response {
    StatusCode::OK.into_response()
}

/// The `{"error": "…"}` body of every handled exception (§7.1).
fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Resource could not be found")
}

fn unprocessable(message: &str) -> Response {
    error(StatusCode::UNPROCESSABLE_ENTITY, message)
}

/// Rails' public-exceptions JSON for an unrescued exception.
fn server_error() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({"status": 500, "error": "Internal Server Error"})),
    )
        .into_response()
}

fn failure_response(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = if serde_json::from_str::<Value>(&body).is_ok() {
        "application/json; charset=utf-8"
    } else {
        "text/plain"
    };
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// A JSON object body; anything else (empty, not JSON) reads as `{}`.
fn parse_body(bytes: &[u8]) -> Value {
    serde_json::from_slice::<Value>(bytes)
        .ok()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}))
}

/// The last value of a query key (Rails keeps the last one).
fn param<'a>(query: &'a [(String, String)], key: &str) -> Option<&'a str> {
    query
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// An id sent as a JSON number or a numeric string (ActiveRecord casts both).
fn id_param(value: &Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| value.as_str()?.trim().parse().ok())
}

/// `DateTime.strptime(x.to_s, '%s')`: whole epoch seconds only.
fn epoch_param(value: &Value) -> Option<Time> {
    let seconds = value
        .as_i64()
        .or_else(|| value.as_str()?.trim().parse().ok())?;
    OffsetDateTime::from_unix_timestamp(seconds).ok()
}

/// Ruby's `String#to_i`: the leading integer, 0 if none.
fn leading_int(raw: &str) -> i64 {
    let (sign, digits) = match raw.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, raw),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse::<i64>().map_or(0, |n| sign * n)
}

/// ActiveModel's boolean cast for the usual spellings.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_i64() == Some(1),
        Value::String(s) => matches!(s.as_str(), "true" | "1" | "t" | "on"),
        _ => false,
    }
}

fn last<T>(mut rows: Vec<T>, count: usize) -> Vec<T> {
    let start = rows.len().saturating_sub(count);
    rows.split_off(start)
}

fn merge(mut base: Value, extra: Value) -> Value {
    if let (Some(base), Value::Object(extra)) = (base.as_object_mut(), extra) {
        base.extend(extra);
    }
    base
}

fn random_token() -> String {
    format!("{:016x}{:08x}", fastrand::u64(..), fastrand::u32(..))
}

fn secs(at: Time) -> i64 {
    at.unix_timestamp()
}

/// `.to_i` on a nullable time: 0 when null (§1.3).
fn secs_or_zero(at: Option<Time>) -> i64 {
    at.map_or(0, secs)
}

/// `updated_at.to_f`: microsecond precision, always a JSON float.
fn float_secs(at: Time) -> f64 {
    (at.unix_timestamp_nanos() / 1_000) as f64 / 1_000_000.0
}

/// Rails' JSON time: UTC, 3 fraction digits, `Z` (`2026-06-17T05:33:20.000Z`).
fn iso(at: Time) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .expect("formats")
}

/// `attachment.push_event_data` (§4.8) for the kinds a contact sends.
fn attachment_json(
    id: u64,
    message: u64,
    file_type: &str,
    data_url: &str,
    caption: Option<&str>,
) -> Value {
    let base =
        json!({"id": id, "message_id": message, "file_type": file_type, "account_id": ACCOUNT});
    let title = caption.unwrap_or_default();
    let extra = match file_type {
        "location" => json!({
            "coordinates_lat": 0.0, "coordinates_long": 0.0, "fallback_title": title, "data_url": data_url
        }),
        "fallback" => json!({"fallback_title": title, "data_url": data_url}),
        "contact" => json!({"fallback_title": title, "meta": {}}),
        _ => {
            let name = data_url.split(['?', '#']).next().unwrap_or_default();
            let extension = name
                .rsplit('/')
                .next()
                .and_then(|n| n.rsplit_once('.'))
                .map(|(_, e)| e.to_lowercase());
            let image = file_type == "image";
            let mut stored = json!({
                "extension": extension,
                "content_type": mime(file_type, extension.as_deref()),
                "data_url": data_url,
                "thumb_url": if image { data_url } else { "" },
                "file_size": 1024,
                "width": if image { json!(640) } else { Value::Null },
                "height": if image { json!(480) } else { Value::Null }
            });
            if file_type == "audio" {
                stored["transcribed_text"] = json!("");
            }
            stored
        }
    };
    merge(base, extra)
}

fn mime(file_type: &str, extension: Option<&str>) -> &'static str {
    match (file_type, extension) {
        (_, Some("png")) => "image/png",
        (_, Some("gif")) => "image/gif",
        (_, Some("webp")) => "image/webp",
        (_, Some("jpg" | "jpeg")) | ("image", _) => "image/jpeg",
        (_, Some("mp3")) => "audio/mpeg",
        (_, Some("ogg" | "oga" | "opus")) | ("audio", _) => "audio/ogg",
        (_, Some("mp4")) | ("video", _) => "video/mp4",
        (_, Some("pdf")) => "application/pdf",
        _ => "application/octet-stream",
    }
}
