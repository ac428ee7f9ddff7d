//! `POST /v1/payments` and `GET /v1/payments/{id}` against the local stack:
//! allocation, oldest due first, overpayment to credit, currencies with
//! 0 and 3 decimals, refusals, and 50 payments racing for one invoice.

use o2c_e2e::Api;
use serde_json::{json, Value};

async fn invoice(api: &Api, customer: &str, unit_amount: &str, due_date: Option<&str>) -> Value {
    let mut body = json!({"customer": customer, "finalize": true, "lines": [{"description": "Consulting", "quantity": "1", "unit_amount": unit_amount}]});
    if let Some(d) = due_date {
        body["issue_date"] = json!("2026-01-01");
        body["due_date"] = json!(d);
    }
    let a = api.post("/v1/invoices", body).await;
    assert_eq!(a.status, 201, "{}", a.raw);
    a.body
}

async fn customer(api: &Api, currency: &str) -> String {
    api.create_customer(currency).await
}

async fn get(api: &Api, path: &str) -> Value {
    let a = api.get(path).await;
    assert_eq!(a.status, 200, "{path}: {}", a.raw);
    a.body
}

#[tokio::test]
async fn a_payment_with_allocations_pays_the_invoice_and_shows_where_the_money_went() {
    let api = Api::new();
    let c = customer(&api, "EUR").await;
    let inv = invoice(&api, &c, "100.00", None).await;
    let id = inv["id"].as_str().unwrap();
    let a = api
        .post("/v1/payments", json!({"customer": c, "amount": "100.00", "currency": "EUR", "method": "bank_transfer", "reference": "Order 42", "allocations": [{"invoice": id, "amount": "100.00"}]}))
        .await;
    assert_eq!(a.status, 201, "{}", a.raw);
    assert!(a.body["id"].as_str().unwrap().starts_with("pay_"));
    assert_eq!(a.body["status"], "applied");
    assert_eq!(a.body["allocations"][0]["invoice"], id);
    assert_eq!(a.body["allocations"][0]["amount"], "100.00");
    assert_eq!(a.body["allocations"][0]["rule"], "explicit_allocations");
    assert_eq!(a.body["unapplied"], "0.00");

    let paid = get(&api, &format!("/v1/invoices/{id}")).await;
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["amount_paid"], "100.00");
    assert_eq!(paid["amount_due"], "0.00");
    assert!(paid["paid_at"].is_string());
    let shown = get(&api, &format!("/v1/payments/{}", a.body["id"].as_str().unwrap())).await;
    assert_eq!(shown, a.body, "GET shows the payment as created");
    let cust = get(&api, &format!("/v1/customers/{c}")).await;
    assert_eq!(cust["balance"], "0.00");
    assert_eq!(cust["credit_balance"], "0.00");
    let events = get(&api, &format!("/v1/invoices/{id}/events")).await;
    let types: Vec<&str> = events["data"].as_array().unwrap().iter().filter_map(|e| e["type"].as_str()).collect();
    assert!(types.contains(&"payment.applied") && types.contains(&"invoice.paid"), "{types:?}");
}

#[tokio::test]
async fn a_payment_without_allocations_settles_the_oldest_due_invoice_first() {
    let api = Api::new();
    let c = customer(&api, "EUR").await;
    let newer = invoice(&api, &c, "40.00", Some("2026-03-01")).await;
    let older = invoice(&api, &c, "30.00", Some("2026-02-01")).await;
    let a = api.post("/v1/payments", json!({"customer": c, "amount": "50.00", "currency": "EUR", "method": "check"})).await;
    assert_eq!(a.status, 201, "{}", a.raw);
    let allocs = a.body["allocations"].as_array().unwrap();
    assert_eq!(allocs.len(), 2);
    assert_eq!(allocs[0]["invoice"], older["id"]);
    assert_eq!(allocs[0]["amount"], "30.00");
    assert_eq!(allocs[1]["invoice"], newer["id"]);
    assert_eq!(allocs[1]["amount"], "20.00");
    assert!(allocs.iter().all(|x| x["rule"] == "oldest_due_first"));
    assert!(allocs[0]["explanation"].as_str().unwrap().contains("2026-02-01"));
    assert_eq!(get(&api, &format!("/v1/invoices/{}", older["id"].as_str().unwrap())).await["status"], "paid");
    let n = get(&api, &format!("/v1/invoices/{}", newer["id"].as_str().unwrap())).await;
    assert_eq!((n["status"].as_str(), n["amount_due"].as_str()), (Some("open"), Some("20.00")));
    assert_eq!(get(&api, &format!("/v1/customers/{c}")).await["balance"], "20.00");
}

