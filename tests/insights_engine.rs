//! The insight engine's incremental contract: whatever order messages arrive in, with
//! duplicates, edits and local echoes replaced by server copies, the insights equal those of
//! reading the final thread once in order.

use proptest::prelude::*;
use switchboard::insights::{Answer, InsightEngine, ItemState};
use switchboard::model::{Content, DeliveryStatus, Direction, Message};
use time::Duration;
use time::macros::datetime;

const LINES: &[(Direction, &str)] = &[
    (
        Direction::Inbound,
        "Hi, my order #58812 still hasn't arrived. Where is it?",
    ),
    (
        Direction::Outbound,
        "Sorry about that! Let me check the tracking for you.",
    ),
    (
        Direction::Outbound,
        "It should arrive tomorrow between 10:00 and 14:00. I'll email you the link.",
    ),
    (
        Direction::Inbound,
        "ok thanks. can i get a refund of the $49.99 if it's late again?",
    ),
    (
        Direction::Outbound,
        "Yes. Please call us on +1 415 555 0132 and we'll refund it.",
    ),
    (
        Direction::Inbound,
        "great, send it to dana@example.com please",
    ),
    (
        Direction::Outbound,
        "Sent, see https://track.example.com/p/58812 for updates.",
    ),
    (
        Direction::Inbound,
        "the box was damaged too, ticket TCK-70415. will you replace it?",
    ),
    (
        Direction::Outbound,
        "I'm sorry! I'll ship a new box on Friday.",
    ),
    (Direction::Inbound, "I want to cancel my subscription too"),
];

fn message(index: usize) -> Message {
    let (direction, text) = LINES[index % LINES.len()];
    Message {
        id: format!("m{index:03}"),
        client_id: None,
        direction,
        sender: if direction == Direction::Inbound {
            "Dana".into()
        } else {
            "Agent".into()
        },
        content: Content::Text(text.into()),
        at: datetime!(2026-01-01 09:00 UTC) + Duration::minutes(index as i64 * 3),
        status: DeliveryStatus::Delivered,
        failure: None,
    }
}

fn in_order(count: usize) -> InsightEngine {
    let mut engine = InsightEngine::default();
    for index in 0..count {
        assert!(engine.observe(&message(index)));
    }
    engine
}

proptest! {
    /// Whatever a customer writes (emoji, accents, CJK, stray marks, long runs), reading it
    /// never panics.
    #[test]
    fn any_text_is_read_without_a_panic(texts in proptest::collection::vec(any::<String>(), 1..6)) {
        let mut engine = InsightEngine::default();
        for (i, text) in texts.iter().enumerate() {
            let _ = switchboard::insights::actions::actions_in(text);
            let _ = switchboard::insights::questions::questions_in(text);
            let _ = switchboard::insights::entities::entities_in(text);
            let mut written = message(i);
            written.content = Content::Text(text.clone());
            engine.observe(&written);
        }
    }

    #[test]
    fn wordy_text_of_support_words_is_read_without_a_panic(
        words in proptest::collection::vec(
            proptest::sample::select(vec![
                "I'll", "will", "try", "to", "get", "someone", "please", "can", "you", "send",
                "façing", "我ing", "😂ing", "within", "3000000", "days", "in", "a", "the", "1.",
                "2)", "Reply", "STATUS", "do", "let", "me", "know", "₹", "R$", "N", "5,000", "k",
                "18h", "9am-12pm", "2026-05-31", "31.05.2026", "next", "tues", "the", "25th",
                ",", "and", "if", "our", "team", "I'm", "transferring", "“", "”", "was", "told",
                "\n", ">", "at", "11", "tomorrow", "now", "for",
            ]),
            0..80,
        )
    ) {
        let text = words.join(" ");
        let mut engine = InsightEngine::default();
        let mut first = message(0);
        first.content = Content::Text(text.clone());
        engine.observe(&first);
        let mut second = message(1);
        second.direction = Direction::Outbound;
        second.content = Content::Text(text);
        engine.observe(&second);
    }
}

proptest! {
    #[test]
    fn any_arrival_order_with_duplicates_gives_the_same_insights(
        order in Just((0..20usize).collect::<Vec<_>>()).prop_shuffle(),
        duplicates in proptest::collection::vec(0..20usize, 0..8),
    ) {
        let mut engine = InsightEngine::default();
        for (step, index) in order.iter().enumerate() {
            engine.observe(&message(*index));
            if let Some(again) = duplicates.get(step)
                && order[..=step].contains(again)
            {
                prop_assert!(!engine.observe(&message(*again)), "a duplicate changes nothing");
            }
        }
        let expected = in_order(20);
        prop_assert_eq!(engine.insights(), expected.insights());
    }
}

