//! Property tests for everything that reads untrusted bytes: the sanitiser and every wire
//! parser. No input may panic, and nothing a parser hands on may carry an escape byte, another
//! control character or an invisible formatting character.
//!
//! Adding a parser (Sinch webhooks, Vumi NDJSON lines…) takes one line in [`PARSERS`] and a
//! function that parses one input and returns every string it would show.

use proptest::prelude::*;
use switchboard::model::{AccountId, Conversation, Message};
use switchboard::providers::linktor::convert;
use switchboard::providers::linktor::socket::{self, Incoming};
use switchboard::providers::linktor::wire::ServerFrame;
use switchboard::providers::sinch::{convert as sinch_convert, webhook};
use switchboard::providers::vumi::convert as vumi_convert;
use switchboard::providers::vumi::lines::{Line, LineAssembler};
use switchboard::providers::vumi::wire::{Incoming as VumiIncoming, parse_incoming};
use switchboard::text::{MAX_TEXT_BYTES, sanitize, sanitize_line};

/// Parses one input and returns every string it would put on screen.
type Parser = fn(&str) -> Vec<String>;

/// Every wire parser, by name.
const PARSERS: &[(&str, Parser)] = &[
    ("linktor frame", linktor_frame),
    ("sinch webhook", sinch_webhook_text),
    ("vumi stream", vumi_stream_text),
];

fn linktor_frame(input: &str) -> Vec<String> {
    let Incoming::Frame(frame) = socket::parse(input) else {
        return Vec::new();
    };
    match *frame {
        ServerFrame::Message { message, .. } => {
            let message = convert::message(&message, "Contact", "You");
            vec![
                message.sender,
                message.content.preview(),
                message.failure.unwrap_or_default(),
            ]
        }
        _ => Vec::new(),
    }
}

/// Characters that must never reach the terminal: controls other than newline (C0, DEL, C1),
/// bidi embeddings/overrides/isolates, zero-width and tag characters.
fn forbidden(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c,
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}' | '\u{200c}'
            | '\u{200e}' | '\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{61c}'
            | '\u{e0000}'..='\u{e007f}' | '\u{2028}' | '\u{2029}')
}

/// Text built from the pieces attacks are made of, mixed with ordinary characters.
fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\u{1b}".to_string()),
        Just("\u{1b}[".to_string()),
        Just("\u{1b}]0;".to_string()),
        Just("\u{1b}]8;;https://evil.example/\u{1b}\\".to_string()),
        Just("\u{1b}P".to_string()),
        Just("\u{9b}".to_string()),
        Just("\u{9d}".to_string()),
        Just("\u{7}".to_string()),
        Just("\\".to_string()),
        Just("31m".to_string()),
        Just("\r".to_string()),
        Just("\n".to_string()),
        Just("\t".to_string()),
        Just("\u{202e}".to_string()),
        Just("\u{2066}".to_string()),
        Just("\u{200b}".to_string()),
        Just("\u{feff}".to_string()),
        Just("\u{e0041}".to_string()),
        Just("\u{2028}".to_string()),
        any::<char>().prop_map(String::from),
        "[a-z ]{1,8}",
    ];
    prop::collection::vec(piece, 0..48).prop_map(|pieces| pieces.concat())
}

/// A Linktor message frame around `text`, as JSON (escapes arrive as `\u001b` and decode back).
fn message_frame(text: &str, sender: &str) -> String {
    serde_json::json!({
        "type": "message",
        "conversationId": "c1",
        "message": {
            "id": "m1", "conversationId": "c1", "direction": "inbound", "contentType": "text",
            "content": {"text": text}, "status": "delivered", "senderType": "contact",
            "senderId": sender, "metadata": {"name": sender},
            "createdAt": "2026-01-01T00:00:00Z"
        }
    })
    .to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn sanitised_text_holds_nothing_the_terminal_would_act_on(input in hostile_text()) {
        let out = sanitize(&input);
        prop_assert!(!out.chars().any(forbidden), "{:?} → {:?}", input, out);
        prop_assert!(!sanitize_line(&input).contains('\n'));
        prop_assert_eq!(sanitize(&out), out.clone(), "sanitising twice changes nothing");
    }

    #[test]
    fn any_unicode_is_sanitised_without_panicking(input in any::<String>()) {
        let out = sanitize(&input);
        prop_assert!(!out.chars().any(forbidden));
        prop_assert!(out.len() <= input.len().max(MAX_TEXT_BYTES + 64));
    }

    #[test]
    fn every_parser_takes_any_text(input in any::<String>()) {
        for (name, parse) in PARSERS {
            for shown in parse(&input) {
                prop_assert!(!shown.chars().any(forbidden), "{}: {:?}", name, shown);
            }
        }
    }

    #[test]
    fn every_parser_takes_json_shaped_noise(input in r#"[\[\]{}":,0-9a-z\\ ]{0,200}"#) {
        for (_, parse) in PARSERS {
            parse(&input);
        }
    }

    #[test]
    fn hostile_text_inside_a_valid_frame_comes_out_clean(
        text in hostile_text(),
        sender in hostile_text(),
    ) {
        let frame = message_frame(&text, &sender);
        let shown = linktor_frame(&frame);
        prop_assert!(!shown.is_empty(), "a valid frame parses: {}", frame);
        for s in shown {
            prop_assert!(!s.chars().any(forbidden), "{:?}", s);
        }
    }
}

