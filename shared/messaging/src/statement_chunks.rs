//! The statement queue as a place to fan a statement out: one message per
//! chunk of entries, so a 100,000-entry statement is 50 invocations, each
//! well inside Lambda's limits and retried on its own.

use o2c_domain::ids::StatementId;


#[derive(Debug)]
pub struct QueueError(pub String);

impl std::fmt::Display for QueueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the statement queue is unavailable: {}", self.0)
    }
}

impl std::error::Error for QueueError {}

/// `{"kind":"chunk","statement":…,"chunk":n}`: one chunk of a statement's entries to settle.
pub fn chunk_body(statement: StatementId, chunk: u32) -> String {
    serde_json::json!({ "kind": "chunk", "statement": statement, "chunk": chunk }).to_string()
}

/// `{"kind":"returns","statement":…}`: the statement's returns, settled once all its money in is.
pub fn returns_body(statement: StatementId) -> String {
    serde_json::json!({ "kind": "returns", "statement": statement }).to_string()
}

pub trait ChunkQueue: Send + Sync {
    fn enqueue(&self, statement: StatementId, chunks: u32) -> impl std::future::Future<Output = Result<(), QueueError>> + Send;
    /// The last phase: the statement's returns.
    fn enqueue_returns(&self, statement: StatementId) -> impl std::future::Future<Output = Result<(), QueueError>> + Send;
}

#[derive(Debug, Clone)]
pub struct SqsChunks {
    pub client: aws_sdk_sqs::Client,
    pub queue_url: String,
}

impl ChunkQueue for SqsChunks {
    async fn enqueue_returns(&self, statement: StatementId) -> Result<(), QueueError> {
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(returns_body(statement))
            .send()
            .await
            .map_err(|e| QueueError(aws_sdk_sqs::error::DisplayErrorContext(&e).to_string()))?;
        Ok(())
    }

    async fn enqueue(&self, statement: StatementId, chunks: u32) -> Result<(), QueueError> {
        let bodies: Vec<String> = (0..chunks).map(|chunk| chunk_body(statement, chunk)).collect();
        crate::batches::send_all(&self.client, &self.queue_url, &bodies).await.map_err(QueueError)
    }
}