#[tokio::test]
async fn an_overpayment_pays_the_invoice_in_full_and_the_excess_becomes_credit_balance() {
    let api = Api::new();
    let c = customer(&api, "USD").await;
    let inv = invoice(&api, &c, "80.00", None).await;
    let id = inv["id"].as_str().unwrap();
    let a = api.post("/v1/payments", json!({"customer": c, "amount": "100.00", "currency": "USD", "allocations": [{"invoice": id, "amount": "100.00"}]})).await;
    assert_eq!(a.status, 201, "{}", a.raw);
    assert_eq!(a.body["allocations"][0]["amount"], "80.00");
    assert_eq!(a.body["unapplied"], "20.00");
    assert_eq!(a.body["status"], "partially_applied");
    let i = get(&api, &format!("/v1/invoices/{id}")).await;
    assert_eq!((i["amount_paid"].as_str(), i["total"].as_str(), i["amount_due"].as_str()), (Some("80.00"), Some("80.00"), Some("0.00")));
    let cust = get(&api, &format!("/v1/customers/{c}")).await;
    assert_eq!((cust["balance"].as_str(), cust["credit_balance"].as_str()), (Some("0.00"), Some("20.00")));
}

#[tokio::test]
async fn an_empty_allocation_list_holds_the_whole_payment_as_credit() {
    let api = Api::new();
    let c = customer(&api, "USD").await;
    invoice(&api, &c, "10.00", None).await;
    let a = api.post("/v1/payments", json!({"customer": c, "amount": "5.00", "currency": "USD", "allocations": []})).await;
    assert_eq!(a.status, 201, "{}", a.raw);
    assert_eq!((a.body["status"].as_str(), a.body["unapplied"].as_str()), (Some("unapplied"), Some("5.00")));
    assert_eq!(get(&api, &format!("/v1/customers/{c}")).await["credit_balance"], "5.00");
}

#[tokio::test]
async fn yen_and_dinar_payments_keep_exactly_their_minor_units() {
    let api = Api::new();
    for (currency, unit, paid, due) in [("JPY", "2000", "1500", "500"), ("BHD", "12.345", "10.005", "2.340")] {
        let c = customer(&api, currency).await;
        let inv = invoice(&api, &c, unit, None).await;
        let id = inv["id"].as_str().unwrap();
        let a = api.post("/v1/payments", json!({"customer": c, "amount": paid, "currency": currency, "allocations": [{"invoice": id, "amount": paid}]})).await;
        assert_eq!(a.status, 201, "{currency}: {}", a.raw);
        assert_eq!(a.body["amount"], paid);
        let i = get(&api, &format!("/v1/invoices/{id}")).await;
        assert_eq!((i["amount_paid"].as_str(), i["amount_due"].as_str()), (Some(paid), Some(due)), "{currency}");
    }
    let c = customer(&api, "JPY").await;
    let a = api.post("/v1/payments", json!({"customer": c, "amount": "10.5", "currency": "JPY"})).await;
    assert_eq!(a.status, 422, "yen have no minor unit: {}", a.raw);
}

#[tokio::test]
async fn bad_payments_are_refused_field_by_field() {
    let api = Api::new();
    let c = customer(&api, "EUR").await;
    let other = customer(&api, "EUR").await;
    let theirs = invoice(&api, &other, "10.00", None).await;
    let fields = |a: &o2c_e2e::Answer| a.body["errors"].as_array().map(|e| e.iter().filter_map(|x| x["field"].as_str().map(str::to_owned)).collect::<Vec<_>>()).unwrap_or_default();

    let a = api.post("/v1/payments", json!({"customer": c, "amount": "-1.00", "currency": "EUR", "method": "wire", "extra": 1})).await;
    assert_eq!(a.status, 422, "{}", a.raw);
    let f = fields(&a);
    assert!(f.contains(&"amount".to_owned()) && f.contains(&"method".to_owned()) && f.contains(&"extra".to_owned()), "{f:?}");

    let a = api.post("/v1/payments", json!({"customer": c, "amount": "10.00", "currency": "USD"})).await;
    assert_eq!((a.status, fields(&a)), (422, vec!["currency".to_owned()]), "{}", a.raw);

    let a = api.post("/v1/payments", json!({"customer": c, "amount": "10.00", "currency": "EUR", "allocations": [{"invoice": theirs["id"], "amount": "10.00"}]})).await;
    assert_eq!((a.status, fields(&a)), (422, vec!["allocations[0].invoice".to_owned()]), "{}", a.raw);

    let a = api.post("/v1/payments", json!({"customer": c, "amount": "10.00", "currency": "EUR", "allocations": [{"invoice": theirs["id"], "amount": "20.00"}]})).await;
    assert_eq!(a.status, 422, "{}", a.raw);

    let unknown = format!("cus_{}", ulid::Ulid::new());
    assert_eq!(api.post("/v1/payments", json!({"customer": unknown, "amount": "1.00", "currency": "EUR"})).await.status, 404);
    assert_eq!(api.get(&format!("/v1/payments/pay_{}", ulid::Ulid::new())).await.status, 404);
    assert_eq!(api.get("/v1/payments/not-an-id").await.status, 404);
    // Nothing was recorded for the other customer's invoice.
    assert_eq!(get(&api, &format!("/v1/invoices/{}", theirs["id"].as_str().unwrap())).await["amount_paid"], "0.00");
}

