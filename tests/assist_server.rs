//! The assistant's client against a fake OpenAI-compatible server: streaming and whole answers,
//! each error a real server sends, broken streams, hostile output, a refused `response_format`,
//! cancellation, and the whole path from a key press to the pane through a running session.

use crate::fakes;

use std::time::Duration;

use fakes::openai::{Answer, FakeOpenAi};
use switchboard::assist::client::{ClientSettings, HttpAssistant};
use switchboard::assist::prompt::PromptSettings;
use switchboard::assist::runner::Backend;
use switchboard::assist::{Command, Failure, MAX_ANSWER_BYTES, Request, Task, Update, UpdateKind};
use switchboard::model::{
    AccountId, Channel, Contact, Content, ConversationKey, DeliveryStatus, Direction, Message,
};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(10);

/// What a failure must look like.
type Expect = fn(&Failure) -> bool;

fn settings(base_url: &str) -> ClientSettings {
    ClientSettings {
        base_url: base_url.to_string(),
        api_key: Some("sk-test-123".into()),
        timeout: Duration::from_secs(5),
        structured_output: true,
        prompt: PromptSettings {
            model: "qwen2.5:7b".into(),
            max_tokens: 200,
            temperature: 0.2,
            send_identities: false,
            system_prompt: None,
        },
    }
}

fn request(task: Task) -> Request {
    let message = |id: &str, direction, text: &str| Message {
        id: id.into(),
        client_id: None,
        direction,
        sender: "Ana Lima".into(),
        content: Content::Text(text.into()),
        at: time::macros::datetime!(2026-03-02 09:12 UTC),
        status: DeliveryStatus::Delivered,
        failure: None,
    };
    Request {
        id: 7,
        conversation: ConversationKey::new(&AccountId::new("hub"), "c1"),
        task,
        channel: Channel::WhatsApp,
        contact: Contact {
            id: "k1".into(),
            name: "Ana Lima".into(),
            identity: "+5511999990000".into(),
        },
        messages: vec![
            message(
                "m-1",
                Direction::Inbound,
                "Where is order #A1? It's Ana Lima.",
            ),
            message("m-2", Direction::Outbound, "Checking."),
        ],
    }
}

/// Runs one request to its end and returns the text that arrived and how it ended.
async fn ask(base_url: &str, task: Task) -> (String, UpdateKind) {
    ask_with(settings(base_url), task).await
}

async fn ask_with(settings: ClientSettings, task: Task) -> (String, UpdateKind) {
    let client = HttpAssistant::new(settings).expect("client");
    let (sender, mut receiver) = mpsc::channel(1024);
    tokio::time::timeout(WAIT, client.run(request(task), &sender))
        .await
        .expect("the request ends");
    drop(sender);
    let mut text = String::new();
    let mut end = None;
    while let Some(update) = receiver.recv().await {
        assert_eq!(update.id, 7);
        match update.kind {
            UpdateKind::Delta(piece) => {
                assert!(end.is_none(), "nothing after the end");
                text.push_str(&piece);
            }
            other => end = Some(other),
        }
    }
    (text, end.expect("an end"))
}

fn pieces(texts: &[&str]) -> Vec<String> {
    texts.iter().map(|t| t.to_string()).collect()
}

#[tokio::test]
async fn a_streamed_answer_arrives_in_order_with_the_key_and_without_identities() {
    let fake = FakeOpenAi::start(Answer::Stream(pieces(&["Ana ", "wants ", "her order."]))).await;
    let (text, end) = ask(&fake.base_url, Task::Summary).await;
    assert_eq!(text, "Ana wants her order.");
    assert_eq!(end, UpdateKind::Done);
    let seen = fake.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].authorization.as_deref(), Some("Bearer sk-test-123"));
    let body = &seen[0].body;
    assert_eq!(body["model"], "qwen2.5:7b");
    assert_eq!(body["stream"], true);
    assert_eq!(body["max_tokens"], 200);
    let sent = body.to_string();
    assert!(
        !sent.contains("Ana Lima") && !sent.contains("5511999990000"),
        "{sent}"
    );
    assert!(sent.contains("Where is order #A1?"));
}

#[tokio::test]
async fn a_base_url_with_v1_and_a_server_that_does_not_stream_both_work() {
    let fake = FakeOpenAi::start(Answer::Whole("Hello there.".into())).await;
    let (text, end) = ask(&format!("{}/v1/", fake.base_url), Task::Reply).await;
    assert_eq!((text.as_str(), end), ("Hello there.", UpdateKind::Done));
}

