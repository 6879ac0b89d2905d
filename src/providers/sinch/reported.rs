//! Sends that Sinch has reported on. The documented way to learn that a send arrived, when its
//! answer was lost, is its delivery report: Sinch echoes a send's `message_metadata` there as
//! `message_delivery_report.metadata`, beside the `message_id`. The provider remembers the
//! client ids those reports name, so a resend of one is answered from here instead of sending a
//! second copy. (Listed messages are not documented to carry the metadata; the resend still
//! looks there too, as a second chance.)

use std::collections::{HashMap, VecDeque};

/// How many reported sends are remembered; the oldest are forgotten first. A resend comes
/// seconds to minutes after its send, so this covers far more than the outbox holds.
const REMEMBERED: usize = 4096;

/// What a delivery report told us about one of our sends.
#[derive(Clone, Debug, PartialEq)]
pub struct Reported {
    pub conversation: String,
    pub message_id: String,
}

#[derive(Debug, Default)]
pub struct ReportedSends {
    by_client_id: HashMap<String, Reported>,
    order: VecDeque<String>,
}

impl ReportedSends {
    pub fn record(&mut self, client_id: String, reported: Reported) {
        if self
            .by_client_id
            .insert(client_id.clone(), reported)
            .is_none()
        {
            self.order.push_back(client_id);
        }
        while self.order.len() > REMEMBERED {
            if let Some(oldest) = self.order.pop_front() {
                self.by_client_id.remove(&oldest);
            }
        }
    }

    pub fn get(&self, client_id: &str) -> Option<&Reported> {
        self.by_client_id.get(client_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_reports_are_forgotten_past_the_bound() {
        let mut sends = ReportedSends::default();
        for i in 0..REMEMBERED + 2 {
            let reported = Reported {
                conversation: "c".into(),
                message_id: format!("m{i}"),
            };
            sends.record(format!("client-{i}"), reported);
        }
        assert!(sends.get("client-0").is_none());
        assert!(sends.get("client-1").is_none());
        let newest = format!("client-{}", REMEMBERED + 1);
        assert_eq!(
            sends.get(&newest).map(|r| r.message_id.clone()),
            Some(format!("m{}", REMEMBERED + 1))
        );
        assert_eq!(sends.by_client_id.len(), REMEMBERED);
    }
}
