//! SQS to a handler, as a Lambda event-source mapping does: batches of the
//! queue's messages in Lambda's SQS event shape, successes deleted, the
//! messages a handler reports as failed (or all of them, without partial
//! batch responses) left to come back and, past the queue's
//! `maxReceiveCount`, to move to its dead-letter queue (moto applies the
//! redrive policy). Locally a failed message is visible again after
//! [`LOCAL_RETRY_SECONDS`] instead of the queue's visibility timeout, so a
//! retry-then-DLQ test takes seconds, not minutes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use serde_json::{json, Value};

use crate::catalogue::QueueFn;
use crate::template::QueueSource;

pub const LOCAL_RETRY_SECONDS: i32 = 1;

pub struct QueueMapping {
    pub source: QueueSource,
    pub queue_url: String,
    pub queue_arn: String,
    pub handler: QueueFn,
    pub sqs: aws_sdk_sqs::Client,
    pub idle_rounds: Arc<AtomicU64>,
}

impl QueueMapping {
    pub async fn run(self) {
        loop {
            match self.poll_once().await {
                Ok(true) => self.idle_rounds.store(0, Ordering::SeqCst),
                Ok(false) => {
                    self.idle_rounds.fetch_add(1, Ordering::SeqCst);
                }
                Err(e) => {
                    tracing::warn!(mapping = self.source.name.as_str(), error = e.as_str(), "queue mapping poll failed");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    }

    /// One receive; true when it delivered something.
    async fn poll_once(&self) -> Result<bool, String> {
        let out = self
            .sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(self.source.batch_size.clamp(1, 10) as i32)
            .wait_time_seconds(1)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(|e| format!("{}", aws_sdk_sqs::error::DisplayErrorContext(e)))?;
        let messages = out.messages();
        if messages.is_empty() {
            return Ok(false);
        }
        let records: Vec<Value> = messages
            .iter()
            .map(|m| {
                let attributes: serde_json::Map<String, Value> =
                    m.attributes().map(|a| a.iter().map(|(k, v)| (k.as_str().to_owned(), Value::String(v.clone()))).collect()).unwrap_or_default();
                let message_attributes: serde_json::Map<String, Value> = m
                    .message_attributes()
                    .map(|a| a.iter().map(|(k, v)| (k.clone(), json!({"stringValue": v.string_value(), "dataType": v.data_type(), "stringListValues": [], "binaryListValues": []}))).collect())
                    .unwrap_or_default();
                json!({
                    "messageId": m.message_id(),
                    "receiptHandle": m.receipt_handle(),
                    "body": m.body(),
                    "attributes": attributes,
                    "messageAttributes": message_attributes,
                    "md5OfBody": m.md5_of_body(),
                    "eventSource": "aws:sqs",
                    "eventSourceARN": self.queue_arn,
                    "awsRegion": "us-east-1",
                })
            })
            .collect();
        let event: aws_lambda_events::event::sqs::SqsEvent = serde_json::from_value(json!({ "Records": records })).map_err(|e| format!("SQS event shape: {e}"))?;
        let response = (self.handler)(event).await;
        let failed: Vec<String> = if self.source.report_batch_item_failures {
            response.batch_item_failures.iter().map(|f| f.item_identifier.clone()).collect()
        } else {
            Vec::new()
        };
        for m in messages {
            let (Some(id), Some(handle)) = (m.message_id(), m.receipt_handle()) else { continue };
            if failed.iter().any(|f| f == id) {
                let _ = self.sqs.change_message_visibility().queue_url(&self.queue_url).receipt_handle(handle).visibility_timeout(LOCAL_RETRY_SECONDS).send().await;
            } else if let Err(e) = self.sqs.delete_message().queue_url(&self.queue_url).receipt_handle(handle).send().await {
                tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(e), "could not delete a handled message");
            }
        }
        Ok(true)
    }
}

/// The queue's ARN, which the mapping's events carry.
pub async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> String {
    sqs.get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .ok()
        .and_then(|a| a.attributes().and_then(|m| m.get(&QueueAttributeName::QueueArn)).cloned())
        .unwrap_or_default()
}
