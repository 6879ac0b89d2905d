//! The push receiver (§4.4.1): Vumi Go POSTs one vumi message or event per request to the
//! conversation's `push_message_url` / `push_event_url`. Both may point here (any path): the body
//! says which it is. There is no signature, only the Basic credentials Vumi takes from the URL's
//! userinfo, so they are checked on every request.
//!
//! Answers follow Vumi's retry rules: 2xx = done; a malformed body gets 400 (not retried, since
//! it would fail again); 401 for wrong credentials; 503 while the provider is gone (retried).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use super::stream::Report;
use super::wire::parse_incoming;
use crate::providers::receiver::{self, Limits, RefusalLog};

/// The Basic credentials Vumi Go must present (the userinfo of the push URLs).
#[derive(Clone)]
pub struct PushCredentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for PushCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

struct Receiver {
    expected: String,
    reports: mpsc::Sender<Report>,
    refusals: RefusalLog,
}

/// Serves pushes on `listener` until the provider goes away.
pub async fn serve(
    listener: TcpListener,
    credentials: PushCredentials,
    reports: mpsc::Sender<Report>,
) {
    let pair = format!("{}:{}", credentials.username, credentials.password);
    let expected = base64::engine::general_purpose::STANDARD.encode(pair);
    let state = Arc::new(Receiver {
        expected,
        reports,
        refusals: RefusalLog::new("Vumi push receiver"),
    });
    let app = Router::new().fallback(receive).with_state(state);
    receiver::serve(listener, app, Limits::default(), "Vumi push receiver").await;
}

async fn receive(State(receiver): State<Arc<Receiver>>, request: Request) -> Response {
    if request.method() != Method::POST {
        return (StatusCode::METHOD_NOT_ALLOWED, "POST one vumi message\n").into_response();
    }
    // The credentials are in the headers: checked before a byte of the body is read.
    if !authorised(request.headers(), &receiver.expected) {
        receiver.refusals.note("missing or wrong credentials");
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Basic realm=\"switchboard\"")],
            "wrong credentials\n",
        )
            .into_response();
    }
    let Some(body) = receiver::read_body(request).await else {
        receiver.refusals.note(receiver::BODY_REFUSED);
        return (StatusCode::PAYLOAD_TOO_LARGE, "body too large\n").into_response();
    };
    let text = String::from_utf8_lossy(&body);
    let report = match parse_incoming(&text) {
        Ok(incoming) => Report::Incoming(incoming),
        Err(reason) => {
            let garbage = Report::Garbage {
                source: "push".to_string(),
                reason: reason.clone(),
            };
            let _ = receiver.reports.try_send(garbage);
            return (StatusCode::BAD_REQUEST, format!("{reason}\n")).into_response();
        }
    };
    // Never waits on the provider: with no room, Vumi Go is asked to retry (it does on 5xx).
    match receiver.reports.try_send(report) {
        Ok(()) => (StatusCode::OK, "{\"success\":true}").into_response(),
        Err(mpsc::error::TrySendError::Full(_)) => {
            receiver.refusals.note("inbox busy; asked Vumi Go to retry");
            (StatusCode::SERVICE_UNAVAILABLE, "inbox busy\n").into_response()
        }
        Err(mpsc::error::TrySendError::Closed(_)) => {
            (StatusCode::SERVICE_UNAVAILABLE, "inbox stopping\n").into_response()
        }
    }
}

/// Checks `Authorization: Basic …` against the expected pair, in time independent of where they
/// differ.
fn authorised(headers: &HeaderMap, expected: &str) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Basic "))
    else {
        return false;
    };
    let given = given.trim().as_bytes();
    let expected = expected.as_bytes();
    if given.len() != expected.len() {
        return false;
    }
    given
        .iter()
        .zip(expected)
        .fold(0u8, |diff, (a, b)| diff | (a ^ b))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_right_basic_pair_passes() {
        let expected = base64::engine::general_purpose::STANDARD.encode("vumi:s3cret");
        let mut headers = HeaderMap::new();
        assert!(!authorised(&headers, &expected));
        headers.insert(
            header::AUTHORIZATION,
            format!("Basic {expected}").parse().expect("header"),
        );
        assert!(authorised(&headers, &expected));
        let wrong = base64::engine::general_purpose::STANDARD.encode("vumi:guess");
        headers.insert(
            header::AUTHORIZATION,
            format!("Basic {wrong}").parse().expect("header"),
        );
        assert!(!authorised(&headers, &expected));
    }
}