// ----- Sinch webhooks (protocols.md §1.6, §1.7) and Vumi NDJSON lines (§4.4, §4.5) -------------

/// Every string a message puts on screen.
fn shown_message(message: Message) -> Vec<String> {
    vec![
        message.id,
        message.client_id.unwrap_or_default(),
        message.sender,
        message.content.preview(),
        message.failure.unwrap_or_default(),
    ]
}

/// Every string a conversation puts on screen (list, header, details pane) but its key, which
/// is the platform's address for it and is kept as sent.
fn shown_conversation(conversation: Conversation) -> Vec<String> {
    let mut shown = vec![
        conversation.contact.id,
        conversation.contact.name,
        conversation.contact.identity,
        conversation.channel.label().to_string(),
        conversation.last_message.unwrap_or_default(),
    ];
    for (key, value) in conversation.metadata {
        shown.push(key);
        shown.push(value);
    }
    shown
}

/// A Sinch callback body as the receiver reads it once its signature checked out, and what the
/// provider would show of it (pushes.rs: message, delivery report, conversation start/stop,
/// capability; a typing event shows only the contact, which comes from the contact listing).
fn sinch_webhook(body: &[u8]) -> Vec<String> {
    let Ok(callback) = webhook::parse(body) else {
        return Vec::new();
    };
    let account = AccountId::new("sinch");
    let mut shown = Vec::new();
    if let Some(message) = &callback.message {
        shown.extend(shown_message(sinch_convert::message(
            message, "Contact", "You",
        )));
    }
    if let Some(report) = &callback.message_delivery_report
        && let Some((_, reason)) = sinch_convert::delivery(report)
    {
        shown.push(reason.unwrap_or_default());
    }
    for notification in [
        &callback.conversation_start_notification,
        &callback.conversation_stop_notification,
    ]
    .into_iter()
    .flatten()
    {
        let wire = &notification.conversation;
        let contact = sinch_convert::unknown_contact(&wire.contact_id);
        shown.extend(shown_conversation(sinch_convert::conversation(
            &account, wire, contact,
        )));
    }
    if let Some(capability) = &callback.capability_notification {
        shown.push(sinch_convert::capability_summary(capability));
    }
    shown
}

fn sinch_webhook_text(input: &str) -> Vec<String> {
    sinch_webhook(input.as_bytes())
}

/// Bytes of a Vumi stream, cut into lines as the stream reader does (chunks of `chunk` bytes),
/// each line parsed, and what the provider would show of it (inbound.rs, outbound.rs).
fn vumi_stream(bytes: &[u8], chunk: usize) -> Vec<String> {
    let mut assembler = LineAssembler::new(64 * 1024);
    let mut lines = Vec::new();
    for piece in bytes.chunks(chunk.max(1)) {
        lines.extend(assembler.push(piece));
    }
    lines.extend(assembler.push(b"\n"));
    let account = AccountId::new("vumi");
    let now = time::OffsetDateTime::UNIX_EPOCH;
    let mut shown = Vec::new();
    for line in lines {
        let Line::Text(text) = line else { continue };
        match parse_incoming(&text) {
            Ok(VumiIncoming::Message(message)) => {
                let (transport, address) = vumi_convert::inbound_key(&message);
                shown.push(vumi_convert::conversation_id(&transport, &address));
                let at = vumi_convert::message_time(&message, now);
                shown.extend(shown_message(vumi_convert::inbound_message(&message, at)));
                shown.extend(shown_message(vumi_convert::outbound_message(
                    &message, "c-1", "You", "", at,
                )));
                let facts = vumi_convert::ConversationFacts {
                    transport,
                    address,
                    our_address: message.to_addr.as_deref().map(sanitize_line),
                    session: vumi_convert::SessionState::after(
                        None,
                        message.session_event.as_deref(),
                    ),
                    unread: 1,
                    last_at: Some(at),
                };
                shown.extend(shown_conversation(vumi_convert::conversation(
                    &account, &facts,
                )));
            }
            Ok(VumiIncoming::Event(event)) => {
                shown.push(sanitize_line(&event.user_message_id));
                if let Some((_, reason)) = vumi_convert::event_status(&event) {
                    shown.push(reason.unwrap_or_default());
                }
            }
            Err(reason) => shown.push(reason),
        }
    }
    shown
}

