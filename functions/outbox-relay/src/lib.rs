//! Relays outbox messages from the table's stream. At least once: a
//! message that fails to publish is reported by sequence number, and the
//! stream delivers it (and everything after it in the shard) again, so
//! order per shard is kept and nothing is skipped. Consumers deduplicate
//! on the event id.

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use o2c_domain::ports::MessagePublish;
use o2c_store::{outbox_message_from_image, IsOutboxImage};

pub struct Relay<P> {
    publisher: P,
}

impl<P: MessagePublish> Relay<P> {
    pub fn new(publisher: P) -> Self {
        Self { publisher }
    }

    pub async fn handle(&self, event: Event) -> DynamoDbEventResponse {
        let mut response = DynamoDbEventResponse::default();
        for record in event.records {
            // The mapping's filter already passes only outbox inserts; this
            // check keeps the relay correct without it (the local front).
            if record.event_name != "INSERT" || !record.change.new_image.is_outbox_message() {
                continue;
            }
            let outcome = match outbox_message_from_image(&record.change.new_image) {
                Ok(message) => self.publisher.publish(&message).await.map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            if let Err(reason) = outcome {
                tracing::warn!(sequence_number = record.change.sequence_number.as_deref().unwrap_or(""), reason, "outbox message not relayed; the stream will retry");
                let mut failure = DynamoDbBatchItemFailure::default();
                failure.item_identifier = record.change.sequence_number.clone();
                response.batch_item_failures.push(failure);
                // Stop here: everything after the failed record is
                // redelivered anyway, and publishing it now would reorder.
                break;
            }
        }
        response
    }
}
