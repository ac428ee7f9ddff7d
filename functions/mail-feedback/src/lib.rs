//! SES feedback, published by our configuration set to EventBridge:
//! a permanent bounce marks the address `bounced`, a complaint marks it
//! `complained`. Transient bounces change nothing (SES retried already).
//! Marking is idempotent, so EventBridge's retries and duplicates are
//! harmless; later sends to the address are skipped and recorded.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use chrono::{DateTime, Utc};
use o2c_domain::customer::EmailStatus;
use o2c_domain::ports::{AddressBook, StoreError};
use o2c_domain::text::Email;
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum FeedbackError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one SES event says about which addresses.
pub fn verdicts(detail: &Value) -> Vec<(Email, EmailStatus, String)> {
    let recipients = |list: &Value| -> Vec<Email> {
        list.as_array().into_iter().flatten().filter_map(|r| r["emailAddress"].as_str()).filter_map(|a| Email::parse(a).ok()).collect()
    };
    match detail["eventType"].as_str().or(detail["notificationType"].as_str()) {
        Some("Bounce") if detail["bounce"]["bounceType"] == "Permanent" => {
            let why = format!("{} bounce ({})", detail["bounce"]["bounceType"].as_str().unwrap_or(""), detail["bounce"]["bounceSubType"].as_str().unwrap_or(""));
            recipients(&detail["bounce"]["bouncedRecipients"]).into_iter().map(|e| (e, EmailStatus::Bounced, why.clone())).collect()
        }
        Some("Complaint") => {
            let why = format!("complaint ({})", detail["complaint"]["complaintFeedbackType"].as_str().unwrap_or("unspecified"));
            recipients(&detail["complaint"]["complainedRecipients"]).into_iter().map(|e| (e, EmailStatus::Complained, why.clone())).collect()
        }
        _ => Vec::new(),
    }
}

pub struct Feedback<S> {
    store: S,
}

impl<S: AddressBook> Feedback<S> {
    pub fn new(store: S) -> Self {
        Self { store }
    }

    pub async fn handle(&self, event: EventBridgeEvent<Value>) -> Result<(), FeedbackError> {
        let at: DateTime<Utc> = event.time.unwrap_or_else(Utc::now);
        for (address, status, why) in verdicts(&event.detail) {
            self.store.mark_address(&address, status, at, &why).await?;
            tracing::info!(status = ?status, domain = address.as_str().rsplit('@').next().unwrap_or(""), "address marked");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_permanent_bounce_marks_each_bounced_recipient() {
        let detail = json!({"eventType": "Bounce", "bounce": {"bounceType": "Permanent", "bounceSubType": "General", "bouncedRecipients": [{"emailAddress": "a@x.example"}, {"emailAddress": "B@X.example"}]}});
        let v = verdicts(&detail);
        assert_eq!(v.len(), 2);
        assert!(v.iter().all(|(_, s, _)| *s == EmailStatus::Bounced));
    }

    #[test]
    fn a_transient_bounce_changes_nothing_and_a_complaint_marks_complained() {
        assert!(verdicts(&json!({"eventType": "Bounce", "bounce": {"bounceType": "Transient", "bouncedRecipients": [{"emailAddress": "a@x.example"}]}})).is_empty());
        let v = verdicts(&json!({"eventType": "Complaint", "complaint": {"complainedRecipients": [{"emailAddress": "a@x.example"}], "complaintFeedbackType": "abuse"}}));
        assert_eq!(v[0].1, EmailStatus::Complained);
        assert!(verdicts(&json!({"eventType": "Delivery"})).is_empty());
    }
}
