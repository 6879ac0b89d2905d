//! The lists moved one row at a time are the lists recomputed whole, whatever arrives under
//! whatever filters.

use proptest::prelude::*;
use time::Duration;

use super::tests::{T0, conversation, inbound, key, messages, provider};
use super::view::LayoutInfo;
use super::*;
use crate::contract::provider::ProviderEvent;
use crate::model::{Channel, ConversationStatus, Direction, Priority, Workflow};

const CONVERSATIONS: usize = 8;

#[derive(Clone, Debug)]
enum Step {
    Message {
        conversation: usize,
        minutes: i64,
        inbound: bool,
        live: bool,
    },
    Status(usize, ConversationStatus),
    Work {
        conversation: usize,
        priority: Priority,
        assignee: Option<&'static str>,
        label: Option<&'static str>,
    },
    Conversation {
        conversation: usize,
        channel: usize,
        unread: u32,
    },
    /// A message of an earlier step deleted on the platform.
    Delete(usize, usize),
    /// The agent opens a conversation (its unread count goes, the one left closes).
    Open(usize),
}

fn channel(index: usize) -> Channel {
    [
        Channel::WhatsApp,
        Channel::Sms,
        Channel::Other("telegram".into()),
    ][index % 3]
        .clone()
}

fn status() -> impl Strategy<Value = ConversationStatus> {
    prop_oneof![
        Just(ConversationStatus::Open),
        Just(ConversationStatus::Pending),
        Just(ConversationStatus::Resolved),
        Just(ConversationStatus::Snoozed),
    ]
}

fn priority() -> impl Strategy<Value = Priority> {
    (0..Priority::ALL.len()).prop_map(|i| Priority::ALL[i])
}

fn step() -> impl Strategy<Value = Step> {
    // Conversations past the first ones are unknown until a message or a listing names them.
    let conversation = 0..CONVERSATIONS + 2;
    prop_oneof![
        4 => (conversation.clone(), -60i64..60, any::<bool>(), any::<bool>()).prop_map(
            |(conversation, minutes, inbound, live)| Step::Message { conversation, minutes, inbound, live }
        ),
        1 => (conversation.clone(), status()).prop_map(|(c, s)| Step::Status(c, s)),
        1 => (
            conversation.clone(),
            priority(),
            proptest::option::of(Just("me")),
            proptest::option::of(Just("vip")),
        )
            .prop_map(|(conversation, priority, assignee, label)| Step::Work {
                conversation,
                priority,
                assignee,
                label,
            }),
        1 => (conversation.clone(), 0..3usize, 0..3u32).prop_map(|(conversation, channel, unread)| {
            Step::Conversation { conversation, channel, unread }
        }),
        1 => (conversation.clone(), 0..40usize).prop_map(|(c, m)| Step::Delete(c, m)),
        1 => conversation.prop_map(Step::Open),
    ]
}

fn event(step: &Step, serial: usize) -> Event {
    let id = |index: &usize| format!("c{index}");
    match step {
        Step::Message {
            conversation,
            minutes,
            inbound: from_customer,
            live,
        } => {
            let mut message = inbound(&format!("m{serial}"), *minutes, "where is my order");
            if !from_customer {
                message.direction = Direction::Outbound;
            }
            messages(&id(conversation), vec![message], *live)
        }
        Step::Status(conversation, status) => provider(ProviderEvent::ConversationStatus {
            conversation: id(conversation),
            status: *status,
        }),
        Step::Work {
            conversation,
            priority,
            assignee,
            label,
        } => provider(ProviderEvent::Workflow {
            conversation: id(conversation),
            work: Workflow {
                assignee: assignee.map(str::to_string),
                labels: label.iter().map(|l| l.to_string()).collect(),
                priority: *priority,
                snoozed_until: None,
            },
        }),
        Step::Conversation {
            conversation,
            channel: index,
            unread,
        } => {
            let mut info =
                super::tests::conversation(&id(conversation), "Ana", channel(*index), *unread);
            info.last_message_at = Some(T0 + Duration::minutes(*conversation as i64));
            provider(ProviderEvent::Conversations(vec![info]))
        }
        Step::Delete(conversation, message) => provider(ProviderEvent::MessageDeleted {
            conversation: id(conversation),
            message_id: format!("m{message}"),
        }),
        Step::Open(_) => unreachable!("opened through the input, not an event"),
    }
}

/// Applies a step as the app takes it.
fn take(app: &mut App, step: &Step, serial: usize) {
    let now = T0 + Duration::seconds(serial as i64);
    match step {
        Step::Open(conversation) => {
            app.now = now;
            let mut effects = Vec::new();
            input::open_conversation(app, key(&format!("c{conversation}")), &mut effects);
            app.settle_lists();
        }
        step => {
            app.apply(now, event(step, serial));
        }
    }
}

#[derive(Clone, Debug)]
struct Filters {
    status: Option<ConversationStatus>,
    unread_only: bool,
    by_priority: bool,
    text: &'static str,
    channel: usize,
    label: bool,
    rows: u16,
}

fn filters() -> impl Strategy<Value = Filters> {
    (
        proptest::option::of(status()),
        any::<bool>(),
        any::<bool>(),
        prop_oneof![Just(""), Just("ana"), Just("order"), Just("vip")],
        0..4usize,
        any::<bool>(),
        1..6u16,
    )
        .prop_map(
            |(status, unread_only, by_priority, text, channel, label, rows)| Filters {
                status,
                unread_only,
                by_priority,
                text,
                channel,
                label,
                rows,
            },
        )
}

