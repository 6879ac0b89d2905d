//! Property tests for everything that reads untrusted bytes: the sanitiser and every wire
//! parser. No input may panic, and nothing a parser hands on may carry an escape byte, another
//! control character or an invisible formatting character.
//!
//! Adding a parser (Sinch webhooks, Vumi NDJSON lines…) takes one line in [`PARSERS`] and a
//! function that parses one input and returns every string it would show.

use proptest::prelude::*;
use switchboard::providers::linktor::convert;
use switchboard::providers::linktor::socket::{self, Incoming};
use switchboard::providers::linktor::wire::ServerFrame;
use switchboard::text::{MAX_TEXT_BYTES, sanitize, sanitize_line};

/// Parses one input and returns every string it would put on screen.
type Parser = fn(&str) -> Vec<String>;

/// Every wire parser, by name.
const PARSERS: &[(&str, Parser)] = &[("linktor frame", linktor_frame)];

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
