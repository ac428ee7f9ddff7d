//! EventBridge rules with an event pattern, as AWS runs them for a
//! function: the rule is created in the emulator on the default bus with
//! the template's pattern, targeting a queue of the local front's, which
//! is drained into the handler (moto matches the pattern; it cannot invoke
//! our in-process function itself). A failed invocation is retried.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::catalogue::EventFn;

pub struct RuleMapping {
    pub name: String,
    pub queue_url: String,
    pub handler: EventFn,
    pub sqs: aws_sdk_sqs::Client,
    pub idle_rounds: Arc<AtomicU64>,
}

/// Creates the rule and its target queue; answers the queue's URL.
pub async fn create_rule(aws: &aws_config::SdkConfig, name: &str, pattern: &Value) -> Result<String, String> {
    let sqs = aws_sdk_sqs::Client::new(aws);
    let events = aws_sdk_eventbridge::Client::new(aws);
    let queue = format!("o2c-local-rule-{name}");
    let url = sqs.create_queue().queue_name(&queue).send().await.map_err(|e| format!("{}", aws_sdk_sqs::error::DisplayErrorContext(e)))?.queue_url().unwrap_or_default().to_owned();
    let arn = crate::queues::queue_arn(&sqs, &url).await;
    events
        .put_rule()
        .name(format!("o2c-local-{name}"))
        .event_bus_name("default")
        .event_pattern(pattern.to_string())
        .send()
        .await
        .map_err(|e| format!("{}", aws_sdk_eventbridge::error::DisplayErrorContext(e)))?;
    let target = aws_sdk_eventbridge::types::Target::builder().id("local-front").arn(arn).build().map_err(|e| e.to_string())?;
    events
        .put_targets()
        .rule(format!("o2c-local-{name}"))
        .event_bus_name("default")
        .targets(target)
        .send()
        .await
        .map_err(|e| format!("{}", aws_sdk_eventbridge::error::DisplayErrorContext(e)))?;
    Ok(url)
}

impl RuleMapping {
    pub async fn run(self) {
        loop {
            let out = match self.sqs.receive_message().queue_url(&self.queue_url).max_number_of_messages(10).wait_time_seconds(1).send().await {
                Ok(o) => o,
                Err(e) => {
                    tracing::warn!(rule = self.name.as_str(), error = %aws_sdk_sqs::error::DisplayErrorContext(e), "rule poll failed");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                }
            };
            if out.messages().is_empty() {
                self.idle_rounds.fetch_add(1, Ordering::SeqCst);
                continue;
            }
            self.idle_rounds.store(0, Ordering::SeqCst);
            for m in out.messages() {
                let event = m.body().and_then(|b| serde_json::from_str(b).ok());
                let outcome = match event {
                    Some(e) => (self.handler)(e).await,
                    None => Err("not an EventBridge event".into()),
                };
                let Some(handle) = m.receipt_handle() else { continue };
                match outcome {
                    Ok(()) => {
                        let _ = self.sqs.delete_message().queue_url(&self.queue_url).receipt_handle(handle).send().await;
                    }
                    Err(e) => {
                        tracing::warn!(rule = self.name.as_str(), error = e.as_str(), "rule target failed; retrying");
                        let _ = self.sqs.change_message_visibility().queue_url(&self.queue_url).receipt_handle(handle).visibility_timeout(1).send().await;
                    }
                }
            }
        }
    }
}
