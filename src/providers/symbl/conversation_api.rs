//! The Conversation API (§3.4): everything Symbl found in a processed conversation. All `GET`,
//! no paging; trackers come back as a bare JSON array.

use reqwest::Method;
use serde::de::DeserializeOwned;

use super::error::SymblError;
use super::http::SymblHttp;
use super::wire::{
    ActionItemsResponse, AnalyticsResponse, ConversationInfo, ConversationMessage,
    EntitiesResponse, Entity, FollowUpsResponse, InsightItem, Member, MembersResponse,
    MessagesResponse, QuestionsResponse, Topic, TopicsResponse, TrackerResult, TrackersResponse,
};
use crate::providers::kit::http::segment;

/// Everything fetched for one conversation after a job completed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConversationResults {
    pub messages: Vec<ConversationMessage>,
    pub action_items: Vec<InsightItem>,
    pub follow_ups: Vec<InsightItem>,
    pub questions: Vec<InsightItem>,
    pub topics: Vec<Topic>,
    pub members: Vec<Member>,
    pub entities: Vec<Entity>,
    pub trackers: Vec<TrackerResult>,
    pub analytics: AnalyticsResponse,
}

#[derive(Clone)]
pub struct ConversationApi {
    http: SymblHttp,
}

impl ConversationApi {
    pub fn new(http: SymblHttp) -> Self {
        Self { http }
    }

    async fn get<T: DeserializeOwned>(
        &self,
        conversation_id: &str,
        what: &str,
        query: &[(&str, &str)],
    ) -> Result<T, SymblError> {
        let mut path = format!("/v1/conversations/{}", segment(conversation_id)?);
        if !what.is_empty() {
            path.push('/');
            path.push_str(what);
        }
        self.http
            .call::<(), T>(Method::GET, &path, query, None)
            .await
    }

    pub async fn conversation(&self, id: &str) -> Result<ConversationInfo, SymblError> {
        self.get(id, "", &[]).await
    }

    pub async fn messages(&self, id: &str) -> Result<Vec<ConversationMessage>, SymblError> {
        let answer: MessagesResponse = self
            .get(
                id,
                "messages",
                &[("sentiment", "false"), ("verbose", "false")],
            )
            .await?;
        Ok(answer.messages)
    }

    pub async fn action_items(&self, id: &str) -> Result<Vec<InsightItem>, SymblError> {
        let answer: ActionItemsResponse = self.get(id, "action-items", &[]).await?;
        Ok(answer.action_items)
    }

    pub async fn follow_ups(&self, id: &str) -> Result<Vec<InsightItem>, SymblError> {
        let answer: FollowUpsResponse = self.get(id, "follow-ups", &[]).await?;
        Ok(answer.follow_ups)
    }

    pub async fn questions(&self, id: &str) -> Result<Vec<InsightItem>, SymblError> {
        let answer: QuestionsResponse = self.get(id, "questions", &[]).await?;
        Ok(answer.questions)
    }

    pub async fn topics(&self, id: &str) -> Result<Vec<Topic>, SymblError> {
        let answer: TopicsResponse = self.get(id, "topics", &[]).await?;
        Ok(answer.topics)
    }

    pub async fn members(&self, id: &str) -> Result<Vec<Member>, SymblError> {
        let answer: MembersResponse = self.get(id, "members", &[]).await?;
        Ok(answer.members)
    }

    pub async fn entities(&self, id: &str) -> Result<Vec<Entity>, SymblError> {
        let answer: EntitiesResponse = self.get(id, "entities", &[]).await?;
        Ok(answer.entities)
    }

    /// A top-level array, unlike every other listing.
    pub async fn trackers(&self, id: &str) -> Result<Vec<TrackerResult>, SymblError> {
        let answer: TrackersResponse = self.get(id, "trackers", &[]).await?;
        Ok(answer)
    }

    pub async fn analytics(&self, id: &str) -> Result<AnalyticsResponse, SymblError> {
        self.get(id, "analytics", &[]).await
    }

    /// All nine listings, fetched concurrently; the first failure wins.
    pub async fn fetch_all(&self, id: &str) -> Result<ConversationResults, SymblError> {
        let (messages, action_items, follow_ups, questions, topics) = tokio::try_join!(
            self.messages(id),
            self.action_items(id),
            self.follow_ups(id),
            self.questions(id),
            self.topics(id),
        )?;
        let (members, entities, trackers, analytics) = tokio::try_join!(
            self.members(id),
            self.entities(id),
            self.trackers(id),
            self.analytics(id),
        )?;
        Ok(ConversationResults {
            messages,
            action_items,
            follow_ups,
            questions,
            topics,
            members,
            entities,
            trackers,
            analytics,
        })
    }
}
