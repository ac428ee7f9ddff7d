//! The AWS SDK talking to DynamoDB Local through the proxy: each fault must
//! reach the SDK as the error real DynamoDB would produce, and the writes
//! must land (or not) as they would. Needs DynamoDB Local on
//! `O2C_DYNAMODB_PORT` (default 8000; `bash infra/local/stack.sh emulators`).
//! Like the rest of the workspace's tests, it fails rather than skips when
//! DynamoDB Local is not there.
//!
//! Each test makes its own `fault-proxy-test-*` table through a direct
//! client (so the proxy's faults cannot get in the way of the set-up and of
//! the checks) and deletes it at the end.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::config::Credentials;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, Put, ScalarAttributeType, TransactWriteItem,
};
use aws_sdk_dynamodb::Client;
use o2c_fault_proxy::{FaultProxy, FaultRates, InjectedCounts};

fn dynamodb_local() -> String {
    let port = std::env::var("O2C_DYNAMODB_PORT").ok().filter(|p| !p.is_empty()).unwrap_or_else(|| "8000".to_owned());
    format!("http://127.0.0.1:{port}")
}

/// A client for `endpoint` with the dummy credentials DynamoDB Local takes.
async fn client(endpoint: &str, retry: RetryConfig, timeouts: TimeoutConfig) -> Client {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "t"))
        .endpoint_url(endpoint)
        .retry_config(retry)
        .timeout_config(timeouts)
        .load()
        .await;
    Client::new(&config)
}

fn no_timeouts() -> TimeoutConfig {
    TimeoutConfig::builder().operation_timeout(Duration::from_secs(10)).build()
}

/// A throwaway table with a string hash key `pk`, made directly on DynamoDB Local.
struct Table {
    name: String,
    direct: Client,
}

impl Table {
    async fn create() -> Table {
        static N: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
        let name = format!("fault-proxy-test-{}-{nanos:x}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        let direct = client(&dynamodb_local(), RetryConfig::standard(), no_timeouts()).await;
        direct
            .create_table()
            .table_name(&name)
            .attribute_definitions(AttributeDefinition::builder().attribute_name("pk").attribute_type(ScalarAttributeType::S).build().unwrap())
            .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().unwrap())
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await
            .unwrap_or_else(|e| panic!("cannot create {name} on DynamoDB Local at {}: {e:?}", dynamodb_local()));
        Table { name, direct }
    }

    /// The item's `note`, read directly (never through the proxy).
    async fn note(&self, pk: &str) -> Option<String> {
        let got = self.direct.get_item().table_name(&self.name).key("pk", s(pk)).consistent_read(true).send().await.unwrap();
        got.item().map(|item| item["note"].as_s().unwrap().clone())
    }

