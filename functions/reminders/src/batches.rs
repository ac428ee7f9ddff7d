//! The reminder queue as a place to fan a fire out: customers go back on
//! the queue a few at a time, so a fire of 100,000 reminders is many
//! short invocations, each retried on its own.

use aws_sdk_sqs::types::SendMessageBatchRequestEntry;

use crate::work::{batch_body, CustomerDue};

/// Customers per message: each takes a few reads and one transaction.
pub const CUSTOMERS_PER_MESSAGE: usize = 25;

#[derive(Debug, thiserror::Error)]
#[error("the reminder queue is unavailable: {0}")]
pub struct QueueError(pub String);

pub trait BatchQueue: Send + Sync {
    fn enqueue(&self, customers: &[CustomerDue]) -> impl std::future::Future<Output = Result<(), QueueError>> + Send;
}

#[derive(Debug, Clone)]
pub struct SqsBatches {
    pub client: aws_sdk_sqs::Client,
    pub queue_url: String,
}

impl BatchQueue for SqsBatches {
    async fn enqueue(&self, customers: &[CustomerDue]) -> Result<(), QueueError> {
        let messages: Vec<String> = customers.chunks(CUSTOMERS_PER_MESSAGE).map(batch_body).collect();
        for group in messages.chunks(10) {
            let mut entries = Vec::with_capacity(group.len());
            for (i, body) in group.iter().enumerate() {
                entries.push(SendMessageBatchRequestEntry::builder().id(i.to_string()).message_body(body).build().map_err(|e| QueueError(e.to_string()))?);
            }
            let out = self
                .client
                .send_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| QueueError(aws_sdk_sqs::error::DisplayErrorContext(&e).to_string()))?;
            if let Some(failed) = out.failed().first() {
                // The whole fire is retried; customers already done find
                // nothing due.
                return Err(QueueError(format!("{}: {}", failed.code(), failed.message().unwrap_or(""))));
            }
        }
        Ok(())
    }
}
