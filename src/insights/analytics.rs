//! Analytics: messages per side, first and median response time, and who waits on whom.
//!
//! A response time runs from the first message of a customer turn (consecutive customer
//! messages) to the first agent message after it. Updated per message in thread order.

use time::Duration;

use super::model::{Analytics, Side, Waiting};
use crate::model::Timestamp;

/// What the running figures need beyond [`Analytics`] itself.
#[derive(Clone, Debug, Default)]
pub struct AnalyticsState {
    last_side: Option<Side>,
    /// Start of the current run of messages by `last_side`.
    run_start: Option<Timestamp>,
    /// Start of the customer turn still waiting for the agent.
    customer_turn: Option<Timestamp>,
    /// Every response time so far, sorted.
    responses: Vec<Duration>,
}

impl AnalyticsState {
    /// Adds one message (in thread order) and updates `analytics`. `agent_awaits_answer`
    /// tells whether the agent has an unanswered question out.
    pub fn add(&mut self, side: Side, at: Timestamp, analytics: &mut Analytics) {
        match side {
            Side::Customer => analytics.customer_messages += 1,
            Side::Agent => analytics.agent_messages += 1,
        }
        if self.last_side != Some(side) {
            self.run_start = Some(at);
        }
        match side {
            Side::Customer => {
                if self.customer_turn.is_none() {
                    self.customer_turn = Some(at);
                }
            }
            Side::Agent => {
                if let Some(start) = self.customer_turn.take() {
                    let response = at - start;
                    let index = self.responses.partition_point(|r| *r < response);
                    self.responses.insert(index, response);
                    if analytics.first_response.is_none() {
                        analytics.first_response = Some(response);
                    }
                    analytics.median_response = median(&self.responses);
                }
            }
        }
        self.last_side = Some(side);
    }

    /// Who waits now: the customer when they wrote last, the agent when they wrote last with
    /// a question still open.
    pub fn waiting(&self, agent_awaits_answer: bool) -> Waiting {
        match (self.last_side, self.customer_turn, self.run_start) {
            (Some(Side::Customer), Some(since), _) => Waiting::On {
                side: Side::Customer,
                since,
            },
            (Some(Side::Agent), _, Some(since)) if agent_awaits_answer => Waiting::On {
                side: Side::Agent,
                since,
            },
            _ => Waiting::Nobody,
        }
    }
}

fn median(sorted: &[Duration]) -> Option<Duration> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn response_times_run_from_the_start_of_a_customer_turn() {
        let t0 = datetime!(2026-01-01 10:00 UTC);
        let mut state = AnalyticsState::default();
        let mut analytics = Analytics::default();
        for (side, minutes) in [
            (Side::Customer, 0),
            (Side::Customer, 1),
            (Side::Agent, 5),
            (Side::Customer, 10),
            (Side::Agent, 12),
            (Side::Customer, 20),
            (Side::Agent, 50),
        ] {
            state.add(side, t0 + Duration::minutes(minutes), &mut analytics);
        }
        assert_eq!(analytics.customer_messages, 4);
        assert_eq!(analytics.agent_messages, 3);
        assert_eq!(analytics.first_response, Some(Duration::minutes(5)));
        assert_eq!(analytics.median_response, Some(Duration::minutes(5)));
        assert_eq!(state.waiting(false), Waiting::Nobody);
        state.add(Side::Customer, t0 + Duration::minutes(60), &mut analytics);
        assert_eq!(
            state.waiting(false),
            Waiting::On { side: Side::Customer, since: t0 + Duration::minutes(60) }
        );
    }
}