#[test]
fn a_question_is_answered_by_the_other_side_but_not_by_a_holding_reply() {
    let engine = in_order(2);
    assert_eq!(engine.insights().questions[0].answer, Answer::Unanswered);
    let engine = in_order(3);
    assert_eq!(
        engine.insights().questions[0].answer,
        Answer::Answered { by: "m002".into() }
    );
}

#[test]
fn an_item_is_done_when_its_owner_reports_it() {
    let before = in_order(6);
    let email = |engine: &InsightEngine| {
        engine
            .insights()
            .follow_ups
            .iter()
            .find(|f| f.task.starts_with("email"))
            .expect("follow-up")
            .state
            .clone()
    };
    assert_eq!(email(&before), ItemState::Open, "nothing was sent yet");
    let check = &before.insights().action_items[0];
    assert_eq!(check.task, "check the tracking for you");
    assert_eq!(
        check.state,
        ItemState::Done { by: "m002".into() },
        "the next real answer closes 'let me check'"
    );
    let after = in_order(7);
    assert_eq!(
        email(&after),
        ItemState::Done { by: "m006".into() },
        "'Sent' closes the email"
    );
    let send = after
        .insights()
        .follow_ups
        .iter()
        .find(|f| f.task.starts_with("send it"))
        .expect("request");
    assert_eq!(
        send.state,
        ItemState::Done { by: "m006".into() },
        "'Sent' closes the request"
    );
}

#[test]
fn an_edit_replaces_the_old_facts() {
    let mut engine = in_order(1);
    let mut edited = message(0);
    edited.content = Content::Text("Hi, my order arrived, thanks".into());
    assert!(engine.observe(&edited));
    assert!(engine.insights().questions.is_empty());
    assert_eq!(engine.insights().analytics.customer_messages, 1);
}

#[test]
fn a_server_copy_replaces_the_local_echo() {
    let mut engine = in_order(1);
    let mut echo = message(1);
    echo.id = "local-1".into();
    engine.observe(&echo);
    let mut server = message(1);
    server.client_id = Some("local-1".into());
    server.at = echo.at + Duration::seconds(2);
    engine.observe(&server);
    assert_eq!(engine.len(), 2);
    assert_eq!(engine.insights().analytics.agent_messages, 1);
    assert_eq!(engine.insights().action_items.len(), 1);
    assert_eq!(
        engine.insights().action_items[0].messages,
        vec!["m001".to_string()]
    );
}

#[test]
fn due_dates_resolve_against_the_message_time() {
    let engine = in_order(9);
    let ship = engine
        .insights()
        .action_items
        .iter()
        .find(|a| a.task.starts_with("ship"))
        .expect("ship item");
    let due = ship.due.as_ref().expect("due");
    assert_eq!(due.text, "Friday");
    // Message 8 was sent on Thursday 1 January 2026; "by Friday" is the end of 2 January.
    assert_eq!(due.at, Some(datetime!(2026-01-02 23:59 UTC)));
}

#[test]
fn the_open_counts_the_engine_keeps_match_its_lists_as_items_open_and_close() {
    let scanned = |engine: &InsightEngine| {
        let insights = engine.insights();
        switchboard::insights::OpenCounts {
            questions: insights.questions.iter().filter(|q| q.is_open()).count(),
            action_items: insights.action_items.iter().filter(|a| a.is_open()).count(),
            follow_ups: insights.follow_ups.iter().filter(|a| a.is_open()).count(),
        }
    };
    let mut seen_open = 0;
    for count in 1..=LINES.len() * 2 {
        let engine = in_order(count);
        let kept = engine.insights().open.expect("the engine keeps its counts");
        assert_eq!(kept, scanned(&engine), "after {count} messages");
        seen_open += kept.questions + kept.action_items + kept.follow_ups;
    }
    assert!(seen_open > 0, "some rows were open on the way");
    // Out of order: the replay keeps them too.
    let mut engine = InsightEngine::default();
    for index in (0..LINES.len()).rev() {
        engine.observe(&message(index));
    }
    assert_eq!(engine.insights().open, Some(scanned(&engine)));
}