fn vumi_stream_text(input: &str) -> Vec<String> {
    vumi_stream(input.as_bytes(), input.len())
}

/// Valid Sinch callbacks of every kind the inbox reads, around hostile `text` and `name`.
fn sinch_documents(text: &str, name: &str) -> Vec<serde_json::Value> {
    use serde_json::json;
    let envelope = |key: &str, payload: serde_json::Value| {
        let mut body = json!({
            "app_id": "APP1", "project_id": "proj-1",
            "accepted_time": "2020-11-17T16:05:51.724083Z", "event_time": "2020-11-17T16:05:45Z",
            "message_metadata": text, "correlation_id": name
        });
        body[key] = payload;
        body
    };
    let conversation = json!({
        "id": "CONV", "app_id": name, "contact_id": name, "active": true,
        "active_channel": text, "last_received": "2020-11-17T15:00:00Z",
        "metadata": text, "metadata_json": {name: text, "n": 1}, "correlation_id": name
    });
    vec![
        envelope(
            "message",
            json!({
                "id": name, "direction": "TO_APP", "conversation_id": "CONV", "contact_id": "C1",
                "channel_identity": {"channel": "SMS", "identity": name, "app_id": ""},
                "app_message": null,
                "contact_message": {"text_message": {"text": text}, "reply_to": null},
                "metadata": format!("switchboard:{name}"), "accept_time": "2024-02-22T07:40:46Z",
                "sender_id": "", "processing_mode": "CONVERSATION", "injected": false
            }),
        ),
        envelope(
            "message",
            json!({
                "id": "M2", "direction": "TO_APP", "conversation_id": "CONV", "contact_id": "C1",
                "contact_message": {"media_message": {"url": text, "filename_override": name}},
                "metadata": "", "accept_time": text
            }),
        ),
        envelope(
            "message_delivery_report",
            json!({
                "message_id": name, "conversation_id": "CONV", "status": "FAILED",
                "channel_identity": {"channel": "SMS", "identity": "1", "app_id": ""},
                "contact_id": "C1", "metadata": text, "processing_mode": "CONVERSATION",
                "reason": {"code": name, "description": text, "sub_code": "", "channel_code": ""}
            }),
        ),
        envelope(
            "event",
            json!({
                "id": "E1", "direction": "TO_APP", "contact_id": name, "conversation_id": "CONV",
                "accept_time": text, "processing_mode": "CONVERSATION",
                "contact_event": {"composing_event": {}}
            }),
        ),
        envelope(
            "conversation_start_notification",
            json!({"conversation": conversation}),
        ),
        envelope(
            "conversation_stop_notification",
            json!({"conversation": conversation}),
        ),
        envelope(
            "capability_notification",
            json!({
                "contact_id": "C1", "identity": name, "channel": text,
                "capability_status": "CAPABILITY_PARTIAL", "request_id": "CONV",
                "channel_capabilities": [], "reason": {"code": name, "description": text}
            }),
        ),
    ]
}

/// Valid Vumi stream lines: an inbound message and each kind of event, around hostile text.
fn vumi_documents(text: &str, name: &str) -> Vec<serde_json::Value> {
    use serde_json::json;
    let event = |kind: &str, extra: serde_json::Value| {
        let mut body = json!({
            "message_version": "20110921", "message_type": "event",
            "timestamp": "2014-10-28 16:19:37.485612", "event_id": name, "event_type": kind,
            "user_message_id": name, "helper_metadata": {}, "routing_metadata": {}
        });
        if let (Some(target), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            target.extend(extra.clone());
        }
        body
    };
    vec![
        json!({
            "message_version": "20110921", "message_type": "user_message",
            "timestamp": "2014-10-28 16:19:37.485612", "message_id": name, "in_reply_to": null,
            "session_event": "new", "to_addr": text, "to_addr_type": "msisdn",
            "from_addr": name, "from_addr_type": null, "content": text,
            "transport_name": name, "transport_type": text, "transport_metadata": {},
            "helper_metadata": {}, "routing_metadata": {}, "group": null, "provider": null
        }),
        event("ack", json!({"sent_message_id": text})),
        event("nack", json!({"nack_reason": text})),
        event("delivery_report", json!({"delivery_status": "failed"})),
    ]
}

