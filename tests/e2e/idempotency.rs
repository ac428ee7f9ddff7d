use o2c_e2e::Api;
use serde_json::json;

fn key() -> String {
    format!("e2e-{}", ulid::Ulid::new())
}

#[tokio::test]
async fn a_retried_create_replays_the_first_answer_byte_for_byte() {
    let api = Api::new();
    let k = key();
    let body = json!({"name": "Retry Ltd", "email": "ap@retry.example", "currency": "USD"}).to_string();
    let first = api.send_with("POST", "/v1/customers", Some(&body), &[("Idempotency-Key", &k)]).await;
    assert_eq!(first.status, 201);
    assert_eq!(first.header("idempotent-replayed"), None);
    let again = api.send_with("POST", "/v1/customers", Some(&body), &[("Idempotency-Key", &k)]).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.header("idempotent-replayed"), Some("true".into()));
    assert_eq!(again.raw, first.raw, "byte for byte");
}

#[tokio::test]
async fn the_same_key_with_another_body_is_a_conflict() {
    let api = Api::new();
    let k = key();
    let a = api.send_with("POST", "/v1/customers", Some(&json!({"name": "A", "email": "a@a.example", "currency": "USD"}).to_string()), &[("Idempotency-Key", &k)]).await;
    assert_eq!(a.status, 201);
    let b = api.send_with("POST", "/v1/customers", Some(&json!({"name": "B", "email": "a@a.example", "currency": "USD"}).to_string()), &[("Idempotency-Key", &k)]).await;
    assert_eq!(b.status, 409);
    assert_eq!(b.body["code"], "idempotency_key_reused");
    let c = api.send_with("POST", "/v1/invoices", Some("{}"), &[("Idempotency-Key", &k)]).await;
    assert_eq!(c.body["code"], "idempotency_key_reused", "another path is another request");
}

#[tokio::test]
async fn a_refusal_is_replayed_too_and_a_bad_key_is_422() {
    let api = Api::new();
    let k = key();
    let body = json!({"name": "No email", "currency": "USD"}).to_string();
    let first = api.send_with("POST", "/v1/customers", Some(&body), &[("Idempotency-Key", &k)]).await;
    assert_eq!(first.status, 422);
    let again = api.send_with("POST", "/v1/customers", Some(&body), &[("Idempotency-Key", &k)]).await;
    assert_eq!(again.status, 422);
    assert_eq!(again.header("idempotent-replayed"), Some("true".into()));
    let bad = api.send_with("POST", "/v1/customers", Some(&body), &[("Idempotency-Key", "has spaces in it")]).await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.body["errors"][0]["field"], "Idempotency-Key");
}

#[tokio::test]
async fn concurrent_retries_of_one_create_make_one_invoice() {
    let api = Api::new();
    let customer = api.create_customer("EUR").await;
    let k = key();
    let body = json!({"customer": customer, "finalize": true, "lines": [{"description": "x", "quantity": "1", "unit_amount": "10"}]}).to_string();
    let tries = (0..8).map(|_| {
        let (body, k) = (body.clone(), k.clone());
        tokio::spawn(async move { Api::new().send_with("POST", "/v1/invoices", Some(&body), &[("Idempotency-Key", &k)]).await })
    });
    let mut created = Vec::new();
    for t in tries {
        let a = t.await.expect("task");
        match a.status {
            201 => created.push(a.body["id"].as_str().expect("id").to_owned()),
            409 => assert_eq!(a.body["code"], "idempotency_key_in_use"),
            other => panic!("unexpected {other}: {:?}", a.body),
        }
    }
    created.dedup();
    assert_eq!(created.len(), 1, "every success names the same invoice");
    let listed = api.get(&format!("/v1/invoices?customer={customer}")).await;
    assert_eq!(listed.body["data"].as_array().map(Vec::len), Some(1), "exactly one invoice exists");
    assert_eq!(api.get(&format!("/v1/customers/{customer}")).await.body["balance"], "10.00");
}

#[tokio::test]
async fn keys_are_scoped_per_api_key() {
    // The dev key and another key may use the same Idempotency-Key.
    let api = Api::new();
    let k = key();
    let body = json!({"name": "Scoped", "email": "s@s.example", "currency": "USD"}).to_string();
    let a = api.send_with("POST", "/v1/customers", Some(&body), &[("Idempotency-Key", &k)]).await;
    assert_eq!(a.status, 201);
    let (secret, hash, record) = o2c_api::keys::new_api_key("e2e-other", vec![o2c_domain::api_key::Scope::InvoicesWrite], chrono::Utc::now()).expect("key");
    let aws = o2c_e2e::local_aws().await;
    let config = aws_sdk_dynamodb::config::Builder::from(&aws).endpoint_url(o2c_e2e::dynamodb_endpoint()).build();
    let store = o2c_store::DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(config), o2c_e2e::table_name());
    o2c_domain::ports::ApiKeyAdmin::create_api_key(&store, hash, &record).await.expect("stored");
    let other = Api { key: secret, ..Api::new() };
    let b = other.send_with("POST", "/v1/customers", Some(&body), &[("Idempotency-Key", &k)]).await;
    assert_eq!(b.status, 201);
    assert_eq!(b.header("idempotent-replayed"), None);
    assert_ne!(a.body["id"], b.body["id"]);
}