#[test]
fn the_engine_keeps_the_facts_of_the_newest_messages_only() {
    use switchboard::insights::engine::MAX_FACTS;
    let mut engine = InsightEngine::default();
    let start = datetime!(2026-11-20 14:00 UTC);
    let messages: Vec<Message> = (0..10_000)
        .map(|n| Message {
            id: format!("m{n:05}"),
            client_id: None,
            direction: Direction::Inbound,
            sender: "Ana".into(),
            content: Content::Text(format!("Can you check order {n}?")),
            at: start + Duration::seconds(n),
            status: DeliveryStatus::Read,
            failure: None,
        })
        .collect();
    for message in &messages {
        engine.observe(message);
    }
    assert!(engine.len() <= MAX_FACTS && engine.len() >= MAX_FACTS - 1_000);
    assert_eq!(
        engine.insights().questions.len(),
        engine.len(),
        "one question per kept message, none of the dropped ones"
    );
    assert!(
        !engine.observe(&messages[0]),
        "older than the window: nothing"
    );
}

/// An engine that heard `lines` in order, a minute apart unless a line gives its minute.
fn heard(lines: &[(Direction, &str, &str, i64)]) -> InsightEngine {
    let mut engine = InsightEngine::default();
    for (index, (direction, sender, text, minute)) in lines.iter().enumerate() {
        engine.observe(&Message {
            id: format!("m{index:03}"),
            client_id: None,
            direction: *direction,
            sender: (*sender).into(),
            content: Content::Text((*text).into()),
            at: datetime!(2026-03-02 09:00 UTC) + Duration::minutes(*minute),
            status: DeliveryStatus::Delivered,
            failure: None,
        });
    }
    engine
}

#[test]
fn an_automated_reply_a_menu_or_a_promise_to_get_back_answers_nothing() {
    use Direction::{Inbound, Outbound};
    for reply in [
        "Sorry, I didn't understand that. Type MENU to start again.",
        "Welcome!\n1. Passport appointment\n2. Parking permit\nType a number.",
        "I'll text you back tomorrow afternoon once I hear from the site manager.",
        "The identity team is still on it, I'll keep chasing them.",
    ] {
        let engine = heard(&[
            (
                Inbound,
                "Dana",
                "is 70 euro also for a passport for children?",
                0,
            ),
            (Outbound, "Bot", reply, 1),
        ]);
        assert_eq!(
            engine.insights().questions[0].answer,
            Answer::Unanswered,
            "{reply}"
        );
    }
    let engine = heard(&[
        (Inbound, "Dana", "how long does the refund take?", 0),
        (Outbound, "Agent", "Usually 2-3 business days.", 1),
    ]);
    assert_eq!(
        engine.insights().questions[0].answer,
        Answer::Answered { by: "m001".into() },
        "a number of business days answers a how long"
    );
}

#[test]
fn a_reply_answers_in_a_later_sentence_and_by_the_day_asked_about() {
    use Direction::{Inbound, Outbound};
    let engine = heard(&[
        (Inbound, "Maria", "any slot on thursday?", 0),
        (
            Outbound,
            "Reception",
            "Hi Maria, Thursday is fully booked. We have tomorrow at 11 with Dr Lee or Friday 16:15, whichever suits you best.",
            1,
        ),
        (Inbound, "Maria", "friday pls. do i need a GP referral", 2),
        (
            Outbound,
            "Reception",
            "Booked: Fri 16:15 with Dr Lee. No referral needed when you pay privately. Please fill in the health form first.",
            3,
        ),
    ]);
    let questions = &engine.insights().questions;
    assert_eq!(questions[0].answer, Answer::Answered { by: "m001".into() });
    assert_eq!(questions[1].answer, Answer::Answered { by: "m003".into() });
}