#[tokio::test]
async fn a_repeated_idempotency_key_records_a_payment_once() {
    let api = Api::new();
    let c = customer(&api, "EUR").await;
    let inv = invoice(&api, &c, "30.00", None).await;
    let body = json!({"customer": c, "amount": "10.00", "currency": "EUR", "allocations": [{"invoice": inv["id"], "amount": "10.00"}]}).to_string();
    let key = format!("pay-{}", ulid::Ulid::new());
    let first = api.send_with("POST", "/v1/payments", Some(&body), &[("idempotency-key", &key)]).await;
    let second = api.send_with("POST", "/v1/payments", Some(&body), &[("idempotency-key", &key)]).await;
    assert_eq!(first.status, 201);
    assert_eq!(second.raw, first.raw);
    assert_eq!(second.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(get(&api, &format!("/v1/invoices/{}", inv["id"].as_str().unwrap())).await["amount_paid"], "10.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_payments_to_one_invoice_add_up_to_their_sum() {
    let api = std::sync::Arc::new(Api::new());
    let c = customer(&api, "EUR").await;
    let inv = invoice(&api, &c, "1000.00", None).await;
    let id = inv["id"].as_str().unwrap().to_owned();
    // 50 different amounts from 1.01 to 1.50: a lost or doubled one shows.
    let handles: Vec<_> = (1..=50)
        .map(|n| {
            let (api, c, id) = (api.clone(), c.clone(), id.clone());
            tokio::spawn(async move {
                let amount = format!("1.{:02}", n);
                api.post("/v1/payments", json!({"customer": c, "amount": amount, "currency": "EUR", "allocations": [{"invoice": id, "amount": amount}]})).await
            })
        })
        .collect();
    let mut created = 0;
    for h in handles {
        let a = h.await.expect("task");
        assert_eq!(a.status, 201, "{}", a.raw);
        created += 1;
    }
    assert_eq!(created, 50);
    let expected: i64 = (1..=50).map(|n| 100 + n).sum();
    let i = get(&api, &format!("/v1/invoices/{id}")).await;
    assert_eq!(i["amount_paid"], format!("{}.{:02}", expected / 100, expected % 100));
    let cust = get(&api, &format!("/v1/customers/{c}")).await;
    let due = 100_000 - expected;
    assert_eq!(cust["balance"], format!("{}.{:02}", due / 100, due % 100));
    let events = get(&api, &format!("/v1/invoices/{id}/events")).await;
    let applied = events["data"].as_array().unwrap().iter().filter(|e| e["type"] == "payment.applied").count();
    assert_eq!(applied, 50);
}

#[tokio::test]
async fn the_customer_gets_a_receipt_naming_the_invoice() {
    let api = Api::new();
    let c = customer(&api, "USD").await;
    let inv = invoice(&api, &c, "25.00", None).await;
    let number = inv["number"].as_str().unwrap().to_owned();
    let a = api.post("/v1/payments", json!({"customer": c, "amount": "25.00", "currency": "USD", "allocations": [{"invoice": inv["id"], "amount": "25.00"}]})).await;
    assert_eq!(a.status, 201);
    let moto = format!("{}/moto-api/data.json", o2c_e2e::moto_endpoint());
    let found = o2c_e2e::eventually_async(std::time::Duration::from_secs(20), || {
        let (moto, number) = (moto.clone(), number.clone());
        async move {
            let data: Value = reqwest::get(&moto).await.ok()?.json().await.ok()?;
            let raws = data["ses"]["RawMessage"].as_array()?.clone();
            raws.iter().find_map(|m| {
                let raw = m["raw_data"].as_str()?;
                let parsed = mail_parser::MessageParser::default().parse(raw.as_bytes())?;
                let subject = parsed.subject()?.to_owned();
                (subject.contains("Payment received") && subject.contains(&number)).then_some(subject)
            })
        }
    })
    .await;
    assert!(found.is_some(), "a receipt for {number} was sent");
}

#[tokio::test]
async fn a_customers_payments_are_listed_newest_first_and_pages_follow_on() {
    let api = Api::new();
    let c = customer(&api, "EUR").await;
    let mut ids = Vec::new();
    for amount in ["1.00", "2.00", "3.00"] {
        let a = api.post("/v1/payments", json!({"customer": c, "amount": amount, "currency": "EUR"})).await;
        assert_eq!(a.status, 201, "{}", a.raw);
        ids.push(a.body["id"].as_str().unwrap().to_owned());
    }
    let first = get(&api, &format!("/v1/payments?customer={c}&limit=2")).await;
    let listed: Vec<&str> = first["data"].as_array().unwrap().iter().filter_map(|p| p["id"].as_str()).collect();
    assert_eq!(listed, vec![ids[2].as_str(), ids[1].as_str()]);
    assert_eq!(first["has_more"], true);
    let rest = get(&api, &format!("/v1/payments?customer={c}&limit=2&starting_after={}", ids[1])).await;
    assert_eq!(rest["data"][0]["id"], ids[0].as_str());
    assert_eq!(rest["has_more"], false);
    assert_eq!(api.get("/v1/payments").await.status, 422, "a list names a customer or status=exception");
    assert_eq!(api.get("/v1/payments?status=applied").await.status, 422);
}
