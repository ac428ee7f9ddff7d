//! The reminder queue as a place to fan a fire out: customers go back on
//! the queue a few at a time, so a fire of 100,000 reminders is many
//! short invocations, each retried on its own.

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
        // The whole fire is retried on failure; customers already done find
        // nothing due.
        o2c_messaging::batches::send_all(&self.client, &self.queue_url, &messages).await.map_err(QueueError)
    }
}
