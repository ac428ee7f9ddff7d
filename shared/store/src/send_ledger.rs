//! The send ledger: `SEND#<delivery event id>`. A send is claimed before
//! the mail service is called and recorded (with its timeline item) after,
//! so a redelivered message sends nothing. The window left: a crash after
//! the mail service accepted the message and before `record_sent` leaves a
//! claim that expires after [`CLAIM_SECONDS`], and the retry sends again.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use chrono::{DateTime, Duration, Utc};
use o2c_domain::ids::InvoiceId;
use o2c_domain::ports::{SendClaim, SendLedger, StoreError};
use o2c_domain::timeline::TimelineItem;

use crate::error::{built, done_if_conflict, from_sdk};
use crate::record::{n, s};
use crate::DynamoStore;

/// How long a claim protects a send in progress (above the delivery
/// function's timeout, so a live send is never taken over).
pub const CLAIM_SECONDS: i64 = 120;
/// Ledger entries outlive any redelivery (SQS keeps messages 14 days).
pub const LEDGER_DAYS: i64 = 30;

fn pk(key: &str) -> String {
    format!("SEND#{key}")
}
const SK: &str = "SEND";


impl DynamoStore {
    async fn finish_send(&self, key: &str, state: &str, message_id: Option<&str>, invoices: &[InvoiceId], timeline: &TimelineItem) -> Result<(), StoreError> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .key("pk", s(pk(key)))
            .key("sk", s(SK))
            .update_expression("SET #state = :state, message_id = :mid")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":state", s(state))
            .expression_attribute_values(":mid", message_id.map_or(AttributeValue::Null(true), s));
        update = if state == "sent" {
            // Only the holder of the claim records the send.
            update.condition_expression("#state = :sending").expression_attribute_values(":sending", s("sending"))
        } else {
            update
        };
        let mut writes = vec![TransactWriteItem::builder().update(built(update.build())?).build()];
        for invoice in invoices {
            writes.push(self.timeline_put(*invoice, timeline)?);
        }
        self.transact(writes, Some(timeline.id.ulid().to_string())).await
    }
}

impl SendLedger for DynamoStore {
    async fn claim_send(&self, key: &str, now: DateTime<Utc>) -> Result<SendClaim, StoreError> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(pk(key)))
            .item("sk", s(SK))
            .item("entity", s("send_ledger"))
            .item("state", s("sending"))
            .item("claimed_until", n((now + Duration::seconds(CLAIM_SECONDS)).timestamp()))
            .item("expires_at", n((now + Duration::days(LEDGER_DAYS)).timestamp()))
            .condition_expression("attribute_not_exists(pk) OR (#state = :sending AND claimed_until < :now)")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":sending", s("sending"))
            .expression_attribute_values(":now", n(now.timestamp()))
            .send()
            .await;
        match put {
            Ok(_) => return Ok(SendClaim::Claimed),
            Err(e) => match from_sdk(e) {
                StoreError::Conflict => {}
                other => return Err(other),
            },
        }
        let out = self.client.get_item().table_name(&self.table).key("pk", s(pk(key))).key("sk", s(SK)).consistent_read(true).send().await.map_err(from_sdk)?;
        match out.item().and_then(|i| i.get("state")) {
            Some(AttributeValue::S(state)) if state == "sending" => Ok(SendClaim::InProgress),
            Some(_) => Ok(SendClaim::AlreadySent),
            // Released between our put and read: let the retry claim it.
            None => Ok(SendClaim::InProgress),
        }
    }

    async fn record_sent(&self, key: &str, message_id: &str, invoices: &[InvoiceId], timeline: &TimelineItem) -> Result<(), StoreError> {
        self.finish_send(key, "sent", Some(message_id), invoices, timeline).await
    }

    async fn release_send(&self, key: &str) -> Result<(), StoreError> {
        let res = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(pk(key)))
            .key("sk", s(SK))
            .condition_expression("#state = :sending")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":sending", s("sending"))
            .send()
            .await;
        done_if_conflict(res)
    }

    async fn record_skipped(&self, key: &str, invoices: &[InvoiceId], timeline: &TimelineItem) -> Result<(), StoreError> {
        self.finish_send(key, "skipped", None, invoices, timeline).await
    }
}
