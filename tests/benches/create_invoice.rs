//! The create-invoice handler path, in process, against DynamoDB Local:
//! latency percentiles, and the capacity units a create and a finalize
//! consume beside the minimum their item sizes require.
//!
//! Run: `bash infra/local/stack.sh start` (or `make dev` elsewhere), then
//! `cargo bench -p o2c-e2e --bench create_invoice [-- ITERATIONS]`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use aws_sdk_dynamodb::types::AttributeValue;
use o2c_api::settings::Settings;
use o2c_domain::clock::SystemClock;
use o2c_domain::customer::TimeZone;
use o2c_domain::ports::ApiKeyAdmin;
use o2c_store::DynamoStore;
use serde_json::{json, Value};

fn event(method: &str, route_key: &str, path: &str, id: Option<&str>, key: &str, body: Option<String>) -> ApiGatewayV2httpRequest {
    o2c_e2e::gateway_event(method, route_key, path, id, key, body, &[])
}

fn body_of(r: &aws_lambda_events::apigw::ApiGatewayV2httpResponse) -> Value {
    o2c_e2e::answer_of(r).1
}

/// DynamoDB's item size: attribute names plus values (numbers about one
/// byte per two digits plus one; maps and lists three bytes plus content).
fn value_size(v: &AttributeValue) -> usize {
    match v {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => n.len().div_ceil(2) + 1,
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::M(m) => 3 + m.iter().map(|(k, v)| k.len() + value_size(v) + 1).sum::<usize>(),
        AttributeValue::L(l) => 3 + l.iter().map(|v| value_size(v) + 1).sum::<usize>(),
        AttributeValue::B(b) => b.as_ref().len(),
        _ => 0,
    }
}

fn item_size(item: &HashMap<String, AttributeValue>) -> usize {
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let iterations: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(300);
    let aws = o2c_e2e::local_aws().await;
    let config = aws_sdk_dynamodb::config::Builder::from(&aws).endpoint_url(o2c_e2e::dynamodb_endpoint()).build();
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    let table = o2c_e2e::table_name();
    let store = DynamoStore::new(client.clone(), table.clone());

    let (secret, hash, record) = o2c_api::keys::new_api_key("bench", o2c_domain::api_key::Scope::ALL.to_vec(), chrono::Utc::now()).expect("key");
    store.create_api_key(hash, &record).await.expect("bench key (is the local stack running?)");
    let settings = Settings { table_name: table.clone(), event_bus_name: "o2c-local".into(), delivery_queue_url: String::new(), company_time_zone: TimeZone::default(), reminder_queue_url: String::new(), holidays: Default::default() };
    let invoices = o2c_fn_invoices_api::Handler::new(store.clone(), settings, Arc::new(SystemClock));

    let customer_store = store.clone();
    let c = o2c_e2e::test_customer("Bench GmbH", "EUR");
    o2c_domain::ports::CustomerWrite::commit_customer(&customer_store, o2c_domain::ports::CustomerChange { customer: &c, expected_version: None, outbox: vec![], reply: None }).await.expect("customer");
    let body = json!({"customer": c.id, "lines": [
        {"description": "Consulting, November", "quantity": "12.5", "unit_amount": "120", "tax_rate": "19"},
        {"description": "Travel", "quantity": "1", "unit_amount": "84.30", "tax_rate": "7"},
        {"description": "Book", "quantity": "3", "unit_amount": "9.99", "tax_rate": "7"}
    ]})
    .to_string();

    // Warm the connection and the key cache.
    for _ in 0..20 {
        invoices.handle(event("POST", "POST /v1/invoices", "/v1/invoices", None, &secret, Some(body.clone()))).await;
    }

    let mut latencies = Vec::with_capacity(iterations);
    store.capacity().reset();
    let mut last_id = String::new();
    for _ in 0..iterations {
        let start = Instant::now();
        let r = invoices.handle(event("POST", "POST /v1/invoices", "/v1/invoices", None, &secret, Some(body.clone()))).await;
        latencies.push(start.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(r.status_code, 201, "{:?}", body_of(&r));
        last_id = body_of(&r)["id"].as_str().unwrap_or_default().to_owned();
    }
    let create_units = store.capacity().units();
    latencies.sort_by(|a, b| a.total_cmp(b));

    store.capacity().reset();
    let r = invoices.handle(event("POST", "POST /v1/invoices/{id}/finalize", &format!("/v1/invoices/{last_id}/finalize"), Some(&last_id), &secret, None)).await;
    assert_eq!(r.status_code, 200, "{:?}", body_of(&r));
    let finalize_units = store.capacity().units();

    // The items one create-and-finalize left, to price the minimum.
    let items = client
        .query()
        .table_name(&table)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(format!("INV#{last_id}")))
        .send()
        .await
        .expect("items");
    let sizes: Vec<(String, usize)> = items
        .items()
        .iter()
        .map(|i| (match i.get("sk") {
            Some(AttributeValue::S(s)) => s.split('#').next().unwrap_or("").to_owned(),
            _ => String::new(),
        }, item_size(i)))
        .collect();
    let invoice_size = sizes.iter().find(|(k, _)| k == "INVOICE").map(|(_, s)| *s).unwrap_or(0);
    let timeline: Vec<usize> = sizes.iter().filter(|(k, _)| k == "TL").map(|(_, s)| *s).collect();
    let kb = |b: usize| b.div_ceil(1024) as f64;

    println!("create-invoice handler path, in process, DynamoDB Local, {iterations} iterations");
    println!("  p50 {:.2} ms   p90 {:.2} ms   p99 {:.2} ms   max {:.2} ms", percentile(&latencies, 0.5), percentile(&latencies, 0.9), percentile(&latencies, 0.99), latencies[latencies.len() - 1]);
    println!("capacity per request (ReturnConsumedCapacity, as DynamoDB Local reports it):");
    println!("  create (draft):  {:.2} RCU  {:.2} WCU", create_units.read / iterations as f64, create_units.write / iterations as f64);
    println!("  finalize:        {:.2} RCU  {:.2} WCU", finalize_units.read, finalize_units.write);
    println!("item sizes: invoice {invoice_size} B, timeline items {timeline:?} B");
    // A transaction costs 2 WCU per KB per item. Create writes the invoice,
    // one outbox and one timeline item and checks the customer; finalize
    // writes the invoice, counter, number sentinel, balance, two outbox
    // messages' worth of events (one item) and one timeline item.
    let outbox_kb = 1.0;
    let create_min = 2.0 * (kb(invoice_size) + outbox_kb + kb(timeline.first().copied().unwrap_or(300)) + 1.0);
    let finalize_min = 2.0 * (kb(invoice_size) + 1.0 + 1.0 + 1.0 + outbox_kb + kb(timeline.get(1).copied().unwrap_or(300)));
    println!("minimum the item sizes require (transactional, table only): create {create_min:.0} WCU, finalize {finalize_min:.0} WCU");
}