    async fn delete(self) {
        self.direct.delete_table().table_name(&self.name).send().await.unwrap();
    }
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn put(table: &Table, pk: &str) -> TransactWriteItem {
    let put = Put::builder().table_name(&table.name).item("pk", s(pk)).item("note", s("written")).build().unwrap();
    TransactWriteItem::builder().put(put).build()
}

async fn proxy(rates: FaultRates) -> FaultProxy {
    FaultProxy::start(&dynamodb_local(), rates, 42).await.unwrap()
}

#[tokio::test]
async fn with_no_faults_put_item_and_get_item_round_trip() {
    let table = Table::create().await;
    let proxy = proxy(FaultRates::default()).await;
    let sdk = client(&proxy.endpoint(), RetryConfig::standard(), no_timeouts()).await;

    sdk.put_item().table_name(&table.name).item("pk", s("a")).item("note", s("hello")).send().await.unwrap();
    let got = sdk.get_item().table_name(&table.name).key("pk", s("a")).send().await.unwrap();

    assert_eq!(got.item().unwrap()["note"], s("hello"));
    assert_eq!(proxy.injected(), InjectedCounts { forwarded: 2, ..Default::default() });
    table.delete().await;
}

#[tokio::test]
async fn with_conflict_at_one_a_transact_write_is_cancelled_with_a_reason_per_item_and_writes_nothing() {
    let table = Table::create().await;
    let proxy = proxy(FaultRates { conflict: 1.0, ..Default::default() }).await;
    let sdk = client(&proxy.endpoint(), RetryConfig::standard(), no_timeouts()).await;

    let err = sdk
        .transact_write_items()
        .transact_items(put(&table, "a"))
        .transact_items(put(&table, "b"))
        .send()
        .await
        .expect_err("the transaction must be cancelled");

    let TransactWriteItemsError::TransactionCanceledException(cancelled) = err.into_service_error() else {
        panic!("not a TransactionCanceledException");
    };
    let codes: Vec<&str> = cancelled.cancellation_reasons().iter().filter_map(|r| r.code()).collect();
    assert_eq!(codes, ["TransactionConflict", "None"]);
    assert_eq!(cancelled.cancellation_reasons()[0].message(), Some("Transaction is ongoing for the item"));
    assert!(cancelled.message().unwrap().contains("[TransactionConflict, None]"), "{:?}", cancelled.message());
    assert_eq!(table.note("a").await, None);
    assert_eq!(table.note("b").await, None);
    // The SDK does not retry a cancelled transaction: one request, one fault.
    assert_eq!(proxy.injected(), InjectedCounts { conflict: 1, ..Default::default() });
    table.delete().await;
}

#[tokio::test]
async fn with_conflict_at_one_operations_other_than_transact_write_items_pass() {
    let table = Table::create().await;
    let proxy = proxy(FaultRates { conflict: 1.0, ..Default::default() }).await;
    let sdk = client(&proxy.endpoint(), RetryConfig::standard(), no_timeouts()).await;

    sdk.put_item().table_name(&table.name).item("pk", s("a")).item("note", s("plain")).send().await.unwrap();

    assert_eq!(table.note("a").await.as_deref(), Some("plain"));
    assert_eq!(proxy.injected(), InjectedCounts { forwarded: 1, ..Default::default() });
    table.delete().await;
}

#[tokio::test]
async fn with_throttle_at_one_the_sdk_retries_then_returns_a_throttling_exception() {
    let table = Table::create().await;
    let proxy = proxy(FaultRates { throttle: 1.0, ..Default::default() }).await;
    let retry = RetryConfig::standard().with_max_attempts(2).with_initial_backoff(Duration::from_millis(20));
    let sdk = client(&proxy.endpoint(), retry, no_timeouts()).await;

    let err = sdk.put_item().table_name(&table.name).item("pk", s("a")).item("note", s("x")).send().await.unwrap_err();

    let err = err.into_service_error();
    assert!(matches!(err, PutItemError::ThrottlingException(_)), "{err:?}");
    assert_eq!(err.message(), Some("Rate of requests exceeds the allowed throughput."));
    assert_eq!(proxy.injected(), InjectedCounts { throttle: 2, ..Default::default() }, "both attempts were throttled");
    assert_eq!(table.note("a").await, None);
    table.delete().await;
}

#[tokio::test]
async fn with_server_error_at_one_the_sdk_retries_then_returns_an_internal_server_error() {
    let table = Table::create().await;
    let proxy = proxy(FaultRates { server_error: 1.0, ..Default::default() }).await;
    let retry = RetryConfig::standard().with_max_attempts(2).with_initial_backoff(Duration::from_millis(20));
    let sdk = client(&proxy.endpoint(), retry, no_timeouts()).await;

    let err = sdk.get_item().table_name(&table.name).key("pk", s("a")).send().await.unwrap_err();

    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(500));
    assert_eq!(err.into_service_error().code(), Some("InternalServerError"));
    assert_eq!(proxy.injected(), InjectedCounts { server_error: 2, ..Default::default() });
    table.delete().await;
}

#[tokio::test]
async fn with_lost_response_at_one_the_put_item_fails_but_the_item_is_written() {
    let table = Table::create().await;
    let proxy = proxy(FaultRates { lost_response: 1.0, ..Default::default() }).await;
    // One attempt: a retry would be forwarded (and written) again.
    let timeouts = TimeoutConfig::builder().operation_timeout(Duration::from_secs(2)).build();
    let sdk = client(&proxy.endpoint(), RetryConfig::standard().with_max_attempts(1), timeouts).await;

    let started = Instant::now();
    let err = sdk.put_item().table_name(&table.name).item("pk", s("a")).item("note", s("committed")).send().await.unwrap_err();

    assert!(matches!(err, SdkError::DispatchFailure(_) | SdkError::ResponseError(_) | SdkError::TimeoutError(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(table.note("a").await.as_deref(), Some("committed"), "the write happened although the call failed");
    assert_eq!(proxy.injected(), InjectedCounts { lost_response: 1, ..Default::default() });
    table.delete().await;
}

#[tokio::test]
async fn with_timeout_at_one_the_call_times_out_and_nothing_is_written() {
    let table = Table::create().await;
    let proxy = proxy(FaultRates { timeout: 1.0, ..Default::default() }).await;
    let timeouts = TimeoutConfig::builder().operation_attempt_timeout(Duration::from_millis(500)).build();
    let sdk = client(&proxy.endpoint(), RetryConfig::standard().with_max_attempts(1), timeouts).await;

    let started = Instant::now();
    let err = sdk.put_item().table_name(&table.name).item("pk", s("a")).item("note", s("x")).send().await.unwrap_err();

    assert!(matches!(err, SdkError::TimeoutError(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(table.note("a").await, None);
    assert_eq!(proxy.injected(), InjectedCounts { timeout: 1, ..Default::default() });
    table.delete().await;
}

#[tokio::test]
async fn rates_changed_at_run_time_apply_to_the_next_call() {
    let table = Table::create().await;
    let proxy = proxy(FaultRates { throttle: 1.0, ..Default::default() }).await;
    let sdk = client(&proxy.endpoint(), RetryConfig::standard().with_max_attempts(1), no_timeouts()).await;
    let put = || sdk.put_item().table_name(&table.name).item("pk", s("a")).item("note", s("later")).send();

    assert!(put().await.is_err());
    proxy.set_rates(FaultRates::default());
    put().await.unwrap();

    assert_eq!(table.note("a").await.as_deref(), Some("later"));
    assert_eq!(proxy.injected(), InjectedCounts { throttle: 1, forwarded: 1, ..Default::default() });
    table.delete().await;
}
