//! DynamoDB Streams to a handler, as a Lambda event-source mapping does:
//! batches in shard order, the mapping's filter applied, partial batch
//! failures retried from the failed record, and after the last retry the
//! batch's description sent to the on-failure queue.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use serde_json::{json, Value};

use crate::catalogue::StreamFn;
use crate::filter;
use crate::template::StreamSource;

/// How many consecutive empty polls every mapping has seen: the stack is
/// drained when each has seen at least two.
#[derive(Debug, Default)]
pub struct Activity {
    idle_rounds: Vec<Arc<AtomicU64>>,
}

impl Activity {
    pub fn track(&mut self) -> Arc<AtomicU64> {
        let c = Arc::new(AtomicU64::new(0));
        self.idle_rounds.push(c.clone());
        c
    }

    pub fn drained(&self) -> bool {
        self.idle_rounds.iter().all(|c| c.load(Ordering::SeqCst) >= 2)
    }

    /// Waits until every mapping has gone quiet (bounded).
    pub async fn wait_drained(&self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        // Let at least one fresh round start after the caller's writes.
        for c in &self.idle_rounds {
            c.store(0, Ordering::SeqCst);
        }
        while tokio::time::Instant::now() < deadline {
            if self.drained() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }
}

pub struct StreamMapping {
    pub source: StreamSource,
    pub table_name: String,
    pub handler: StreamFn,
    pub on_failure_queue_url: Option<String>,
    pub streams: aws_sdk_dynamodbstreams::Client,
    pub ddb: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub idle_rounds: Arc<AtomicU64>,
    /// Last sequence number handed to the function, per shard: a restarted
    /// poll resumes after it instead of replaying the shard.
    pub positions: std::sync::Mutex<HashMap<String, String>>,
}

/// A stream record in the JSON form Lambda delivers.
pub fn lambda_record(r: &Record, stream_arn: &str) -> Value {
    let image = |m: Option<&HashMap<String, aws_sdk_dynamodbstreams::types::AttributeValue>>| {
        m.map(|m| serde_json::to_value(serde_dynamo::Item::from(m.clone())).unwrap_or(Value::Null))
    };
    let d = r.dynamodb();
    let mut dynamodb = json!({
        "ApproximateCreationDateTime": d.and_then(|d| d.approximate_creation_date_time()).map(|t| t.secs()).unwrap_or(0),
        "Keys": image(d.and_then(|d| d.keys())).unwrap_or(json!({})),
        "SequenceNumber": d.and_then(|d| d.sequence_number()).unwrap_or_default(),
        "SizeBytes": d.and_then(|d| d.size_bytes()).unwrap_or(0),
        "StreamViewType": d.and_then(|d| d.stream_view_type()).map(|v| v.as_str().to_owned()).unwrap_or_default(),
    });
    if let Some(new) = image(d.and_then(|d| d.new_image())) {
        if new.as_object().is_some_and(|o| !o.is_empty()) {
            dynamodb["NewImage"] = new;
        }
    }
    json!({
        "eventID": r.event_id().unwrap_or_default(),
        "eventName": r.event_name().map(|e| e.as_str().to_owned()).unwrap_or_default(),
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "eventSourceARN": stream_arn,
        "dynamodb": dynamodb,
    })
}

impl StreamMapping {
    pub async fn run(self) {
        loop {
            if let Err(e) = self.poll_forever().await {
                tracing::warn!(mapping = self.source.name.as_str(), error = e.as_str(), "stream mapping restarting");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }

    async fn poll_forever(&self) -> Result<(), String> {
        let table = self.ddb.describe_table().table_name(&self.table_name).send().await.map_err(|e| format!("{}", aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
        let stream_arn = table.table().and_then(|t| t.latest_stream_arn()).ok_or("the table has no stream")?.to_owned();
        let mut iterators: HashMap<String, Option<String>> = HashMap::new();
        loop {
            let described = self.streams.describe_stream().stream_arn(&stream_arn).send().await.map_err(|e| format!("{}", aws_sdk_dynamodbstreams::error::DisplayErrorContext(e)))?;
            for shard in described.stream_description().map(|d| d.shards()).unwrap_or_default() {
                let Some(id) = shard.shard_id() else { continue };
                if !iterators.contains_key(id) {
                    let resume = self.positions.lock().unwrap_or_else(|p| p.into_inner()).get(id).cloned();
                    let request = self.streams.get_shard_iterator().stream_arn(&stream_arn).shard_id(id);
                    let request = match resume {
                        Some(seq) => request.shard_iterator_type(ShardIteratorType::AfterSequenceNumber).sequence_number(seq),
                        None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
                    };
                    let it = request
                        .send()
                        .await
                        .map_err(|e| format!("{}", aws_sdk_dynamodbstreams::error::DisplayErrorContext(e)))?;
                    iterators.insert(id.to_owned(), it.shard_iterator().map(str::to_owned));
                }
            }
            let mut got_any = false;
            for (shard, iterator) in iterators.iter_mut() {
                let Some(current) = iterator.clone() else { continue };
                let out = self
                    .streams
                    .get_records()
                    .shard_iterator(&current)
                    .limit(self.source.batch_size.clamp(1, 1000) as i32)
                    .send()
                    .await
                    .map_err(|e| format!("{}", aws_sdk_dynamodbstreams::error::DisplayErrorContext(e)))?;
                let records: Vec<Value> = out.records().iter().map(|r| lambda_record(r, &stream_arn)).collect();
                if let Some(last) = out.records().last().and_then(|r| r.dynamodb()).and_then(|d| d.sequence_number()) {
                    got_any = true;
                    self.deliver(records).await;
                    self.positions.lock().unwrap_or_else(|p| p.into_inner()).insert(shard.clone(), last.to_owned());
                }
                *iterator = out.next_shard_iterator().map(str::to_owned);
            }
            if got_any {
                self.idle_rounds.store(0, Ordering::SeqCst);
            } else {
                self.idle_rounds.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }

    /// One batch: filter, invoke, and on reported failures invoke again
    /// from the first failed record, up to the mapping's retry limit.
    async fn deliver(&self, records: Vec<Value>) {
        let mut batch: Vec<Value> = records.into_iter().filter(|r| filter::passes(&self.source.filters, r)).collect();
        let mut attempts = 0u32;
        while !batch.is_empty() {
            let event: aws_lambda_events::event::dynamodb::Event = match serde_json::from_value(json!({ "Records": batch })) {
                Ok(e) => e,
                Err(e) => {
                    tracing::error!(error = %e, "stream batch does not decode as a Lambda DynamoDB event");
                    return;
                }
            };
            let response = (self.handler)(event).await;
            let first_failed = response.batch_item_failures.iter().filter_map(|f| f.item_identifier.clone()).next();
            let Some(failed_seq) = first_failed.filter(|_| self.source.report_batch_item_failures) else { return };
            attempts += 1;
            let from = batch.iter().position(|r| r.pointer("/dynamodb/SequenceNumber").and_then(Value::as_str) == Some(failed_seq.as_str())).unwrap_or(0);
            batch.drain(..from);
            if attempts > self.source.maximum_retry_attempts {
                self.send_to_failure_destination(&batch).await;
                return;
            }
            tokio::time::sleep(Duration::from_millis(50 * u64::from(attempts.min(10)))).await;
        }
    }

    async fn send_to_failure_destination(&self, batch: &[Value]) {
        tracing::error!(mapping = self.source.name.as_str(), records = batch.len(), "stream records exhausted their retries");
        let Some(url) = &self.on_failure_queue_url else { return };
        let first = batch.first().and_then(|r| r.pointer("/dynamodb/SequenceNumber")).cloned().unwrap_or(Value::Null);
        let last = batch.last().and_then(|r| r.pointer("/dynamodb/SequenceNumber")).cloned().unwrap_or(Value::Null);
        let body = json!({
            "requestContext": {"condition": "RetryAttemptsExhausted", "functionArn": self.source.name},
            "DDBStreamBatchInfo": {"startSequenceNumber": first, "endSequenceNumber": last, "batchSize": batch.len()},
        });
        if let Err(e) = self.sqs.send_message().queue_url(url).message_body(body.to_string()).send().await {
            tracing::error!(error = %aws_sdk_sqs::error::DisplayErrorContext(e), "could not record the failed batch");
        }
    }
}
