//! The Symbl wire contract (`../shared/protocols.md` §3): token generation, the async Text API
//! and its jobs, the Conversation API (including that trackers come back as a top-level array),
//! and the streaming WebSocket frames. Field names are exact (camelCase); fields Symbl may leave
//! out default, so a sparse answer still reads. The fake server in the tests does not use
//! these types: it answers with the documented JSON, so a misspelt field here fails a test.

use serde::{Deserialize, Serialize};
use serde_json::Value;

// ----- auth (§3.1) ------------------------------------------------------------------------------

/// `POST /oauth2/token:generate` body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRequest {
    /// Always `application`.
    #[serde(rename = "type")]
    pub kind: String,
    pub app_id: String,
    pub app_secret: String,
}

impl TokenRequest {
    pub fn application(app_id: &str, app_secret: &str) -> Self {
        Self {
            kind: "application".to_string(),
            app_id: app_id.to_string(),
            app_secret: app_secret.to_string(),
        }
    }
}

/// The 200 answer: the token and its remaining lifetime in seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    pub access_token: String,
    /// Whole seconds left. §3.1 shows `"expiresIn":86400`, but it is a plain JSON number and
    /// may carry a fraction (`86400.0`, `3599.5`); a bare `u64` refused those and so failed
    /// every token call. Read by [`read_expires_in`].
    #[serde(deserialize_with = "read_expires_in")]
    pub expires_in: u64,
    /// Spelled this way in Symbl's swagger model.
    #[serde(
        default,
        rename = "refershToken",
        skip_serializing_if = "Option::is_none"
    )]
    pub refersh_token: Option<String>,
}

/// The longest token lifetime believed (a year; Symbl's tokens live 24 h, §3.1). Larger claims
/// are capped so that "now + lifetime" can never overflow the clock.
pub const MAX_EXPIRES_IN: u64 = 365 * 24 * 60 * 60;

/// `expiresIn` from any JSON number (protocols.md §3.1): a fraction is dropped (renew a little
/// early, never late), a negative value reads as 0, an absurd one as [`MAX_EXPIRES_IN`].
fn read_expires_in<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    let seconds = match (number.as_u64(), number.as_f64()) {
        (Some(whole), _) => whole,
        // `as` saturates: 1e300 becomes u64::MAX, then the cap.
        (None, Some(float)) if float.is_finite() && float > 0.0 => float.floor() as u64,
        _ => 0,
    };
    Ok(seconds.min(MAX_EXPIRES_IN))
}

/// Both error models of the swagger files: `Error {code, message, url}` and
/// `GenericError {message}`. The exact body per status is unconfirmed, so all are optional.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub code: Option<Value>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

// ----- async Text API and jobs (§3.3) -----------------------------------------------------------

/// Body of `POST /v1/process/text` and `PUT /v1/process/text/{conversationId}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AsyncTextRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence_threshold: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detect_phrases: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detect_entities: Option<bool>,
    pub messages: Vec<AsyncMessage>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trackers: Vec<TrackerDefinition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_all_trackers: Option<bool>,
}

/// One message of an async text submission.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AsyncMessage {
    pub payload: TextPayload,
    pub from: FromPayload,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<DurationPayload>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextPayload {
    pub content: String,
    /// `text/plain`.
    pub content_type: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FromPayload {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// RFC 3339 start and end of a message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DurationPayload {
    pub start_time: String,
    pub end_time: String,
}

/// A tracker: a named vocabulary group (async body and streaming `start_request`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrackerDefinition {
    pub name: String,
    pub vocabulary: Vec<String>,
}

/// The answer to a submit or append (201 in the docs; any 2xx is accepted).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AsyncResponse {
    pub conversation_id: String,
    pub job_id: String,
}

/// `GET /v1/job/{jobId}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobResponse {
    pub id: String,
    /// `scheduled` | `in_progress` | `completed` | `failed`; read with [`JobStatus::parse`].
    pub status: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobStatus {
    Scheduled,
    InProgress,
    Completed,
    Failed,
    /// The SDK raises on an unknown status; we report it instead.
    Unknown(String),
}