fn inbox(filters: &Filters) -> App {
    let mut app = App::new("test", AppSettings::default(), T0);
    let listing = (0..CONVERSATIONS)
        .map(|i| {
            let mut info = conversation(&format!("c{i}"), "Ana", channel(i), (i % 3) as u32);
            info.last_message_at = Some(T0 - Duration::minutes(i as i64 * 7 % 5));
            info
        })
        .collect();
    app.apply(T0, provider(ProviderEvent::Conversations(listing)));
    let view = &mut app.view;
    view.layout = LayoutInfo {
        conversations: view::Rect {
            height: filters.rows,
            width: 30,
            ..Default::default()
        },
        conversation_rows: 1,
        ..Default::default()
    };
    view.status_filter = filters.status;
    view.unread_only = filters.unread_only;
    view.by_priority = filters.by_priority;
    view.filter = filters.text.to_string();
    view.channel_selected = filters.channel;
    view.label_filter = filters.label.then(|| "vip".to_string());
    view.selected = Some(key("c3"));
    view.refresh_lists(&app.inbox, &app.team);
    app
}

/// What the panes show of the lists.
fn lists(view: &view::ViewState) -> impl PartialEq + std::fmt::Debug {
    (
        view.conversations.clone(),
        view.channels.clone(),
        view.channel_selected,
        view.selected.clone(),
        view.list_offset,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn moved_rows_are_the_lists_recomputed(
        filters in filters(),
        steps in proptest::collection::vec(step(), 1..40),
    ) {
        let mut app = inbox(&filters);
        for (serial, step) in steps.iter().enumerate() {
            take(&mut app, step, serial);
            let mut whole = app.view.clone();
            whole.refresh_lists(&app.inbox, &app.team);
            prop_assert_eq!(lists(&app.view), lists(&whole), "after {:?}", step);
        }
    }
}

#[test]
fn a_message_moves_its_conversation_to_the_top_and_counts_it_unread() {
    let filters = Filters {
        status: None,
        unread_only: false,
        by_priority: false,
        text: "",
        channel: 0,
        label: false,
        rows: 3,
    };
    let mut app = inbox(&filters);
    let last = app.view.conversations.last().cloned().expect("listed");
    let unread = app.view.channels[0].unread;
    let message = inbound("new", 90, "hello?");
    app.apply(
        T0 + Duration::minutes(90),
        messages(&last.id, vec![message], true),
    );
    assert_eq!(app.view.conversations.first(), Some(&last));
    assert_eq!(app.view.channels[0].unread, unread + 1);
}

/// The store's start in two parts: six conversations, the three newest first.
fn parts() -> (
    crate::contract::store::Snapshot,
    crate::contract::store::Snapshot,
) {
    use crate::contract::store::{CachedConversation, ChannelCount, Snapshot};
    let cached = |i: usize| {
        let mut info = conversation(&format!("c{i}"), "Ana", channel(i), i as u32);
        info.last_message_at = Some(T0 - Duration::minutes(i as i64));
        CachedConversation {
            info,
            snooze: None,
            history_complete: false,
        }
    };
    let count = |channel: Channel, unread| ChannelCount {
        channel,
        conversations: 1,
        unread,
    };
    let first = Snapshot {
        conversations: (0..3).map(cached).collect(),
        unsent: Some(vec![
            count(self::channel(3), 3),
            count(self::channel(4), 4),
            count(self::channel(5), 5),
        ]),
        ..Snapshot::default()
    };
    let second = Snapshot {
        conversations: (3..6).map(cached).collect(),
        ..Snapshot::default()
    };
    (first, second)
}

#[test]
fn the_start_in_parts_shows_whole_counts_first_and_adds_rows_below() {
    use crate::contract::store::StoreEvent;
    let mut app = App::new("test", AppSettings::default(), T0);
    let (first, second) = parts();
    app.apply(T0, Event::Store(StoreEvent::Loaded(first)));
    let shown: Vec<_> = app.view.conversations.clone();
    assert_eq!(shown, [key("c0"), key("c1"), key("c2")]);
    assert_eq!(
        app.view.channels[0].unread, 15,
        "all six counted from the first part"
    );
    assert_eq!(app.view.channels[0].conversations, 6);
    assert_eq!(app.inbox.total(), 6);
    let counts = app.view.channels.clone();

    app.apply(T0, Event::Store(StoreEvent::Loaded(second)));
    assert_eq!(
        &app.view.conversations[..3],
        &shown[..],
        "the first rows stay"
    );
    assert_eq!(app.view.conversations.len(), 6);
    assert_eq!(app.view.channels, counts, "the counts do not move");
    assert!(app.inbox.unloaded.is_none());
    let mut whole = app.view.clone();
    whole.refresh_lists(&app.inbox, &app.team);
    assert_eq!(lists(&app.view), lists(&whole));
}

#[test]
fn a_late_part_does_not_replace_what_a_provider_said_meanwhile() {
    use crate::contract::store::StoreEvent;
    let mut app = App::new("test", AppSettings::default(), T0);
    let (first, second) = parts();
    app.apply(T0, Event::Store(StoreEvent::Loaded(first)));
    let mut newer = conversation("c4", "Ana Newer", channel(4), 0);
    newer.last_message_at = Some(T0 + Duration::minutes(5));
    app.apply(T0, provider(ProviderEvent::Conversations(vec![newer])));
    app.apply(T0, Event::Store(StoreEvent::Loaded(second)));
    let entry = app.inbox.get(&key("c4")).expect("c4");
    assert_eq!(entry.info.contact.name, "Ana Newer");
    assert_eq!(app.view.conversations[0], key("c4"));
}
