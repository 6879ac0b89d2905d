//! The assistant in the reducer: streaming into the pane and the composer, staleness,
//! cancellation, one request at a time, and the context-length retry.

use super::assist::AnswerState;
use super::tests::{T0, app, inbound, key, messages, open, press};
use super::*;
use crate::contract::assist::{Command, Failure, Request, Task, Update, UpdateKind};
use crate::insights::InsightSource;
use crate::model::Content;

/// An app with an assistant and conversation c1 open, holding `count` customer messages.
fn with_assistant(count: usize) -> App {
    let mut app = app();
    app.assist.enabled = true;
    app.assist.model = "m".into();
    app.assist.max_messages = 40;
    let thread = (0..count)
        .map(|i| inbound(&format!("m{i}"), i as i64, &format!("question {i}?")))
        .collect();
    app.apply(T0, messages("c1", thread, false));
    open(&mut app, "c1");
    // Opening puts the focus in the composer; the assistant's keys work from the panes.
    press(&mut app, Key::plain(KeyCode::Esc));
    assert_eq!(app.view.focus, Focus::Conversations);
    app
}

fn started(effects: &[Effect]) -> Vec<Request> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Assist(Command::Start(request)) => Some(request.clone()),
            _ => None,
        })
        .collect()
}

fn cancelled(effects: &[Effect]) -> Vec<u64> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Assist(Command::Cancel(id)) => Some(*id),
            _ => None,
        })
        .collect()
}

fn ask(app: &mut App, key: char) -> Request {
    let mut requests = started(&press(app, Key::ch(key)));
    assert_eq!(requests.len(), 1, "one request for {key}");
    requests.remove(0)
}

fn update(app: &mut App, request: &Request, kind: UpdateKind) -> Vec<Effect> {
    let update = Update {
        id: request.id,
        conversation: request.conversation.clone(),
        kind,
    };
    app.apply(app.now, Event::Assist(update))
}

fn delta(app: &mut App, request: &Request, text: &str) {
    update(app, request, UpdateKind::Delta(text.into()));
}

fn notice(app: &App) -> String {
    app.status
        .current_notice()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

fn summary(app: &App) -> assist::Answer {
    app.assist
        .entry(&key("c1"))
        .and_then(|e| e.summary.clone())
        .expect("a summary")
}

#[test]
fn a_summary_streams_into_the_pane_and_goes_stale_on_a_new_message() {
    let mut app = with_assistant(3);
    let request = ask(&mut app, 'S');
    assert_eq!(request.task, Task::Summary);
    assert_eq!(request.messages.len(), 3);
    assert_eq!(app.view.insights_visible, Some(true));
    delta(&mut app, &request, "Ana asks ");
    assert_eq!(summary(&app).text, "Ana asks ");
    assert_eq!(summary(&app).state, AnswerState::Writing);
    delta(&mut app, &request, "\u{1b}[31mthree things.");
    update(&mut app, &request, UpdateKind::Done);
    assert_eq!(summary(&app).text, "Ana asks three things.");
    assert_eq!(summary(&app).state, AnswerState::Done);

    // Asking again about an unchanged conversation costs nothing.
    assert!(started(&press(&mut app, Key::ch('S'))).is_empty());
    assert_eq!(notice(&app), "The summary is up to date");

    app.apply(
        T0,
        messages("c1", vec![inbound("m9", 9, "and one more")], true),
    );
    assert!(assist::is_stale(&app, &key("c1"), &summary(&app).seen));
    let again = ask(&mut app, 'S');
    assert_eq!(again.messages.last().map(|m| m.id.as_str()), Some("m9"));
}

#[test]
fn a_suggested_reply_streams_into_the_composer_and_is_never_sent_by_itself() {
    let mut app = with_assistant(2);
    let request = ask(&mut app, 'a');
    assert_eq!(request.task, Task::Reply);
    // The focus stays on the list: keys meant for it never land in the draft.
    assert_eq!(app.view.focus, Focus::Conversations);
    delta(&mut app, &request, "Hi Ana, ");
    press(&mut app, Key::ch('j'));
    assert_eq!(app.view.composer.text(), "Hi Ana, ");
    // Back on Ana's row: `i` on the list replies to the row the cursor is on.
    press(&mut app, Key::ch('k'));
    press(&mut app, Key::ch('i'));
    assert_eq!(app.view.focus, Focus::Composer);
    // Enter while it arrives sends nothing.
    let effects = press(&mut app, Key::plain(KeyCode::Enter));
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::Provider { .. } | Effect::Store(_))),
        "{effects:?}"
    );
    delta(&mut app, &request, "it ships today.");
    let effects = update(&mut app, &request, UpdateKind::Done);
    assert!(effects.is_empty(), "done sends nothing: {effects:?}");
    assert_eq!(app.view.composer.text(), "Hi Ana, it ships today.");
    // The agent edits it, and only their Enter sends it.
    press(&mut app, Key::plain(KeyCode::Backspace));
    press(&mut app, Key::ch('!'));
    assert_eq!(app.view.composer.text(), "Hi Ana, it ships today!");
    let sent = press(&mut app, Key::plain(KeyCode::Enter));
    assert!(sent.iter().any(|e| matches!(e, Effect::Provider { .. })));
}