impl JobStatus {
    pub fn parse(status: &str) -> Self {
        match status {
            "scheduled" => JobStatus::Scheduled,
            "in_progress" => JobStatus::InProgress,
            "completed" => JobStatus::Completed,
            "failed" => JobStatus::Failed,
            other => JobStatus::Unknown(other.to_string()),
        }
    }
}

// ----- Conversation API (§3.4) ------------------------------------------------------------------

/// A speaker as the Conversation API names one (`email` or `userId`, depending on the source).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Speaker {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// `GET /v1/conversations/{id}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationInfo {
    pub id: String,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub start_time: Option<String>,
    #[serde(default)]
    pub end_time: Option<String>,
    #[serde(default)]
    pub members: Vec<Member>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MessagesResponse {
    #[serde(default)]
    pub messages: Vec<ConversationMessage>,
}

/// A message as Symbl split and kept it (a sentence of what was sent, with its own id).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationMessage {
    pub id: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub from: Option<Speaker>,
    #[serde(default)]
    pub start_time: Option<String>,
    #[serde(default)]
    pub end_time: Option<String>,
    #[serde(default)]
    pub conversation_id: Option<String>,
    #[serde(default)]
    pub phrases: Vec<Phrase>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Phrase {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub text: String,
}

/// An entity inside an insight item (`{"type","text","offset","value"}`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemEntity {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub offset: Option<i64>,
    #[serde(default)]
    pub value: Option<Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Assignee {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// An action item, follow-up or question: the shared item shape of §3.4.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InsightItem {
    pub id: String,
    #[serde(default)]
    pub text: String,
    /// `action_item` | `follow_up` | `question`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub score: Option<f64>,
    #[serde(default)]
    pub message_ids: Vec<String>,
    #[serde(default)]
    pub entities: Vec<ItemEntity>,
    #[serde(default)]
    pub phrases: Vec<Phrase>,
    #[serde(default)]
    pub from: Option<Speaker>,
    #[serde(default)]
    pub definitive: Option<bool>,
    #[serde(default)]
    pub assignee: Option<Assignee>,
    #[serde(default)]
    pub due_by: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionItemsResponse {
    #[serde(default)]
    pub action_items: Vec<InsightItem>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FollowUpsResponse {
    #[serde(default)]
    pub follow_ups: Vec<InsightItem>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct QuestionsResponse {
    #[serde(default)]
    pub questions: Vec<InsightItem>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Topic {
    pub id: String,
    #[serde(default)]
    pub text: String,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub score: Option<f64>,
    #[serde(default)]
    pub message_ids: Vec<String>,
    #[serde(default)]
    pub entities: Vec<ItemEntity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<Value>,
    #[serde(default)]
    pub parent_refs: Vec<Phrase>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TopicsResponse {
    #[serde(default)]
    pub topics: Vec<Topic>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Member {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MembersResponse {
    #[serde(default)]
    pub members: Vec<Member>,
}

/// Where in a message something was found (`{"id","text","offset"}`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageRef {
    pub id: String,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub offset: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entity {
    /// `custom`, `person`, `date`, `number`…
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub custom_type: Option<String>,
    #[serde(default)]
    pub value: Option<Value>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub message_refs: Vec<MessageRef>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EntitiesResponse {
    #[serde(default)]
    pub entities: Vec<Entity>,
}

/// One element of the top-level array `GET …/trackers` returns (also inside `tracker_response`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrackerResult {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub matches: Vec<TrackerMatch>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackerMatch {
    /// `vocabulary`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub message_refs: Vec<MessageRef>,
    #[serde(default)]
    pub insight_refs: Vec<InsightRef>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InsightRef {
    pub id: String,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub offset: Option<i64>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// `GET …/trackers`: a bare JSON array, not an object.
pub type TrackersResponse = Vec<TrackerResult>;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AnalyticsResponse {
    #[serde(default)]
    pub metrics: Vec<Metric>,
    #[serde(default)]
    pub members: Vec<MemberAnalytics>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub percent: Option<f64>,
    #[serde(default)]
    pub seconds: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberAnalytics {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub pace: Option<Pace>,
    #[serde(default)]
    pub talk_time: Option<TimeShare>,
    #[serde(default)]
    pub listen_time: Option<TimeShare>,
    #[serde(default)]
    pub overlap: Option<Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Pace {
    #[serde(default)]
    pub wpm: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TimeShare {
    #[serde(default)]
    pub percentage: Option<f64>,
    #[serde(default)]
    pub seconds: Option<f64>,
}

// ----- streaming (§3.5) -------------------------------------------------------------------------

/// What the client sends on the streaming socket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    #[serde(rename_all = "camelCase")]
    StartRequest {
        insight_types: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        speaker: Option<FromPayload>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        trackers: Vec<TrackerDefinition>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        config: Option<StreamingConfig>,
    },
    StopRequest,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamingConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence_threshold: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_title: Option<String>,
}

/// What the server sends, by top-level `type`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// Control and recognition messages (`conversation_created`, `started_listening`,
    /// `recognition_result`…), kept loosely typed.
    Message { message: Value },
    MessageResponse {
        #[serde(default)]
        messages: Vec<StreamMessage>,
    },
    InsightResponse {
        #[serde(default)]
        insights: Vec<StreamInsight>,
    },
    TopicResponse {
        #[serde(default)]
        topics: Vec<StreamTopic>,
    },
    #[serde(rename_all = "camelCase")]
    TrackerResponse {
        #[serde(default)]
        is_final: Option<bool>,
        #[serde(default)]
        trackers: Vec<TrackerResult>,
        #[serde(default)]
        sequence_number: Option<u64>,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamMessage {
    pub id: String,
    #[serde(default)]
    pub from: Option<Speaker>,
    #[serde(default)]
    pub payload: Option<TextPayload>,
    #[serde(default)]
    pub dismissed: Option<bool>,
    #[serde(default)]
    pub duration: Option<DurationPayload>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamInsight {
    pub id: String,
    /// `question` | `action_item` | `follow_up`.
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub payload: Option<TextPayload>,
    #[serde(default)]
    pub confidence: Option<f64>,
    #[serde(default)]
    pub from: Option<Speaker>,
    #[serde(default)]
    pub assignee: Option<Assignee>,
    #[serde(default)]
    pub due_by: Option<DueBy>,
    #[serde(default)]
    pub dismissed: Option<bool>,
    #[serde(default)]
    pub message_reference: Option<IdRef>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DueBy {
    #[serde(default)]
    pub value: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IdRef {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamTopic {
    pub id: String,
    #[serde(default)]
    pub message_references: Vec<IdRef>,
    /// The topic's text (a string, despite the plural name).
    #[serde(default)]
    pub phrases: String,
    #[serde(default)]
    pub score: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn token_request_is_the_verified_body() {
        let body = serde_json::to_value(TokenRequest::application("id", "secret")).expect("json");
        assert_eq!(
            body,
            json!({"type":"application","appId":"id","appSecret":"secret"})
        );
    }

    #[test]
    fn token_lifetime_reads_whole_and_fractional_numbers() {
        let read = |text: &str| {
            serde_json::from_str::<TokenResponse>(text)
                .map(|t| t.expires_in)
                .map_err(|e| e.to_string())
        };
        assert_eq!(read(r#"{"accessToken":"t","expiresIn":86400}"#), Ok(86_400));
        assert_eq!(
            read(r#"{"accessToken":"t","expiresIn":86400.0}"#),
            Ok(86_400)
        );
        assert_eq!(read(r#"{"accessToken":"t","expiresIn":3599.5}"#), Ok(3_599));
        assert_eq!(read(r#"{"accessToken":"t","expiresIn":0.5}"#), Ok(0));
        assert_eq!(read(r#"{"accessToken":"t","expiresIn":-3}"#), Ok(0));
        assert_eq!(
            read(r#"{"accessToken":"t","expiresIn":1e300}"#),
            Ok(MAX_EXPIRES_IN)
        );
        assert_eq!(
            read(r#"{"accessToken":"t","expiresIn":18446744073709551615}"#),
            Ok(MAX_EXPIRES_IN)
        );
        assert!(read(r#"{"accessToken":"t","expiresIn":"86400"}"#).is_err());
    }

    #[test]
    fn trackers_read_as_a_top_level_array() {
        let text = r#"[{"id":"t1","name":"Late","matches":[{"type":"vocabulary","value":"late",
            "messageRefs":[{"id":"m1","text":"my order is late","offset":12}],"insightRefs":[]}]}]"#;
        let trackers: TrackersResponse = serde_json::from_str(text).expect("array");
        assert_eq!(trackers[0].name, "Late");
        assert_eq!(trackers[0].matches[0].message_refs[0].id, "m1");
        assert!(serde_json::from_str::<TrackersResponse>(r#"{"trackers":[]}"#).is_err());
    }

    #[test]
    fn start_and_stop_frames_have_the_documented_shape() {
        let start = ClientFrame::StartRequest {
            insight_types: vec!["question".into(), "action_item".into()],
            speaker: Some(FromPayload {
                user_id: Some("agent@example.com".into()),
                name: Some("Agent".into()),
            }),
            trackers: vec![TrackerDefinition {
                name: "Late".into(),
                vocabulary: vec!["late".into()],
            }],
            config: None,
        };
        assert_eq!(
            serde_json::to_value(&start).expect("json"),
            json!({"type":"start_request","insightTypes":["question","action_item"],
                   "speaker":{"userId":"agent@example.com","name":"Agent"},
                   "trackers":[{"name":"Late","vocabulary":["late"]}]})
        );
        assert_eq!(
            serde_json::to_value(ClientFrame::StopRequest).expect("json"),
            json!({"type":"stop_request"})
        );
    }

    #[test]
    fn server_frames_read_by_type() {
        let insight = r#"{"type":"insight_response","insights":[{"id":"i1","type":"question",
            "payload":{"content":"Where is it?","contentType":"text/plain"},"confidence":0.9,
            "messageReference":{"id":"m1"},"dueBy":{"value":"2020-01-01"}}]}"#;
        match serde_json::from_str::<ServerFrame>(insight).expect("insight frame") {
            ServerFrame::InsightResponse { insights } => {
                assert_eq!(insights[0].kind, "question");
                assert_eq!(
                    insights[0]
                        .message_reference
                        .as_ref()
                        .map(|r| r.id.as_str()),
                    Some("m1")
                );
            }
            other => panic!("{other:?}"),
        }
        let topic = r#"{"type":"topic_response","topics":[{"id":"t","messageReferences":[{"id":"m1","relation":"text instance"}],"phrases":"auto insurance","rootWords":[{"text":"insurance"}],"score":0.9,"type":"topic"}]}"#;
        assert!(matches!(
            serde_json::from_str::<ServerFrame>(topic).expect("topic frame"),
            ServerFrame::TopicResponse { .. }
        ));
        let created = r#"{"type":"message","message":{"type":"conversation_created","data":{"conversationId":"c1"}}}"#;
        assert!(matches!(
            serde_json::from_str::<ServerFrame>(created).expect("message frame"),
            ServerFrame::Message { .. }
        ));
    }

    #[test]
    fn job_status_reads_every_documented_value_and_keeps_unknown_ones() {
        assert_eq!(JobStatus::parse("scheduled"), JobStatus::Scheduled);
        assert_eq!(JobStatus::parse("in_progress"), JobStatus::InProgress);
        assert_eq!(JobStatus::parse("completed"), JobStatus::Completed);
        assert_eq!(JobStatus::parse("failed"), JobStatus::Failed);
        assert_eq!(
            JobStatus::parse("paused"),
            JobStatus::Unknown("paused".into())
        );
    }
}
