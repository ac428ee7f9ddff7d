//! No input, however bad, yields a 5xx or stores anything.

use o2c_e2e::Api;

// (An empty body is a valid request to finalize, void or mark uncollectible.)
const BODIES: &[&str] = &[
    "null",
    "[]",
    "\"text\"",
    "{\"name\": 1e400}",
    "{\"lines\": [{}]}",
    "{\"lines\": \"many\"}",
    "{\"customer\": \"cus_\\u0000\"}",
    "{\"metadata\": {\"k\": {\"nested\": true}}}",
    "{\"payment_terms\": {\"net_days\": -1}}",
    "{\"currency\": \"EUR\", \"name\": \"\", \"email\": \"a@b.co\", \"credit_limit\": \"-5\"}",
    "{\"issue_date\": \"2026-02-30\", \"due_date\": \"yesterday\"}",
    "{\"lines\": [{\"description\": \"x\", \"quantity\": \"99999999999999999999999999\", \"unit_amount\": \"999999999999\"}]}",
];

#[tokio::test]
async fn no_bad_body_on_any_write_route_yields_a_5xx() {
    let api = Api::new();
    let customer = api.create_customer("EUR").await;
    let draft = api.post("/v1/invoices", serde_json::json!({"customer": customer, "lines": [{"description": "x", "quantity": "1", "unit_amount": "1"}]})).await;
    let inv = draft.body["id"].as_str().expect("id").to_owned();
    let routes = [
        ("POST", "/v1/customers".to_owned()),
        ("PATCH", format!("/v1/customers/{customer}")),
        ("POST", "/v1/invoices".to_owned()),
        ("PATCH", format!("/v1/invoices/{inv}")),
        ("POST", format!("/v1/invoices/{inv}/finalize")),
        ("POST", format!("/v1/invoices/{inv}/void")),
        ("POST", format!("/v1/invoices/{inv}/mark_uncollectible")),
    ];
    let mut failures = Vec::new();
    for (method, path) in &routes {
        for body in BODIES {
            let a = api.send(method, path, Some(body), Some(&api.key)).await;
            if a.status >= 500 || (a.status >= 400 && a.content_type != "application/problem+json") {
                failures.push(format!("{method} {path} {body:?} -> {} {}", a.status, a.raw));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let still = api.get(&format!("/v1/invoices/{inv}")).await;
    assert_eq!(still.body["status"], "draft", "no bad body changed the draft");
    assert_eq!(still.body, draft.body);
}
