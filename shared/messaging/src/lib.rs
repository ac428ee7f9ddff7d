//! Publishes outbox messages: domain events to the EventBridge bus, work
//! to SQS queues. The body of both is the domain event envelope, as is.
//! Also the SES v2 mailer.

pub mod batches;
pub mod mailer;
pub mod statement_chunks;

use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_sqs::types::MessageAttributeValue;
use o2c_domain::outbox::{Destination, OutboxMessage};
use o2c_domain::ports::{MessagePublish, PublishError};

/// EventBridge `source` of every o2c event.
pub const EVENT_SOURCE: &str = "o2c";

#[derive(Clone, Debug)]
pub struct Publisher {
    pub sqs: aws_sdk_sqs::Client,
    pub events: aws_sdk_eventbridge::Client,
    pub event_bus_name: String,
    pub delivery_queue_url: String,
    pub reminder_queue_url: String,
}

impl Publisher {
    async fn to_bus(&self, message: &OutboxMessage, body: &str) -> Result<(), PublishError> {
        let entry = PutEventsRequestEntry::builder()
            .event_bus_name(&self.event_bus_name)
            .source(EVENT_SOURCE)
            .detail_type(message.event.event_type.as_str())
            .detail(body)
            .time(aws_sdk_eventbridge::primitives::DateTime::from_millis(message.event.occurred_at.timestamp_millis()))
            .resources(format!("o2c:{}", message.event.aggregate.id))
            .build();
        let out = self
            .events
            .put_events()
            .entries(entry)
            .send()
            .await
            .map_err(|e| PublishError::Unavailable(format!("eventbridge: {}", aws_sdk_eventbridge::error::DisplayErrorContext(&e))))?;
        if out.failed_entry_count() > 0 {
            let code = out.entries().first().and_then(|e| e.error_code()).unwrap_or("unknown");
            return Err(PublishError::Unavailable(format!("eventbridge entry failed: {code}")));
        }
        Ok(())
    }

    async fn to_queue(&self, url: &str, message: &OutboxMessage, body: &str) -> Result<(), PublishError> {
        let attr = |v: &str| MessageAttributeValue::builder().data_type("String").string_value(v).build();
        let mut send = self.sqs.send_message().queue_url(url).message_body(body);
        if let Ok(a) = attr(message.event.event_type.as_str()) {
            send = send.message_attributes("event_type", a);
        }
        if let Some(Ok(a)) = message.event.correlation_id.as_deref().map(attr) {
            send = send.message_attributes("correlation_id", a);
        }
        send.send()
            .await
            .map_err(|e| PublishError::Unavailable(format!("sqs: {}", aws_sdk_sqs::error::DisplayErrorContext(&e))))?;
        Ok(())
    }
}

impl MessagePublish for Publisher {
    async fn publish(&self, message: &OutboxMessage) -> Result<(), PublishError> {
        let body = serde_json::to_string(&message.event).map_err(|e| PublishError::Unavailable(format!("encode: {e}")))?;
        for destination in &message.destinations {
            match destination {
                Destination::EventBus => self.to_bus(message, &body).await?,
                Destination::DeliveryQueue => self.to_queue(&self.delivery_queue_url, message, &body).await?,
                Destination::ReminderQueue => self.to_queue(&self.reminder_queue_url, message, &body).await?,
            }
        }
        tracing::info!(event_id = %message.event.id, event_type = message.event.event_type.as_str(), correlation_id = message.event.correlation_id.as_deref().unwrap_or(""), "outbox message relayed");
        Ok(())
    }
}