#[test]
fn a_suggestion_never_overwrites_a_draft() {
    let mut app = with_assistant(1);
    press(&mut app, Key::ch('i'));
    assert_eq!(app.view.focus, Focus::Composer);
    press(&mut app, Key::ch('x'));
    press(&mut app, Key::plain(KeyCode::Esc));
    assert!(started(&press(&mut app, Key::ch('a'))).is_empty());
    assert!(notice(&app).contains("holds a draft"), "{}", notice(&app));
    assert_eq!(app.view.composer.text(), "x");
}

#[test]
fn esc_and_leaving_cancel_and_late_updates_are_dropped() {
    let mut app = with_assistant(2);
    let request = ask(&mut app, 'S');
    delta(&mut app, &request, "Half");
    assert_eq!(
        cancelled(&press(&mut app, Key::plain(KeyCode::Esc))),
        vec![request.id]
    );
    assert!(matches!(summary(&app).state, AnswerState::Stopped(_)));
    delta(&mut app, &request, " and more");
    update(&mut app, &request, UpdateKind::Done);
    assert_eq!(summary(&app).text, "Half", "updates after Esc are dropped");

    // A second Esc is an ordinary Esc again.
    assert!(cancelled(&press(&mut app, Key::plain(KeyCode::Esc))).is_empty());

    let request = ask(&mut app, 'a');
    let effects = open(&mut app, "c2");
    assert_eq!(cancelled(&effects), vec![request.id]);
    delta(&mut app, &request, "late text");
    assert!(!app.view.composer.text().contains("late text"));
}

#[test]
fn one_request_at_a_time_per_conversation() {
    let mut app = with_assistant(2);
    ask(&mut app, 'S');
    assert!(started(&press(&mut app, Key::ch('E'))).is_empty());
    assert!(
        notice(&app).contains("still writing the summary"),
        "{}",
        notice(&app)
    );
}

#[test]
fn a_context_overflow_asks_again_with_fewer_messages_and_says_so() {
    let mut app = with_assistant(12);
    app.assist.max_messages = 10;
    let request = ask(&mut app, 'S');
    assert_eq!(request.messages.len(), 10);
    let overflow = UpdateKind::Failed(Failure::ContextTooLong("8192 tokens".into()));
    let retry = started(&update(&mut app, &request, overflow.clone()));
    assert_eq!(retry.len(), 1);
    assert_eq!(retry[0].messages.len(), 5);
    assert_eq!(retry[0].messages.last().map(|m| m.id.as_str()), Some("m11"));
    assert!(notice(&app).contains("last 5 messages"), "{}", notice(&app));
    let last = started(&update(&mut app, &retry[0], overflow.clone()));
    assert_eq!(last[0].messages.len(), 4);
    // At the floor it gives up and says why.
    assert!(started(&update(&mut app, &last[0], overflow)).is_empty());
    assert!(notice(&app).contains("longer than the model's context"));
    assert!(matches!(summary(&app).state, AnswerState::Stopped(_)));
}

#[test]
fn failures_reach_the_status_bar_and_keep_what_arrived() {
    let mut app = with_assistant(2);
    let request = ask(&mut app, 'S');
    delta(&mut app, &request, "Partial");
    let failure = Failure::RateLimited {
        retry_after_secs: Some(20),
        message: "slow down".into(),
    };
    update(&mut app, &request, UpdateKind::Failed(failure));
    assert_eq!(notice(&app), "assistant is rate limited: try again in 20 s");
    assert_eq!(summary(&app).text, "Partial");
    // Free to ask again.
    ask(&mut app, 'S');
}

#[test]
fn ai_insights_replace_the_local_ones_until_toggled_back() {
    let mut app = with_assistant(2);
    let request = ask(&mut app, 'E');
    assert_eq!(request.task, Task::Insights);
    delta(
        &mut app,
        &request,
        r#"{"questions":[{"text":"question 0?","asked_by":"customer","message":1,"answered":false},"#,
    );
    delta(
        &mut app,
        &request,
        r#"{"text":"ghost?","asked_by":"customer","message":7,"answered":false}]}"#,
    );
    update(&mut app, &request, UpdateKind::Done);
    let shown = insights::open_insights(&app).expect("insights");
    assert_eq!(shown.source, InsightSource::Remote("AI · m".into()));
    assert_eq!(shown.questions.len(), 1, "the stray reference is dropped");
    assert_eq!(shown.questions[0].messages, vec!["m0"]);

    press(&mut app, Key::ch('E'));
    assert_eq!(
        insights::open_insights(&app).map(|i| i.source.clone()),
        Some(InsightSource::Local)
    );
    // Still fresh: shown again without asking.
    assert!(started(&press(&mut app, Key::ch('E'))).is_empty());
    assert_eq!(
        insights::open_insights(&app).map(|i| i.source.clone()),
        Some(InsightSource::Remote("AI · m".into()))
    );
}

