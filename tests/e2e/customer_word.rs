//! What a customer says about an invoice: a dispute (with its reason), its
//! resolution, and a promise to pay by a date. Each is a flag reminders
//! read, an event on the bus and an entry in the timeline.

use o2c_e2e::Api;
use serde_json::{json, Value};

async fn open_invoice(api: &Api) -> String {
    let customer = api.create_customer("EUR").await;
    let a = api.post("/v1/invoices", json!({"customer": customer, "finalize": true, "lines": [{"description": "Audit", "quantity": "1", "unit_amount": "900"}]})).await;
    assert_eq!(a.status, 201, "{}", a.raw);
    a.body["id"].as_str().unwrap().to_owned()
}

async fn timeline_types(api: &Api, id: &str) -> Vec<String> {
    let t = api.get(&format!("/v1/invoices/{id}/events")).await.body;
    t["data"].as_array().unwrap().iter().filter_map(|e| e["type"].as_str().map(str::to_owned)).collect()
}

fn today_plus(days: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(days)).to_string()
}

#[tokio::test]
async fn a_disputed_invoice_is_flagged_until_the_dispute_is_resolved() {
    let api = Api::new();
    let id = open_invoice(&api).await;
    let a = api.post(&format!("/v1/invoices/{id}/dispute"), json!({"reason": "Goods not received"})).await;
    assert_eq!(a.status, 200, "{}", a.raw);
    assert_eq!((a.body["disputed"].as_bool(), a.body["status"].as_str()), (Some(true), Some("open")));
    let a = api.post(&format!("/v1/invoices/{id}/resolve"), json!({})).await;
    assert_eq!((a.status, a.body["disputed"].as_bool()), (200, Some(false)), "{}", a.raw);
    let again = api.post(&format!("/v1/invoices/{id}/resolve"), json!({})).await;
    assert_eq!((again.status, again.body["code"].as_str()), (409, Some("invalid_state_transition")), "{}", again.raw);
    let types = timeline_types(&api, &id).await;
    assert!(types.contains(&"invoice.disputed".to_owned()) && types.contains(&"invoice.dispute_closed".to_owned()), "{types:?}");
    let events = api.get(&format!("/v1/invoices/{id}/events")).await.body;
    let disputed: &Value = events["data"].as_array().unwrap().iter().find(|e| e["type"] == "invoice.disputed").unwrap();
    assert_eq!(disputed["data"]["reason"], "Goods not received");
}

#[tokio::test]
async fn a_promise_to_pay_is_recorded_and_a_past_date_or_a_paid_invoice_is_refused() {
    let api = Api::new();
    let id = open_invoice(&api).await;
    let a = api.post(&format!("/v1/invoices/{id}/promise"), json!({"date": today_plus(10)})).await;
    assert_eq!(a.status, 200, "{}", a.raw);
    let types = timeline_types(&api, &id).await;
    assert!(types.contains(&"invoice.payment_promised".to_owned()), "{types:?}");
    let past = api.post(&format!("/v1/invoices/{id}/promise"), json!({"date": today_plus(-2)})).await;
    assert_eq!(past.status, 422, "{}", past.raw);
    assert_eq!(past.body["errors"][0]["field"], "date");
    let missing = api.post(&format!("/v1/invoices/{id}/promise"), json!({})).await;
    assert_eq!(missing.status, 422);
    let inv = api.get(&format!("/v1/invoices/{id}")).await.body;
    let customer = inv["customer"].as_str().unwrap();
    let paid = api.post("/v1/payments", json!({"customer": customer, "amount": "900.00", "currency": "EUR", "allocations": [{"invoice": id, "amount": "900.00"}]})).await;
    assert_eq!(paid.status, 201, "{}", paid.raw);
    let late = api.post(&format!("/v1/invoices/{id}/promise"), json!({"date": today_plus(3)})).await;
    assert_eq!((late.status, late.body["code"].as_str()), (409, Some("invalid_state_transition")), "{}", late.raw);
}

#[tokio::test]
async fn a_draft_cannot_be_disputed_and_unknown_fields_are_refused() {
    let api = Api::new();
    let customer = api.create_customer("EUR").await;
    let draft = api.post("/v1/invoices", json!({"customer": customer, "lines": [{"description": "x", "quantity": "1", "unit_amount": "1"}]})).await.body;
    let id = draft["id"].as_str().unwrap();
    let a = api.post(&format!("/v1/invoices/{id}/dispute"), json!({"reason": "no"})).await;
    assert_eq!(a.status, 409, "{}", a.raw);
    let a = api.post(&format!("/v1/invoices/{id}/dispute"), json!({"reason": "no", "colour": "red"})).await;
    assert_eq!(a.status, 422, "{}", a.raw);
    let a = api.post(&format!("/v1/invoices/inv_{}/resolve", ulid::Ulid::new()), json!({})).await;
    assert_eq!(a.status, 404, "{}", a.raw);
}