#[test]
fn receipt_steps_done_and_a_later_message_close_items_in_other_words() {
    use Direction::{Inbound, Outbound};
    let engine = heard(&[
        (Inbound, "Dana", "the tickets went to my old address", 0),
        (
            Outbound,
            "Agent",
            "I've corrected it and I'll resend the tickets now.",
            1,
        ),
        (Inbound, "Dana", "got them, thank you!", 2),
    ]);
    let resend = &engine.insights().follow_ups[0];
    assert_eq!(
        resend.state,
        ItemState::Done { by: "m002".into() },
        "got them"
    );

    let engine = heard(&[
        (Inbound, "Dana", "my decoder says no subscription", 0),
        (
            Outbound,
            "Agent",
            "Please switch the decoder off and on, then leave it on the info channel for 5 minutes.",
            1,
        ),
        (Inbound, "Dana", "did that, channels are back", 2),
    ]);
    let steps = &engine.insights().action_items;
    assert_eq!(steps.len(), 2);
    assert!(
        steps
            .iter()
            .all(|step| step.state == ItemState::Done { by: "m002".into() }),
        "{steps:?}"
    );

    let texted_back = |notice: (Direction, &'static str, &'static str, i64)| {
        let engine = heard(&[
            (Inbound, "Maria", "does my insurance pay for it?", 0),
            (Outbound, "Reception", "I'll text you back in 2 hours.", 5),
            notice,
        ]);
        engine.insights().follow_ups[0].state.clone()
    };
    assert_eq!(
        texted_back((
            Outbound,
            "Reception",
            "MediCover covers 8 sessions a year.",
            100
        )),
        ItemState::Done { by: "m002".into() },
        "the one who promised writes again, later"
    );
    assert_eq!(
        texted_back((
            Outbound,
            "AquaBot",
            "Your water was delivered at 08:10.",
            100
        )),
        ItemState::Open,
        "a bot's notice is not the promised text"
    );

    let engine = heard(&[
        (Inbound, "Dana", "please refund the biryani", 0),
        (
            Outbound,
            "Agent",
            "A new biryani won't make it tonight, sorry. The biryani has been refunded to your card.",
            1,
        ),
    ]);
    assert_eq!(
        engine.insights().action_items[0].state,
        ItemState::Done { by: "m001".into() },
        "a sentence that denies does not hide one that reports"
    );
}

#[test]
fn a_why_is_answered_by_a_reason_and_the_check_asked_for_is_done_by_it() {
    use Direction::{Inbound, Outbound};
    let asked = (
        Inbound,
        "Jonas",
        "My transfer of 870,00 EUR from last friday never arrived. can u check why",
        0,
    );
    let engine = heard(&[
        asked,
        (
            Outbound,
            "Lena",
            "It was returned by the receiving bank because the name on the account didn't match, the money will be back on your account tomorrow.",
            6,
        ),
    ]);
    let insights = engine.insights();
    assert_eq!(
        insights.questions[0].answer,
        Answer::Answered { by: "m001".into() }
    );
    let check = &insights.action_items[0];
    assert!(check.task.starts_with("check"), "{}", check.task);
    assert_eq!(check.state, ItemState::Done { by: "m001".into() });

    // No reason given: the question is open, and so is the check.
    for reply in [
        "Thanks, our payments team will look at transfers from last week and the bank of the receiver as well.",
        "Yes, I've passed it on.",
        "We will check your transfer.",
    ] {
        let engine = heard(&[asked, (Outbound, "Lena", reply, 6)]);
        let insights = engine.insights();
        assert_eq!(insights.questions[0].answer, Answer::Unanswered, "{reply}");
        assert_eq!(insights.action_items[0].state, ItemState::Open, "{reply}");
    }

    // Said after a greeting and with an emoji, the check is still the question's.
    let engine = heard(&[
        (
            Inbound,
            "Jonas",
            "Hi, can you check why my card was declined 🙁",
            0,
        ),
        (
            Outbound,
            "Lena",
            "It was declined because the card had expired last month.",
            3,
        ),
    ]);
    let insights = engine.insights();
    assert_eq!(
        insights.questions[0].answer,
        Answer::Answered { by: "m001".into() }
    );
    assert_eq!(
        insights.action_items[0].state,
        ItemState::Done { by: "m001".into() }
    );

    // The first short reply to a why is the reason, with or without "because".
    let engine = heard(&[
        (Outbound, "Agent", "May I ask why you're cancelling?", 0),
        (
            Inbound,
            "Fatima",
            "Too expensive. $29.99 a month is a lot.",
            2,
        ),
    ]);
    assert_eq!(
        engine.insights().questions[0].answer,
        Answer::Answered { by: "m001".into() }
    );

    // "that's why I'm asking": no reason is asked for.
    let engine = heard(&[
        (
            Inbound,
            "Jonas",
            "My rent is due and that's why I'm asking if you can raise the limit today?",
            0,
        ),
        (Outbound, "Lena", "Yes, done: 5.000 EUR until midnight.", 3),
    ]);
    assert_eq!(
        engine.insights().questions[0].answer,
        Answer::Answered { by: "m001".into() }
    );
}
