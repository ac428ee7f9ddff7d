//! A customer's dunning policy (`PUT /v1/customers/{id}/dunning-policy`)
//! and the credit hold a step can put them on: invoice create and
//! finalize answer 409 `credit_hold` unless the request overrides it.

use o2c_domain::ports::{CustomerChange, CustomerRead, CustomerWrite};
use o2c_e2e::Api;
use o2c_store::DynamoStore;
use serde_json::json;

#[tokio::test]
async fn a_dunning_policy_is_stored_sorted_and_refused_field_by_field() {
    let api = Api::new();
    let c = api.create_customer("EUR").await;
    let path = format!("/v1/customers/{c}/dunning-policy");
    let body = json!({"steps": [{"offset_days": 30, "template": "final", "credit_hold": true}, {"offset_days": -5, "template": "friendly"}]}).to_string();
    let a = api.send_with("PUT", &path, Some(&body), &[]).await;
    assert_eq!(a.status, 200, "{}", a.raw);
    assert_eq!(a.body, json!({"steps": [{"offset_days": -5, "template": "friendly", "credit_hold": false}, {"offset_days": 30, "template": "final", "credit_hold": true}]}));
    let bad = json!({"steps": [{"offset_days": 400, "template": "Final!"}, {"template": "x"}, "nope"], "extra": 1}).to_string();
    let a = api.send_with("PUT", &path, Some(&bad), &[]).await;
    assert_eq!(a.status, 422, "{}", a.raw);
    let fields: Vec<&str> = a.body["errors"].as_array().unwrap().iter().filter_map(|e| e["field"].as_str()).collect();
    for f in ["steps[0].offset_days", "steps[0].template", "steps[1].offset_days", "steps[2]", "extra"] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    let a = api.send_with("PUT", &path, Some(&json!({"steps": []}).to_string()), &[]).await;
    assert_eq!((a.status, a.body["steps"].as_array().map(Vec::len)), (200, Some(0)), "no steps: never reminded");
}

async fn local_store() -> DynamoStore {
    let aws = o2c_e2e::local_aws().await;
    let config = aws_sdk_dynamodb::config::Builder::from(&aws).endpoint_url(o2c_e2e::dynamodb_endpoint()).build();
    DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(config), o2c_e2e::table_name())
}

#[tokio::test]
async fn a_customer_on_credit_hold_gets_409_on_create_and_finalize_unless_overridden() {
    let api = Api::new();
    let c = api.create_customer("EUR").await;
    let lines = json!([{"description": "Hardware", "quantity": "1", "unit_amount": "10"}]);
    let draft = api.post("/v1/invoices", json!({"customer": c, "lines": lines})).await;
    assert_eq!(draft.status, 201);
    let draft_id = draft.body["id"].as_str().unwrap().to_owned();
    // Reminders put customers on hold; this test does it through the store.
    let store = local_store().await;
    let id = o2c_domain::ids::CustomerId::parse(&c).unwrap();
    let current = store.customer(id).await.unwrap().unwrap();
    let mut held = current.value.clone();
    held.credit_hold = true;
    store.commit_customer(CustomerChange { customer: &held, expected_version: Some(current.version), outbox: vec![], reply: None }).await.unwrap();

    let a = api.post("/v1/invoices", json!({"customer": c, "lines": lines})).await;
    assert_eq!((a.status, a.body["code"].as_str()), (409, Some("credit_hold")), "{}", a.raw);
    let a = api.post(&format!("/v1/invoices/{draft_id}/finalize"), json!({})).await;
    assert_eq!((a.status, a.body["code"].as_str()), (409, Some("credit_hold")), "{}", a.raw);
    assert_eq!(api.get(&format!("/v1/invoices/{draft_id}")).await.body["status"], "draft", "nothing changed");
    let a = api.post(&format!("/v1/invoices/{draft_id}/finalize"), json!({"override_credit_hold": true})).await;
    assert_eq!((a.status, a.body["status"].as_str()), (200, Some("open")), "{}", a.raw);
    let a = api.post("/v1/invoices", json!({"customer": c, "lines": lines, "finalize": true, "override_credit_hold": true})).await;
    assert_eq!(a.status, 201, "{}", a.raw);
}
