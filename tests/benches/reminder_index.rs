//! What finding one day's reminders reads: 100,000 open invoices in the
//! reminder index, 1,000 of them due at one send instant, the fire's query
//! (`ReminderIndex::reminders_at`) measured with `ReturnConsumedCapacity`
//! against DynamoDB Local, beside the minimum (the due entries' bytes,
//! eventually consistent, in 4 KB units) and a scan of everything.
//!
//! Run: `bash infra/local/stack.sh emulators` (or a running stack), then
//! `cargo bench -p o2c-e2e --bench reminder_index [-- OPEN DUE]`.
//! It makes its own table (the template's key schema for the index) and
//! deletes it afterwards.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType, ScalarAttributeType};
use chrono::{Duration, TimeZone as _, Utc};
use o2c_domain::ids::{CustomerId, InvoiceId};
use o2c_domain::ports::ReminderIndex;
use o2c_store::{keys, DynamoStore};

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// DynamoDB's size of an item of string attributes: names plus values.
fn size(item: &HashMap<String, AttributeValue>) -> usize {
    item.iter().map(|(k, v)| k.len() + v.as_s().map(String::len).unwrap_or(0)).sum()
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1).filter_map(|a| a.parse::<usize>().ok());
    let open = args.next().unwrap_or(100_000);
    let due = args.next().unwrap_or(1_000).min(open);
    let aws = o2c_e2e::local_aws().await;
    let config = aws_sdk_dynamodb::config::Builder::from(&aws).endpoint_url(o2c_e2e::dynamodb_endpoint()).build();
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    let table = format!("o2c-bench-reminders-{}", ulid::Ulid::new().to_string().to_lowercase());
    let attr = |name: &str| AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::S).build().expect("attribute");
    let key = |name: &str, kind: KeyType| KeySchemaElement::builder().attribute_name(name).key_type(kind).build().expect("key");
    client
        .create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("pk"))
        .attribute_definitions(attr("sk"))
        .attribute_definitions(attr(keys::GSI4PK))
        .attribute_definitions(attr(keys::GSI4SK))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("gsi4")
                .key_schema(key(keys::GSI4PK, KeyType::Hash))
                .key_schema(key(keys::GSI4SK, KeyType::Range))
                .projection(Projection::builder().projection_type(ProjectionType::KeysOnly).build())
                .build()
                .expect("index"),
        )
        .send()
        .await
        .expect("bench table (is DynamoDB Local running?)");

    // One instant holds the day's `due`; the other invoices' next steps
    // are spread over the two months around it, never at that instant.
    let instant = Utc.with_ymd_and_hms(2027, 3, 15, 8, 0, 0).single().expect("instant");
    let mut due_bytes = 0usize;
    let mut all_bytes = 0usize;
    let mut items = Vec::with_capacity(open);
    for i in 0..open {
        let customer = CustomerId::from_ulid(ulid::Ulid::new());
        let invoice = InvoiceId::from_ulid(ulid::Ulid::new());
        let send_at = if i < due { instant } else { instant + Duration::hours(1 + (i as i64 * 7919) % (24 * 60)) - Duration::days(30) };
        let send_at = if i >= due && send_at == instant { send_at + Duration::minutes(30) } else { send_at };
        let mut item = HashMap::new();
        item.insert("pk".to_owned(), s(format!("INV#{invoice}")));
        item.insert("sk".to_owned(), s("INVOICE"));
        item.insert(keys::GSI4PK.to_owned(), s(keys::reminder_index_pk(customer)));
        item.insert(keys::GSI4SK.to_owned(), s(keys::reminder_index_sk(send_at, customer, invoice)));
        all_bytes += size(&item);
        if i < due {
            due_bytes += size(&item);
        }
        items.push(item);
    }
    let started = std::time::Instant::now();
    o2c_e2e::seed_items(&client, &table, items).await;
    eprintln!("seeded {open} index entries in {:.1} s", started.elapsed().as_secs_f64());

    let store = DynamoStore::new(client.clone(), table.clone());
    store.capacity().reset();
    let found = store.reminders_at(instant).await.expect("query");
    let fire_units = store.capacity().units().read;
    store.capacity().reset();
    let day = store.reminders_between(instant - Duration::hours(8), instant + Duration::hours(16)).await.expect("query");
    let day_units = store.capacity().units().read;
    assert_eq!(found.len(), due, "the fire finds exactly the due entries");
    assert!(day.len() >= due);

    // Eventually consistent reads: 0.5 unit per 4 KB, rounded up.
    let minimum = due_bytes.div_ceil(4096) as f64 * 0.5;
    let scan = all_bytes.div_ceil(4096) as f64 * 0.5;
    println!("open invoices in the index: {open}; due at the instant: {due}");
    println!("fire query (reminders_at, 8 shards): {fire_units:.1} RCU, found {}", found.len());
    println!("minimum (the {due} due entries, {due_bytes} B): {minimum:.1} RCU");
    println!("ratio fire / minimum: {:.2}x", fire_units / minimum);
    println!("the instant's whole day (reminders_between): {day_units:.1} RCU for {} entries", day.len());
    println!("a scan of every open invoice's entry would read: {scan:.1} RCU ({:.0}x the minimum)", scan / minimum);

    client.delete_table().table_name(&table).send().await.expect("delete bench table");
}