#[tokio::test]
async fn each_error_a_server_sends_becomes_what_the_user_must_fix() {
    let fake = FakeOpenAi::start(Answer::Stream(Vec::new())).await;
    let cases: Vec<(u16, &str, Option<&str>, Expect)> = vec![
        // llama.cpp with --api-key
        (
            401,
            r#"{"error":{"code":401,"message":"Invalid API Key","type":"authentication_error"}}"#,
            None,
            |f| matches!(f, Failure::Unauthorized(m) if m == "Invalid API Key"),
        ),
        // vLLM's auth middleware
        (401, r#"{"error":"Unauthorized"}"#, None, |f| {
            matches!(f, Failure::Unauthorized(_))
        }),
        // Ollama's OpenAI layer
        (
            404,
            r#"{"error":{"message":"model 'qwen2.5:7b' not found","type":"not_found_error","param":null,"code":null}}"#,
            None,
            |f| matches!(f, Failure::ModelNotFound(m) if m.contains("qwen2.5:7b")),
        ),
        // OpenAI
        (
            404,
            r#"{"error":{"message":"The model `gpt-9` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}"#,
            None,
            |f| matches!(f, Failure::ModelNotFound(_)),
        ),
        (
            429,
            r#"{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#,
            Some("12"),
            |f| {
                matches!(
                    f,
                    Failure::RateLimited {
                        retry_after_secs: Some(12),
                        ..
                    }
                )
            },
        ),
        // llama.cpp
        (
            400,
            r#"{"error":{"code":400,"message":"the request exceeds the available context size, try increasing it","type":"exceed_context_size_error","n_prompt_tokens":5000,"n_ctx":4096}}"#,
            None,
            |f| matches!(f, Failure::ContextTooLong(_)),
        ),
        // OpenAI
        (
            400,
            r#"{"error":{"message":"This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#,
            None,
            |f| matches!(f, Failure::ContextTooLong(_)),
        ),
        // Ollama busy
        (
            503,
            r#"{"error":{"message":"server busy, please try again.  maximum pending requests exceeded","type":"api_error","param":null,"code":null}}"#,
            None,
            |f| matches!(f, Failure::Rejected { status: 503, message } if message.contains("server busy")),
        ),
    ];
    for (status, body, retry_after, expected) in cases {
        fake.answer(Answer::Error {
            status,
            body: body.into(),
            retry_after: retry_after.map(str::to_string),
        });
        let (text, end) = ask(&fake.base_url, Task::Summary).await;
        assert!(text.is_empty());
        match end {
            UpdateKind::Failed(failure) => {
                assert!(expected(&failure), "{status} {body}: {failure:?}")
            }
            other => panic!("{status}: expected a failure, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_wrong_base_url_and_a_dead_server_are_told_apart() {
    // Nothing serves this path: the server's own 404 page.
    let fake = FakeOpenAi::start(Answer::Stream(Vec::new())).await;
    let (_, end) = ask(&format!("{}/not-the-api", fake.base_url), Task::Summary).await;
    assert!(
        matches!(end, UpdateKind::Failed(Failure::NoEndpoint(_))),
        "{end:?}"
    );

    let unused = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = unused.local_addr().expect("address");
    drop(unused);
    let (_, end) = ask(&format!("http://{address}"), Task::Summary).await;
    assert!(
        matches!(end, UpdateKind::Failed(Failure::Unreachable(_))),
        "{end:?}"
    );
}

#[tokio::test]
async fn a_server_that_says_nothing_times_out() {
    let fake = FakeOpenAi::start(Answer::Slow {
        pieces: pieces(&["late"]),
        first: Duration::from_secs(30),
        every: Duration::ZERO,
    })
    .await;
    let mut settings = settings(&fake.base_url);
    settings.timeout = Duration::from_millis(300);
    let (_, end) = ask_with(settings, Task::Summary).await;
    assert_eq!(end, UpdateKind::Failed(Failure::TimedOut(0)));
}

#[tokio::test]
async fn broken_streams_fail_clearly_and_keep_what_arrived() {
    let fake = FakeOpenAi::start(Answer::Stream(Vec::new())).await;
    let first =
        r#"data: {"choices":[{"index":0,"delta":{"content":"Part"},"finish_reason":null}]}"#;
    let cases: Vec<(String, Expect)> = vec![
        (
            format!("{first}\n\ndata: {{not json\n\n"),
            |f| matches!(f, Failure::Malformed(m) if m.contains("not JSON")),
        ),
        // llama.cpp: an error chunk, then the connection closes without [DONE].
        (
            format!(
                "{first}\n\ndata: {{\"error\":{{\"code\":500,\"message\":\"llama_decode failed\",\"type\":\"server_error\"}}}}\n\n"
            ),
            |f| matches!(f, Failure::Rejected { status: 500, message } if message == "llama_decode failed"),
        ),
        // vLLM: the error chunk, then [DONE] anyway.
        (
            format!(
                "{first}\n\ndata: {{\"error\":{{\"object\":\"error\",\"message\":\"Internal server error\",\"type\":\"InternalServerError\",\"code\":500}}}}\n\ndata: [DONE]\n\n"
            ),
            |f| matches!(f, Failure::Rejected { status: 500, .. }),
        ),
        // Cut off: no finish_reason, no [DONE].
        (
            format!("{first}\n\n"),
            |f| matches!(f, Failure::Malformed(m) if m.contains("ended before")),
        ),
    ];
    for (raw, expected) in cases {
        fake.answer(Answer::Raw(raw.clone()));
        let (text, end) = ask(&fake.base_url, Task::Summary).await;
        assert_eq!(text, "Part", "{raw}");
        match end {
            UpdateKind::Failed(failure) => assert!(expected(&failure), "{raw}: {failure:?}"),
            other => panic!("{raw}: expected a failure, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_null_error_field_and_a_stream_without_its_content_type_are_read() {
    let fake = FakeOpenAi::start(Answer::Stream(Vec::new())).await;
    let chunk = |text: &str, finish: &str| {
        format!(
            "data: {{\"error\":null,\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{text}\"}},\"finish_reason\":{finish}}}]}}\n\n"
        )
    };
    fake.answer(Answer::Raw(format!(
        "{}{}data: [DONE]\n\n",
        chunk("Hi ", "null"),
        chunk("there", "\"stop\"")
    )));
    assert_eq!(
        ask(&fake.base_url, Task::Reply).await,
        ("Hi there".into(), UpdateKind::Done)
    );
    fake.answer(Answer::Unlabelled(fakes::openai::stream_body(&pieces(&[
        "plain ", "proxy",
    ]))));
    assert_eq!(
        ask(&fake.base_url, Task::Reply).await,
        ("plain proxy".into(), UpdateKind::Done)
    );
}

#[tokio::test]
async fn a_key_echoed_by_the_server_is_masked_before_anyone_sees_it() {
    let fake = FakeOpenAi::start(Answer::Error {
        status: 401,
        body: r#"{"error":{"message":"key sk-test-123 is revoked"}}"#.into(),
        retry_after: None,
    })
    .await;
    let (_, end) = ask(&fake.base_url, Task::Summary).await;
    assert_eq!(
        end,
        UpdateKind::Failed(Failure::Unauthorized("key [redacted] is revoked".into()))
    );
}

#[tokio::test]
async fn marks_streamed_a_few_at_a_time_cannot_stack_up() {
    let mut stream = vec!["e".to_string()];
    stream.extend((0..200).map(|_| "\u{301}\u{301}".to_string()));
    stream.push(" ok".to_string());
    let fake = FakeOpenAi::start(Answer::Stream(stream)).await;
    let (text, end) = ask(&fake.base_url, Task::Summary).await;
    assert_eq!(end, UpdateKind::Done);
    assert!(
        text.chars().count() < 10,
        "{} chars: {text:?}",
        text.chars().count()
    );
    assert!(text.ends_with(" ok"));
}

#[tokio::test]
async fn hostile_output_is_neutralised_and_bounded() {
    let fake = FakeOpenAi::start(Answer::Stream(pieces(&[
        "\u{1b}]52;c;cHduZWQ=\u{7}Hi",
        "\u{202e} there\u{1b}[2J",
    ])))
    .await;
    let (text, end) = ask(&fake.base_url, Task::Reply).await;
    assert_eq!((text.as_str(), end), ("Hi there", UpdateKind::Done));

    let huge = "x".repeat(8 * 1024);
    fake.answer(Answer::Stream(vec![huge; 10]));
    let (text, end) = ask(&fake.base_url, Task::Summary).await;
    assert_eq!(text.len(), MAX_ANSWER_BYTES);
    assert_eq!(end, UpdateKind::Failed(Failure::TooLong));
}

#[tokio::test]
async fn a_server_without_structured_output_is_asked_again_without_it() {
    let answer = r#"Here you go: {"questions":[{"text":"Where is order #A1?","asked_by":"customer","message":1,"answered":false}],"action_items":[],"follow_ups":[],"entities":[]}"#;
    let fake = FakeOpenAi::start(Answer::RefuseSchema(vec![answer.to_string()])).await;
    let (text, end) = ask(&fake.base_url, Task::Insights).await;
    assert_eq!(end, UpdateKind::Done);
    assert_eq!(text, answer);
    let seen = fake.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].body["response_format"]["type"], "json_schema");
    assert!(seen[1].body["response_format"].is_null());
}

#[tokio::test]
async fn cancelling_hangs_up_and_stops_the_updates() {
    let fake = FakeOpenAi::start(Answer::Slow {
        pieces: (0..100).map(|i| format!("word{i} ")).collect(),
        first: Duration::ZERO,
        every: Duration::from_millis(50),
    })
    .await;
    let client = HttpAssistant::new(settings(&fake.base_url)).expect("client");
    let (sender, mut updates) = mpsc::channel::<Update>(1024);
    let runner = switchboard::assist::spawn(Backend::Http(std::sync::Arc::new(client)), sender);
    assert!(runner.send(Command::Start(request(Task::Summary))));
    let first = tokio::time::timeout(WAIT, updates.recv())
        .await
        .expect("a piece");
    assert!(matches!(first.map(|u| u.kind), Some(UpdateKind::Delta(_))));
    assert!(runner.send(Command::Cancel(7)));
    let deadline = tokio::time::Instant::now() + WAIT;
    while !fake.hung_up() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the connection was closed"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Whatever was already queued may still be read; nothing ends the request after it.
    while let Ok(update) = updates.try_recv() {
        assert!(matches!(update.kind, UpdateKind::Delta(_)), "{update:?}");
    }
    let later = tokio::time::timeout(Duration::from_millis(200), updates.recv()).await;
    assert!(later.is_err(), "no update after the hang-up: {later:?}");
}

#[tokio::test]
async fn from_a_key_press_to_the_pane_through_a_running_session() {
    use switchboard::app::{App, Event, Key, KeyCode, assist::AnswerState};
    use switchboard::config::Config;
    use switchboard::runtime::{Session, StartOptions};

    let fake = FakeOpenAi::start(Answer::Stream(pieces(&["Ada asks ", "about order 1042."]))).await;
    let toml = format!(
        "[hub]\ndemo = false\n\n[assist]\nbase_url = \"{}\"\nmodel = \"llama3.2\"\nmax_messages = 5\n",
        fake.base_url
    );
    let config = Config::parse(&toml, std::path::Path::new("test.toml")).expect("config");
    let mut session = Session::start(&config, &StartOptions::ephemeral())
        .await
        .expect("session starts");
    assert!(session.app.assist.enabled);
    let hub = session.hub.as_ref().expect("hub");
    let created = reqwest::Client::new()
        .post(format!("{}/simulate/inbound", hub.base_url()))
        .header("X-API-Key", hub.api_key())
        .json(&serde_json::json!({"channelType":"telegram","from":"@ada","name":"Ada","text":"Where is my order 1042?"}))
        .send()
        .await
        .expect("hub reachable");
    assert_eq!(created.status().as_u16(), 201);
    assert!(
        session
            .pump_until(WAIT, |app| app
                .inbox
                .iter()
                .any(|(_, e)| !e.thread.is_empty()))
            .await
    );
    session.apply(Event::Key(Key::plain(KeyCode::Enter)));
    session.apply(Event::Key(Key::plain(KeyCode::Esc)));
    session.apply(Event::Key(Key::ch('S')));
    let summary = |app: &App| {
        let key = app.view.open.as_ref()?;
        app.assist.entry(key)?.summary.clone()
    };
    assert!(
        session
            .pump_until(WAIT, |app| summary(app)
                .is_some_and(|s| s.state == AnswerState::Done))
            .await,
        "the summary arrived: {:?}",
        summary(&session.app)
    );
    assert_eq!(
        summary(&session.app).map(|s| s.text),
        Some("Ada asks about order 1042.".into())
    );
    let seen = fake.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].authorization, None, "a local server gets no key");
    let sent = seen[0].body.to_string();
    assert!(sent.contains("Where is my order 1042?"));
    assert!(
        !sent.contains("@ada"),
        "identities stay home by default: {sent}"
    );
    session.shutdown();
}