/// One change to a document's bytes: flip a bit, cut it short, drop, repeat or insert a byte.
#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Remove(usize),
    Duplicate(usize, usize),
    Insert(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, bit)| Mutation::Flip(at, 1 << (bit % 8))),
        any::<usize>().prop_map(Mutation::Truncate),
        any::<usize>().prop_map(Mutation::Remove),
        (any::<usize>(), 1usize..64).prop_map(|(at, len)| Mutation::Duplicate(at, len)),
        (
            any::<usize>(),
            prop_oneof![
                Just(0x1bu8),
                Just(b'"'),
                Just(b'\\'),
                Just(b'{'),
                Just(b'\n'),
                Just(0xc3),
                Just(0xff),
                Just(0x9b),
                any::<u8>()
            ]
        )
            .prop_map(|(at, byte)| Mutation::Insert(at, byte)),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for change in mutations {
        let len = bytes.len();
        let at = |i: usize| if len == 0 { 0 } else { i % len };
        match *change {
            Mutation::Flip(i, bit) if len > 0 => bytes[at(i)] ^= bit,
            Mutation::Truncate(i) => bytes.truncate(at(i)),
            Mutation::Remove(i) if len > 0 => {
                bytes.remove(at(i));
            }
            Mutation::Duplicate(i, n) if len > 0 => {
                let start = at(i);
                let end = (start + n).min(len);
                let copy = bytes[start..end].to_vec();
                bytes.splice(end..end, copy);
            }
            Mutation::Insert(i, byte) => bytes.insert(at(i).min(len), byte),
            _ => {}
        }
    }
    bytes
}

fn assert_clean(name: &str, shown: &[String]) -> Result<(), TestCaseError> {
    for s in shown {
        prop_assert!(!s.chars().any(forbidden), "{}: {:?}", name, s);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn sinch_webhooks_and_vumi_lines_take_any_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..512),
        chunk in 1usize..64,
    ) {
        assert_clean("sinch webhook", &sinch_webhook(&bytes))?;
        assert_clean("vumi stream", &vumi_stream(&bytes, chunk))?;
    }

    #[test]
    fn hostile_text_in_valid_sinch_callbacks_comes_out_clean(
        text in hostile_text(),
        name in hostile_text(),
    ) {
        for document in sinch_documents(&text, &name) {
            let body = document.to_string();
            prop_assert!(webhook::parse(body.as_bytes()).is_ok(), "valid: {}", body);
            let shown = sinch_webhook(body.as_bytes());
            assert_clean("sinch webhook", &shown)?;
        }
        // The message and the delivery report each show something (the text, the reason).
        let documents = sinch_documents(&text, &name);
        prop_assert!(!sinch_webhook(documents[0].to_string().as_bytes()).is_empty());
        prop_assert!(!sinch_webhook(documents[2].to_string().as_bytes()).is_empty());
    }

    #[test]
    fn mutated_sinch_callbacks_never_panic_or_leak_escapes(
        text in hostile_text(),
        name in hostile_text(),
        which in 0usize..7,
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let documents = sinch_documents(&text, &name);
        let body = mutate(documents[which % documents.len()].to_string().into_bytes(), &mutations);
        assert_clean("sinch webhook", &sinch_webhook(&body))?;
    }

    #[test]
    fn mutated_vumi_lines_never_panic_or_leak_escapes(
        text in hostile_text(),
        name in hostile_text(),
        mutations in prop::collection::vec(mutation(), 1..6),
        chunk in 1usize..97,
    ) {
        // The whole stream (every document on its own line), mutated as one, so a mutation
        // can also join or split lines.
        let mut stream = Vec::new();
        for document in vumi_documents(&text, &name) {
            stream.extend(document.to_string().into_bytes());
            stream.push(b'\n');
        }
        let clean = vumi_stream(&stream, chunk);
        prop_assert!(clean.len() >= 4, "every valid line parses: {:?}", clean);
        assert_clean("vumi stream", &clean)?;
        assert_clean("vumi stream", &vumi_stream(&mutate(stream, &mutations), chunk))?;
    }

    #[test]
    fn the_sinch_signature_check_holds_for_any_input(
        secret in ".{0,40}",
        body in prop::collection::vec(any::<u8>(), 0..256),
        nonce in ".{0,40}",
        timestamp in "[0-9]{0,12}",
        forged in ".{0,64}",
        flip in any::<(usize, u8)>(),
    ) {
        let signature = webhook::sign(&secret, &body, &nonce, &timestamp);
        prop_assert!(webhook::verify(&secret, &body, &nonce, &timestamp, &signature));
        // Any arbitrary signature string is answered (never a panic), and only the right one
        // passes.
        let accepted = webhook::verify(&secret, &body, &nonce, &timestamp, &forged);
        prop_assert_eq!(accepted, forged.trim() == signature);
        // One changed bit of the body, and the signature no longer matches.
        if !body.is_empty() {
            let mut tampered = body.clone();
            let at = flip.0 % tampered.len();
            tampered[at] ^= 1 << (flip.1 % 8);
            prop_assert!(!webhook::verify(&secret, &tampered, &nonce, &timestamp, &signature));
        }
        let later = format!("{}1", timestamp);
        prop_assert!(!webhook::verify(&secret, &body, &nonce, &later, &signature));
    }
}
