use std::time::Duration;

use o2c_e2e::{local_aws, wait_for_message, Api};
use serde_json::{json, Value};

async fn draft(api: &Api, customer: &str, extra: Value) -> Value {
    let mut body = json!({
        "customer": customer,
        "lines": [
            {"description": "Consulting, November", "quantity": "12.5", "unit_amount": "120", "tax_rate": "19"},
            {"description": "Travel", "quantity": "1", "unit_amount": "84.30", "tax_rate": "7"},
            {"description": "Book", "quantity": "3", "unit_amount": "9.99", "tax_rate": "7"}
        ]
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let a = api.post("/v1/invoices", body).await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    a.body
}


#[tokio::test]
async fn a_finalized_invoice_is_stored_numbered_and_its_messages_are_relayed() {
    let api = Api::new();
    let aws = local_aws().await;
    let sqs = aws_sdk_sqs::Client::new(&aws);
    let events = aws_sdk_eventbridge::Client::new(&aws);

    // Subscribe a queue of our own to the bus, as any consumer of o2c's
    // domain events would.
    let tap = format!("e2e-tap-{}", ulid::Ulid::new());
    let tap_url = sqs.create_queue().queue_name(&tap).send().await.expect("tap queue").queue_url().unwrap_or_default().to_owned();
    let tap_arn = format!("arn:aws:sqs:us-east-1:123456789012:{tap}");
    events
        .put_rule()
        .name(&tap)
        .event_bus_name("o2c-local")
        .event_pattern(r#"{"source":["o2c"],"detail-type":["invoice.finalized"]}"#)
        .send()
        .await
        .expect("rule");
    events
        .put_targets()
        .rule(&tap)
        .event_bus_name("o2c-local")
        .targets(aws_sdk_eventbridge::types::Target::builder().id("tap").arn(&tap_arn).build().expect("target"))
        .send()
        .await
        .expect("target");

    let customer = api.create_customer("EUR").await;
    let created = draft(&api, &customer, json!({})).await;
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(created["status"], "draft");
    assert_eq!(created["number"], Value::Null);
    // 12.5 x 120 = 1500.00 at 19%; 84.30 + 29.97 = 114.27 at 7%.
    assert_eq!(created["subtotal"], "1614.27");
    assert_eq!(created["tax"], "293.00"); // 285.00 + 8.00 (7.9989 rounds half away)
    assert_eq!(created["total"], "1907.27");

    let correlation = format!("e2e-{}", ulid::Ulid::new());
    let finalized = api.send_with("POST", &format!("/v1/invoices/{id}/finalize"), Some("{}"), &[("X-Correlation-Id", &correlation)]).await;
    assert_eq!(finalized.status, 200, "{:?}", finalized.body);
    assert_eq!(finalized.header("x-correlation-id"), Some(correlation.clone()));
    let number = finalized.body["number"].as_str().expect("a number").to_owned();
    let year = chrono::Utc::now().format("%Y").to_string();
    assert!(number.starts_with(&format!("INV-{year}-")) && number.len() >= 15, "{number}");
    assert_eq!(finalized.body["status"], "open");
    assert_eq!(finalized.body["amount_due"], "1907.27");
    assert!(finalized.body["due_date"].is_string());

    let stored = api.get(&format!("/v1/invoices/{id}")).await;
    assert_eq!(stored.status, 200);
    assert_eq!(stored.body, finalized.body, "what GET reads is what finalize answered");

    let timeline = api.get(&format!("/v1/invoices/{id}/events")).await;
    let types: Vec<&str> = timeline.body["data"].as_array().expect("data").iter().filter_map(|i| i["type"].as_str()).filter(|t| !t.starts_with("invoice.email") && !t.starts_with("invoice.reminder") && *t != "invoice.promise_broken").collect();
    assert_eq!(types, vec!["invoice.created", "invoice.finalized"]);

    let balance = api.get(&format!("/v1/customers/{customer}")).await;
    assert_eq!(balance.body["balance"], "1907.27", "the open receivable includes the invoice");

    // The delivery queue has a consumer now: its message shows as the
    // email in the timeline.
    let mut emailed = false;
    for _ in 0..200 {
        let t = api.get(&format!("/v1/invoices/{id}/events")).await;
        if t.body["data"].as_array().is_some_and(|d| d.iter().any(|i| i["type"] == "invoice.email_sent")) {
            emailed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(emailed, "the finalize message was delivered and the invoice emailed");

    let on_bus = wait_for_message(&sqs, &tap_url, Duration::from_secs(20), |b| b["detail"]["aggregate"]["id"] == id.as_str()).await;
    let on_bus = on_bus.expect("the domain event reached the event bus");
    assert_eq!(on_bus["detail-type"], "invoice.finalized");
    assert_eq!(on_bus["source"], "o2c");
    assert_eq!(on_bus["detail"]["payload"]["number"], number.as_str());
    assert!(on_bus["detail"]["id"].as_str().is_some_and(|e| e.starts_with("evt_")));
    assert_eq!(on_bus["detail"]["correlation_id"], correlation.as_str(), "the caller's correlation id travels with the message");
}

#[tokio::test]
async fn concurrent_finalizes_take_gapless_unique_numbers() {
    let api = Api::new();
    let customer = api.create_customer("USD").await;
    // A year of our own, so other tests' invoices cannot interleave.
    let year = o2c_e2e::private_year().await;
    let mut ids = Vec::new();
    for _ in 0..8 {
        ids.push(draft(&api, &customer, json!({"issue_date": format!("{year}-03-01")})).await["id"].as_str().expect("id").to_owned());
    }
    let finalizes = ids.iter().map(|id| {
        let api = Api::new();
        let path = format!("/v1/invoices/{id}/finalize");
        tokio::spawn(async move { api.post(&path, json!({})).await })
    });
    let mut sequences = Vec::new();
    for f in finalizes {
        let a = f.await.expect("task");
        assert_eq!(a.status, 200, "{:?}", a.body);
        let n = a.body["number"].as_str().expect("number").to_owned();
        assert!(n.starts_with(&format!("INV-{year}-")), "{n}");
        sequences.push(n.rsplit('-').next().and_then(|s| s.parse::<u64>().ok()).expect("sequence"));
    }
    sequences.sort_unstable();
    // The year is ours alone (reserved, never used before).
    assert_eq!(sequences, (1..=8).collect::<Vec<u64>>(), "numbers are unique and leave no gap");
}

#[tokio::test]
async fn finalizing_twice_is_a_conflict_and_takes_no_second_number() {
    let api = Api::new();
    let customer = api.create_customer("JPY").await;
    let year = o2c_e2e::private_year().await;
    let id = draft(&api, &customer, json!({"issue_date": format!("{year}-01-15")})).await["id"].as_str().expect("id").to_owned();
    let first = api.post(&format!("/v1/invoices/{id}/finalize"), json!({})).await;
    assert_eq!(first.status, 200);
    let first_number = first.body["number"].as_str().expect("number").to_owned();
    assert_eq!(first_number, format!("INV-{year}-000001"));
    assert_eq!(first.body["total"], "1907", "JPY has no minor unit: 84.30 -> 84, 29.97 -> 30");
    let again = api.post(&format!("/v1/invoices/{id}/finalize"), json!({})).await;
    assert_eq!(again.status, 409);
    assert_eq!(again.body["code"], "invalid_state_transition");
    let next = draft(&api, &customer, json!({"issue_date": format!("{year}-01-16")})).await["id"].as_str().expect("id").to_owned();
    let second = api.post(&format!("/v1/invoices/{next}/finalize"), json!({})).await;
    let seq = |n: &str| n.rsplit('-').next().and_then(|s| s.parse::<u64>().ok()).expect("sequence");
    let second_number = second.body["number"].as_str().expect("number").to_owned();
    assert_eq!(seq(&second_number), seq(&first_number) + 1, "the refused finalize consumed no number");
}

#[tokio::test]
async fn a_zero_total_invoice_is_paid_when_finalized() {
    let api = Api::new();
    let customer = api.create_customer("BHD").await;
    let a = api
        .post("/v1/invoices", json!({"customer": customer, "finalize": true, "lines": [{"description": "Free sample", "quantity": "1", "unit_amount": "0", "tax_rate": "10"}]}))
        .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    assert_eq!(a.body["status"], "paid");
    assert_eq!(a.body["total"], "0.000");
    assert!(a.body["paid_at"].is_string());
    let timeline = api.get(&format!("/v1/invoices/{}/events", a.body["id"].as_str().unwrap_or_default())).await;
    let types: Vec<&str> = timeline.body["data"].as_array().expect("data").iter().filter_map(|i| i["type"].as_str()).filter(|t| !t.starts_with("invoice.email") && !t.starts_with("invoice.reminder") && *t != "invoice.promise_broken").collect();
    assert_eq!(types, vec!["invoice.created", "invoice.finalized", "invoice.paid"]);
}

#[tokio::test]
async fn creating_with_finalize_numbers_the_invoice_in_the_same_step() {
    let api = Api::new();
    let customer = api.create_customer("USD").await;
    let created = draft(&api, &customer, json!({"finalize": true})).await;
    assert_eq!(created["status"], "open");
    assert!(created["number"].as_str().is_some_and(|n| n.starts_with("INV-")));
    let id = created["id"].as_str().expect("id");
    let stored = api.get(&format!("/v1/invoices/{id}")).await;
    assert_eq!(stored.body, created);
    let timeline = api.get(&format!("/v1/invoices/{id}/events")).await;
    let types: Vec<&str> = timeline.body["data"].as_array().expect("data").iter().filter_map(|i| i["type"].as_str()).filter(|t| !t.starts_with("invoice.email") && !t.starts_with("invoice.reminder") && *t != "invoice.promise_broken").collect();
    assert_eq!(types, vec!["invoice.created", "invoice.finalized"]);
}