#[test]
fn an_unreadable_insights_answer_is_said_not_shown() {
    let mut app = with_assistant(1);
    let request = ask(&mut app, 'E');
    delta(&mut app, &request, "I'd rather not.");
    update(&mut app, &request, UpdateKind::Done);
    assert!(
        notice(&app).contains("could not be read"),
        "{}",
        notice(&app)
    );
    assert_eq!(
        insights::open_insights(&app).map(|i| i.source.clone()),
        Some(InsightSource::Local)
    );
}

#[test]
fn what_is_sent_leaves_out_failed_and_unconfirmed_replies() {
    let mut app = with_assistant(1);
    let mut failed = inbound("f1", 5, "never arrived");
    failed.direction = crate::model::Direction::Outbound;
    failed.status = crate::model::DeliveryStatus::Failed;
    app.apply(T0, messages("c1", vec![failed], true));
    let request = ask(&mut app, 'S');
    let ids: Vec<&str> = request.messages.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, vec!["m0"]);
    assert!(matches!(&request.messages[0].content, Content::Text(_)));
}

#[test]
fn without_an_assistant_the_keys_say_how_to_set_one_up() {
    let mut app = with_assistant(1);
    app.assist.enabled = false;
    assert!(started(&press(&mut app, Key::ch('S'))).is_empty());
    assert!(notice(&app).contains("[assist]"), "{}", notice(&app));
}

#[test]
fn typing_into_an_arriving_suggestion_takes_it_over() {
    let mut app = with_assistant(2);
    let request = ask(&mut app, 'a');
    delta(&mut app, &request, "Hi Ana");
    press(&mut app, Key::ch('i'));
    let effects = press(&mut app, Key::ch('!'));
    assert_eq!(cancelled(&effects), vec![request.id]);
    delta(&mut app, &request, ", late words");
    assert_eq!(app.view.composer.text(), "Hi Ana!");
    assert!(notice(&app).contains("yours to edit"), "{}", notice(&app));
    assert!(
        !assist::reply_incomplete(&app),
        "edited: no longer the stopped suggestion"
    );
}

#[test]
fn esc_in_the_composer_stops_the_suggestion_and_leaves_and_the_stub_is_marked() {
    let mut app = with_assistant(2);
    let request = ask(&mut app, 'a');
    delta(&mut app, &request, "\n\nHi Ana, we");
    assert_eq!(
        app.view.composer.text(),
        "Hi Ana, we",
        "no leading blank lines"
    );
    let effects = press(&mut app, Key::plain(KeyCode::Esc));
    assert_eq!(cancelled(&effects), vec![request.id]);
    assert_eq!(app.view.focus, Focus::Conversations);
    assert!(assist::reply_incomplete(&app));
    // The next keys are commands again, not text.
    assert_eq!(ask(&mut app, 'S').task, Task::Summary);
    assert_eq!(app.view.composer.text(), "Hi Ana, we");
}

#[test]
fn leaving_mid_suggestion_drops_the_half_written_draft() {
    let mut app = with_assistant(2);
    let request = ask(&mut app, 'a');
    delta(&mut app, &request, "Hi Ana, we are");
    let effects = open(&mut app, "c2");
    assert_eq!(cancelled(&effects), vec![request.id]);
    open(&mut app, "c1");
    assert_eq!(app.view.composer.text(), "");
    assert!(notice(&app).is_empty() || !notice(&app).contains("Hi Ana"));
}

#[test]
fn stale_insights_on_screen_are_asked_for_again() {
    let mut app = with_assistant(1);
    let request = ask(&mut app, 'E');
    delta(
        &mut app,
        &request,
        r#"{"questions":[],"action_items":[],"follow_ups":[],"entities":[]}"#,
    );
    update(&mut app, &request, UpdateKind::Done);
    app.apply(T0, messages("c1", vec![inbound("m7", 7, "more?")], true));
    let again = ask(&mut app, 'E');
    assert_eq!(again.messages.last().map(|m| m.id.as_str()), Some("m7"));
}

#[test]
fn unconfirmed_echoes_are_not_sent() {
    let mut app = with_assistant(1);
    press(&mut app, Key::ch('i'));
    for c in "on its way".chars() {
        press(&mut app, Key::ch(c));
    }
    press(&mut app, Key::plain(KeyCode::Enter));
    press(&mut app, Key::plain(KeyCode::Esc));
    let request = ask(&mut app, 'S');
    assert_eq!(request.messages.len(), 1, "the pending echo stays out");
}
