//! Sending many small messages to one queue, ten per `SendMessageBatch`:
//! the way every fan-out (reminder fires, statement chunks) leaves.

use aws_sdk_sqs::types::SendMessageBatchRequestEntry;

/// Sends `bodies` in batches of ten. The first refused message fails the
/// whole call: the caller's own message is retried, and fanned-out work is
/// idempotent, so what was already sent does no harm when sent again.
pub async fn send_all(client: &aws_sdk_sqs::Client, queue_url: &str, bodies: &[String]) -> Result<(), String> {
    for group in bodies.chunks(10) {
        let mut entries = Vec::with_capacity(group.len());
        for (i, body) in group.iter().enumerate() {
            entries.push(SendMessageBatchRequestEntry::builder().id(i.to_string()).message_body(body).build().map_err(|e| e.to_string())?);
        }
        let out = client.send_message_batch().queue_url(queue_url).set_entries(Some(entries)).send().await.map_err(|e| aws_sdk_sqs::error::DisplayErrorContext(&e).to_string())?;
        if let Some(failed) = out.failed().first() {
            return Err(format!("{}: {}", failed.code(), failed.message().unwrap_or("")));
        }
    }
    Ok(())
}
