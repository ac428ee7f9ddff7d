use o2c_e2e::Api;
use serde_json::{json, Value};

async fn draft(api: &Api, customer: &str) -> Value {
    let a = api.post("/v1/invoices", json!({"customer": customer, "lines": [{"description": "Support plan", "quantity": "1", "unit_amount": "250", "tax_rate": "20"}]})).await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    a.body
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn a_draft_is_patched_and_an_open_invoice_is_not() {
    let api = Api::new();
    let customer = api.create_customer("EUR").await;
    let inv = id(&draft(&api, &customer).await);
    let patch = json!({"lines": [{"description": "Support plan", "quantity": "2", "unit_amount": "250", "tax_rate": "20"}], "memo": "Thank you", "due_date": "2099-01-31"});
    let a = api.send("PATCH", &format!("/v1/invoices/{inv}"), Some(&patch.to_string()), Some(&api.key)).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["total"], "600.00");
    assert_eq!(a.body["memo"], "Thank you");
    let a = api.send("PATCH", &format!("/v1/invoices/{inv}"), Some(&json!({"memo": null}).to_string()), Some(&api.key)).await;
    assert_eq!(a.body["memo"], Value::Null);
    assert_eq!(a.body["total"], "600.00", "lines stay when not named");
    let events = api.get(&format!("/v1/invoices/{inv}/events")).await;
    assert_eq!(events.body["data"].as_array().map(Vec::len), Some(3));

    assert_eq!(api.post(&format!("/v1/invoices/{inv}/finalize"), json!({})).await.status, 200);
    let a = api.send("PATCH", &format!("/v1/invoices/{inv}"), Some(&json!({"memo": "late"}).to_string()), Some(&api.key)).await;
    assert_eq!(a.status, 409);
    assert_eq!(a.body["code"], "invalid_state_transition");
}

#[tokio::test]
async fn voiding_takes_the_invoice_out_of_the_customers_balance() {
    let api = Api::new();
    let customer = api.create_customer("EUR").await;
    let a = id(&draft(&api, &customer).await);
    let b = id(&draft(&api, &customer).await);
    for inv in [&a, &b] {
        assert_eq!(api.post(&format!("/v1/invoices/{inv}/finalize"), json!({})).await.status, 200);
    }
    assert_eq!(api.get(&format!("/v1/customers/{customer}")).await.body["balance"], "600.00");
    let voided = api.post(&format!("/v1/invoices/{a}/void"), json!({})).await;
    assert_eq!(voided.status, 200);
    assert_eq!(voided.body["status"], "void");
    let bad_debt = api.post(&format!("/v1/invoices/{b}/mark_uncollectible"), json!({})).await;
    assert_eq!(bad_debt.body["status"], "uncollectible");
    assert_eq!(api.get(&format!("/v1/customers/{customer}")).await.body["balance"], "0.00");
    // Void is terminal; uncollectible cannot be voided.
    for (inv, action) in [(&a, "void"), (&a, "finalize"), (&a, "mark_uncollectible"), (&b, "void")] {
        let r = api.post(&format!("/v1/invoices/{inv}/{action}"), json!({})).await;
        assert_eq!(r.status, 409, "{action} on {inv}");
        assert_eq!(r.body["code"], "invalid_state_transition");
    }
    let d = id(&draft(&api, &customer).await);
    assert_eq!(api.post(&format!("/v1/invoices/{d}/void"), json!({})).await.status, 409, "a draft is deleted or finalized, not voided");
}

#[tokio::test]
async fn invoices_are_listed_by_customer_and_status_with_cursors() {
    let api = Api::new();
    let customer = api.create_customer("CHF").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(id(&draft(&api, &customer).await));
    }
    api.post(&format!("/v1/invoices/{}/finalize", ids[1]), json!({})).await;

    let all = api.get(&format!("/v1/invoices?customer={customer}")).await;
    let listed: Vec<String> = all.body["data"].as_array().expect("data").iter().map(id).collect();
    assert_eq!(listed, ids.iter().rev().cloned().collect::<Vec<_>>());
    assert_eq!(all.body["has_more"], false);

    let open = api.get(&format!("/v1/invoices?customer={customer}&status=open")).await;
    let listed: Vec<String> = open.body["data"].as_array().expect("data").iter().map(id).collect();
    assert_eq!(listed, vec![ids[1].clone()]);

    let first = api.get(&format!("/v1/invoices?customer={customer}&limit=2")).await;
    assert_eq!(first.body["has_more"], true);
    let next = api.get(&format!("/v1/invoices?customer={customer}&limit=2&starting_after={}", ids[1])).await;
    assert_eq!(next.body["data"].as_array().map(|d| d.iter().map(id).collect::<Vec<_>>()), Some(vec![ids[0].clone()]));

    // Across customers, by status: our open invoice is among the newest.
    let open_anywhere = api.get("/v1/invoices?status=open&limit=100").await;
    assert_eq!(open_anywhere.status, 200, "{:?}", open_anywhere.body);
    let data = open_anywhere.body["data"].as_array().expect("data");
    assert!(data.iter().all(|i| i["status"] == "open"));
    let everything = api.get("/v1/invoices?limit=5").await;
    assert_eq!(everything.status, 200);
    assert_eq!(api.get("/v1/invoices?status=pending").await.status, 422);
    assert_eq!(api.get("/v1/invoices?customer=nope").await.status, 422);
    assert_eq!(api.get("/v1/invoices?colour=red").await.status, 422);
}
