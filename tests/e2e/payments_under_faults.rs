//! The payments handler in process, its store behind the fault proxy
//! (conflicts, throttling, 5xx and responses lost after DynamoDB already
//! committed): callers retry with their Idempotency-Key until they get an
//! answer, and every payment is recorded exactly once.

use std::sync::Arc;

use o2c_api::settings::Settings;
use o2c_domain::api_key::Scope;
use o2c_domain::clock::SystemClock;
use o2c_domain::customer::TimeZone;
use o2c_domain::ports::{ApiKeyAdmin, CustomerRead, PageRequest, PaymentFilter, PaymentList};
use o2c_e2e::{answer_of, gateway_event};
use o2c_fault_proxy::{FaultProxy, FaultRates};
use o2c_fn_payments_api::Handler;
use o2c_store::DynamoStore;
use serde_json::json;

use crate::webhooks_under_faults::{open_invoice, paid};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn payments_retried_through_lost_responses_and_conflicts_are_each_recorded_once() {
    let proxy = FaultProxy::start(&o2c_e2e::dynamodb_endpoint(), FaultRates::default(), 21).await.expect("proxy");
    let aws = o2c_e2e::local_aws().await;
    let timeouts = aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder().operation_attempt_timeout(std::time::Duration::from_secs(2)).build();
    let config = aws_sdk_dynamodb::config::Builder::from(&aws).endpoint_url(proxy.endpoint()).timeout_config(timeouts).build();
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(config), o2c_e2e::table_name());
    let (key, hash, record) = o2c_api::keys::new_api_key("payment-faults", Scope::ALL.to_vec(), chrono::Utc::now()).expect("key");
    store.create_api_key(hash, &record).await.expect("key stored");
    let invoice = open_invoice(&store).await;
    let settings = Settings { table_name: o2c_e2e::table_name(), event_bus_name: "o2c-local".into(), delivery_queue_url: String::new(), company_time_zone: TimeZone::default(), reminder_queue_url: String::new(), holidays: Default::default() };
    let handler = Arc::new(Handler::new(store.clone(), settings, Arc::new(SystemClock)));

    proxy.set_rates(FaultRates { conflict: 0.15, throttle: 0.05, server_error: 0.05, timeout: 0.0, lost_response: 0.1 });
    let handles: Vec<_> = (1..=10)
        .map(|n| {
            let (h, key) = (handler.clone(), key.clone());
            let body = json!({"customer": invoice.customer, "amount": format!("1.{n:02}"), "currency": "EUR", "allocations": [{"invoice": invoice.id, "amount": format!("1.{n:02}")}]}).to_string();
            let idem = format!("pay-faults-{}-{n}", ulid::Ulid::new());
            tokio::spawn(async move {
                // A patient client: it retries the same request with the
                // same key until it gets an answer that is not "try again".
                // A claim whose answer was lost to a fault after it
                // committed stays locked for the key's 60 s lock (the
                // handler cannot tell it from another request's claim), and
                // that can happen twice to one key: patience means minutes.
                let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(200);
                let mut last = String::new();
                while tokio::time::Instant::now() < deadline {
                    let e = gateway_event("POST", "POST /v1/payments", "/v1/payments", None, &key, Some(body.clone()), &[("idempotency-key", &idem)]);
                    let (status, answer) = answer_of(&h.handle(e).await);
                    match status {
                        201 => return answer["id"].as_str().unwrap_or("").to_owned(),
                        409 | 503 => {
                            last = format!("{status} {}", answer["code"]);
                            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                        }
                        other => panic!("unexpected {other}: {answer}"),
                    }
                }
                panic!("never recorded; last answer {last}");
            })
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for h in handles {
        ids.insert(h.await.expect("task"));
    }
    proxy.set_rates(FaultRates::default());
    assert_eq!(ids.len(), 10, "ten distinct payments answered");
    let sum: i64 = (1..=10).map(|n| 100 + n).sum();
    assert_eq!(paid(&store, invoice.id).await, format!("{}.{:02}", sum / 100, sum % 100), "each applied exactly once");
    let listed = store.list_payments(&PaymentFilter::Customer(invoice.customer), &PageRequest { limit: 100, starting_after: None }).await.expect("list");
    assert_eq!(listed.data.len(), 10, "no payment recorded twice");
    assert!(listed.data.iter().all(|p| ids.contains(&p.id.to_string())));
    let customer = store.customer(invoice.customer).await.expect("read").expect("customer").value;
    assert_eq!(customer.balance.to_minor(), 10_000 - sum, "the receivable moved by exactly the payments");
}
