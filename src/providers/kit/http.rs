//! HTTP rules every provider's client follows, so a credential never leaves for a place the
//! user did not name and a server's id never steers a request somewhere else.

use std::borrow::Cow;
use std::time::Duration;

/// How every request names us.
pub const USER_AGENT: &str = concat!("switchboard/", env!("CARGO_PKG_VERSION"));

/// The HTTP client every provider uses: rustls, redirects only within the origin, a User-Agent
/// that names us, and the given timeouts (`whole: None` for streams that stay open for hours).
/// The error is a reason for the status bar.
pub fn client(whole: Option<Duration>, connect: Duration) -> Result<reqwest::Client, String> {
    crate::providers::tls::install_crypto_provider();
    let builder = reqwest::Client::builder()
        .redirect(same_origin_redirects())
        .connect_timeout(connect)
        .user_agent(USER_AGENT);
    let builder = match whole {
        Some(timeout) => builder.timeout(timeout),
        None => builder,
    };
    builder
        .build()
        .map_err(|err| format!("could not build the HTTP client: {err}"))
}

/// Redirects are followed only within the origin they start from (scheme, host and port).
/// Each provider sends credentials as headers (`X-API-Key`, a bearer token) or in the body (a
/// login), and reqwest strips only `Authorization` on a cross-host redirect: another origin
/// would receive the rest. A redirect elsewhere comes back as the 3xx itself, an error that
/// names where it pointed.
pub fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if !same_origin || attempt.previous().len() > 5 {
            attempt.stop()
        } else {
            attempt.follow()
        }
    })
}

/// An id that cannot be one path segment: `.` and `..` (also written `%2e`) are path steps
/// that every URL parser resolves, so `/conversations/../messages` would ask for `/messages`.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("the id {0:?} cannot name a resource in a URL path")]
pub struct UnaddressableId(pub String);

/// Percent-encodes an id for use as exactly one path segment.
pub fn segment(id: &str) -> Result<String, UnaddressableId> {
    if id.is_empty() || id == "." || id == ".." {
        return Err(UnaddressableId(crate::text::sanitize_line(id)));
    }
    Ok(encode_component(id))
}

/// Percent-encodes everything but RFC 3986's unreserved characters, so the value stays one
/// query value or path segment whatever it holds (`&`, `=`, `/`, `#`, spaces, non-ASCII).
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Whether a base URL would carry credentials in the clear: `http://` to anything but a
/// loopback address. The account still starts (a local proxy or a lab setup may be meant),
/// with a warning on screen and in the log.
pub fn plain_text_warning(field: &str, base_url: &str) -> Option<String> {
    let url = reqwest::Url::parse(base_url).ok()?;
    if url.scheme() != "http" {
        return None;
    }
    let host = url.host_str().unwrap_or_default();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    (!loopback).then(|| {
        format!(
            "{field} is plain http:// ({}): credentials and messages cross the network unencrypted; use https://",
            crate::text::sanitize_line(base_url)
        )
    })
}

/// Why a body could not be read whole.
#[derive(Debug)]
pub enum BodyError {
    /// Over the limit, by its announced length or while reading.
    TooLarge {
        limit_mib: usize,
    },
    Transport(reqwest::Error),
}

/// The body as text, at most `limit` bytes (checked against the announced length first, then
/// while reading, so a hostile server cannot exhaust memory); invalid UTF-8 is replaced rather
/// than fatal.
pub async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<String, BodyError> {
    let too_large = || BodyError::TooLarge {
        limit_mib: limit >> 20,
    };
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// The innermost cause of a transport error ("connection refused"), which says more than
/// reqwest's outer message: sanitised, lower-cased at the start to read inside a sentence, and
/// cut to 200 characters.
pub fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(source) = current.source() {
        current = source;
    }
    let text: String = crate::text::sanitize_line(&current.to_string())
        .chars()
        .take(200)
        .collect();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => crate::text::sanitize_line(&err.to_string()),
    }
}

/// JSON text with unpaired UTF-16 surrogate escapes (`"\ud800"`, which some servers emit for a
/// broken name) replaced by `\ufffd`: serde_json refuses them, and one bad name would otherwise
/// fail a whole listing. Borrowed when there is nothing to replace.
pub fn repair_lone_surrogates(text: &str) -> Cow<'_, str> {
    if !text.contains("\\u") && !text.contains("\\U") {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let unit_at = |i: usize| -> Option<u16> {
        if bytes.get(i) == Some(&b'\\') && matches!(bytes.get(i + 1), Some(b'u')) {
            let hex = text.get(i + 2..i + 6)?;
            u16::from_str_radix(hex, 16).ok()
        } else {
            None
        }
    };
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if let Some(unit) = unit_at(i) {
                let high = (0xD800..0xDC00).contains(&unit);
                let low = (0xDC00..0xE000).contains(&unit);
                let paired = high && unit_at(i + 6).is_some_and(|u| (0xDC00..0xE000).contains(&u));
                if paired {
                    out.push_str(&text[i..i + 12]);
                    i += 12;
                    continue;
                }
                if high || low {
                    out.push_str("\\ufffd");
                    changed = true;
                } else {
                    out.push_str(&text[i..i + 6]);
                }
                i += 6;
                continue;
            }
            // Any other escape: copy it whole so an escaped backslash is not read again.
            let end = (i + 2).min(bytes.len());
            out.push_str(&text[i..end]);
            i = end;
            continue;
        }
        let next = text[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&text[i..i + next]);
        i += next;
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_one_segment_and_dot_steps_are_refused() {
        assert_eq!(segment("c-1_a.b~").as_deref(), Ok("c-1_a.b~"));
        assert_eq!(segment("a/b c").as_deref(), Ok("a%2Fb%20c"));
        assert_eq!(segment("...").as_deref(), Ok("..."));
        for step in [".", "..", ""] {
            assert!(segment(step).is_err(), "{step:?}");
        }
        // What the encoding is for: the URL keeps the id as its own segment.
        let url = reqwest::Url::parse(&format!(
            "http://h/conversations/{}/messages",
            segment("a/../b").expect("addressable")
        ))
        .expect("url");
        assert_eq!(url.path(), "/conversations/a%2F..%2Fb/messages");
    }

    #[test]
    fn plain_http_is_flagged_except_on_loopback() {
        assert!(plain_text_warning("base_url", "http://example.com").is_some());
        assert!(plain_text_warning("base_url", "http://10.0.0.2:8080/api").is_some());
        for quiet in [
            "https://example.com",
            "http://127.0.0.1:7300",
            "http://localhost:7300",
            "http://[::1]:7300",
        ] {
            assert!(plain_text_warning("base_url", quiet).is_none(), "{quiet}");
        }
    }

    #[test]
    fn lone_surrogates_are_replaced_and_pairs_kept() {
        let broken = r#"{"name":"Ad\ud800a","ok":"\ud83d\ude00","esc":"\\ud800"}"#;
        let repaired = repair_lone_surrogates(broken);
        let value: serde_json::Value = serde_json::from_str(&repaired).expect("parses");
        assert_eq!(value["name"], "Ad\u{fffd}a");
        assert_eq!(value["ok"], "😀");
        assert_eq!(
            value["esc"], "\\ud800",
            "an escaped backslash is text, not an escape"
        );
        assert!(matches!(
            repair_lone_surrogates(r#"{"a":"\u00e9"}"#),
            Cow::Borrowed(_)
        ));
    }
}
