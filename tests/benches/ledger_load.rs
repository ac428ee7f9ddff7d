//! What the reconciliation function reads to build its ledger: N open
//! invoices in the open-items index (`gsi5`, sparse, projecting one short
//! attribute), read with `LedgerSource::open_items` against DynamoDB Local,
//! beside what reading the whole invoice items would cost.
//!
//! Run: `bash infra/local/stack.sh emulators` (or a running stack), then
//! `cargo bench -p o2c-e2e --bench ledger_load [-- OPEN]` (default 100,000).
//! It makes its own table (the template's key schema for the index) and
//! deletes it afterwards.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType, ScalarAttributeType};
use o2c_domain::ids::{CustomerId, InvoiceId};
use o2c_domain::matching::Ledger;
use o2c_domain::ports::LedgerSource;
use o2c_store::{keys, DynamoStore};

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// A stand-in for an invoice's `data`: a real three-line open invoice
/// encodes to about 1,300 bytes (docs/data-model.md).
const INVOICE_BYTES: usize = 1_300;

#[tokio::main]
async fn main() {
    let open = std::env::args().skip(1).find_map(|a| a.parse::<usize>().ok()).unwrap_or(100_000);
    let aws = o2c_e2e::local_aws().await;
    let config = aws_sdk_dynamodb::config::Builder::from(&aws).endpoint_url(o2c_e2e::dynamodb_endpoint()).build();
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    let table = format!("o2c-bench-ledger-{}", ulid::Ulid::new().to_string().to_lowercase());
    let attr = |name: &str| AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::S).build().expect("attribute");
    let key = |name: &str, kind: KeyType| KeySchemaElement::builder().attribute_name(name).key_type(kind).build().expect("key");
    client
        .create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("pk"))
        .attribute_definitions(attr("sk"))
        .attribute_definitions(attr(keys::GSI5PK))
        .attribute_definitions(attr(keys::GSI5SK))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("gsi5")
                .key_schema(key(keys::GSI5PK, KeyType::Hash))
                .key_schema(key(keys::GSI5SK, KeyType::Range))
                .projection(Projection::builder().projection_type(ProjectionType::Include).non_key_attributes("open_item").build())
                .build()
                .expect("index"),
        )
        .send()
        .await
        .expect("bench table (is DynamoDB Local running?)");

    let customers: Vec<CustomerId> = (0..open.div_ceil(10)).map(|_| CustomerId::from_ulid(ulid::Ulid::new())).collect();
    let mut items = Vec::with_capacity(open);
    let mut index_bytes = 0usize;
    for i in 0..open {
        let invoice = InvoiceId::from_ulid(ulid::Ulid::new());
        let customer = customers[i % customers.len()];
        let open_item = format!("{customer}|{invoice}|INV-2026-{:06}|EUR|{}|2026-12-01||", i + 1, 5_000 + (i * 7_919) % 2_000_000);
        let mut item = HashMap::new();
        item.insert("pk".to_owned(), s(format!("INV#{invoice}")));
        item.insert("sk".to_owned(), s("INVOICE"));
        item.insert(keys::GSI5PK.to_owned(), s(keys::open_items_pk(invoice)));
        item.insert(keys::GSI5SK.to_owned(), s(invoice.to_string()));
        index_bytes += "pk".len() + 30 + "sk".len() + 7 + keys::GSI5PK.len() + 11 + keys::GSI5SK.len() + 30 + "open_item".len() + open_item.len();
        item.insert("open_item".to_owned(), s(open_item));
        item.insert("data".to_owned(), s("x".repeat(INVOICE_BYTES)));
        items.push(item);
    }
    let started = std::time::Instant::now();
    o2c_e2e::seed_items(&client, &table, items).await;
    eprintln!("seeded {open} open invoices in {:.1} s", started.elapsed().as_secs_f64());

    let store = DynamoStore::new(client.clone(), table.clone());
    store.capacity().reset();
    let read_started = std::time::Instant::now();
    let found = store.open_items().await.expect("open items");
    let read_secs = read_started.elapsed().as_secs_f64();
    let units = store.capacity().units().read;
    assert_eq!(found.len(), open, "every open invoice is read");
    let build_started = std::time::Instant::now();
    let ledger = Ledger::new(found, Vec::new());
    let build_secs = build_started.elapsed().as_secs_f64();
    assert_eq!(ledger.len(), open);
    // Eventually consistent reads: 0.5 unit per 4 KB.
    let minimum = index_bytes.div_ceil(4096) as f64 * 0.5;
    let whole = (open * (INVOICE_BYTES + 200)).div_ceil(4096) as f64 * 0.5;
    println!("open invoices: {open}");
    println!("ledger read (open_items, 8 shards of gsi5): {units:.1} RCU in {read_secs:.2} s against DynamoDB Local; ledger built in {build_secs:.2} s");
    println!("minimum (the index entries, about {} B each): {minimum:.1} RCU; ratio {:.2}x", index_bytes / open.max(1), units / minimum);
    println!("reading the whole invoice items instead: about {whole:.1} RCU ({:.0}x)", whole / units.max(0.5));
    println!("at $0.125 per million read request units (on-demand): ${:.4} per ledger read", units * 0.125 / 1_000_000.0);

    client.delete_table().table_name(&table).send().await.expect("delete bench table");
}
