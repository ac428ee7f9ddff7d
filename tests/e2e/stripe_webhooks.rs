//! `POST /v1/webhooks/stripe` against the local stack (the secret comes
//! from the emulated SSM, as deployed): the real Stripe samples, refused
//! signatures, duplicates, out-of-order events, unapplied cash and
//! exceptions.

use o2c_e2e::Api;
use serde_json::{json, Value};

use crate::stripe_events::{charge_refunded, deliver, dispute, now, payment_succeeded, post_raw, samples, secret, Ids};

async fn open_invoice(api: &Api, customer: &str, amount: &str) -> Value {
    let a = api.post("/v1/invoices", json!({"customer": customer, "finalize": true, "lines": [{"description": "Subscription", "quantity": "1", "unit_amount": amount}]})).await;
    assert_eq!(a.status, 201, "{}", a.raw);
    a.body
}

async fn invoice(api: &Api, id: &str) -> Value {
    let a = api.get(&format!("/v1/invoices/{id}")).await;
    assert_eq!(a.status, 200);
    a.body
}

fn outcome(a: &o2c_e2e::Answer) -> &str {
    a.body["outcome"].as_str().unwrap_or("")
}

fn sample(name_part: &str) -> Option<Value> {
    samples().into_iter().find(|(n, _)| n.contains(name_part)).map(|(_, v)| v)
}

#[tokio::test]
async fn every_stripe_sample_is_read_and_applied_to_the_invoice_it_names() {
    let all = samples();
    if all.is_empty() {
        eprintln!("../shared/samples/stripe-events is not here; CI has it");
        return;
    }
    // Every sample file is one of the four this test plays in order.
    let known = ["payment_intent.succeeded", "charge.refunded", "charge.dispute.created", "charge.dispute.funds_withdrawn"];
    for (name, v) in &all {
        assert!(known.contains(&v["type"].as_str().unwrap_or("")), "{name} has a type this test does not play: {}", v["type"]);
    }
    let api = Api::new();
    let ids = Ids::new();
    let customer = api.create_customer("USD").await;
    let inv = open_invoice(&api, &customer, "20.00").await;
    let id = inv["id"].as_str().unwrap();

    // payment_intent.succeeded: 2000 cents for our invoice.
    let mut paid = sample("payment_intent.succeeded").expect("sample");
    ids.rewrite(&mut paid);
    paid["data"]["object"]["metadata"] = json!({"invoice_id": id});
    let a = deliver(&api, &paid).await;
    assert_eq!((a.status, outcome(&a)), (200, "applied"), "{}", a.raw);
    let i = invoice(&api, id).await;
    assert_eq!((i["status"].as_str(), i["amount_paid"].as_str()), (Some("paid"), Some("20.00")));
    // The same event again changes nothing.
    let a = deliver(&api, &paid).await;
    assert_eq!((a.status, outcome(&a)), (200, "duplicate"), "{}", a.raw);
    assert_eq!(invoice(&api, id).await["amount_paid"], "20.00");

    // charge.refunded: cumulative 100 cents refunded.
    let mut refunded = sample("charge.refunded").expect("sample");
    ids.rewrite(&mut refunded);
    let a = deliver(&api, &refunded).await;
    assert_eq!((a.status, outcome(&a)), (200, "applied"), "{}", a.raw);
    let i = invoice(&api, id).await;
    assert_eq!((i["status"].as_str(), i["amount_paid"].as_str(), i["amount_due"].as_str()), (Some("open"), Some("19.00"), Some("1.00")));
    // A new event with the same cumulative total reverses nothing more.
    let mut again = refunded.clone();
    again["id"] = json!(format!("evt_{}", ulid::Ulid::new().to_string().to_lowercase()));
    assert_eq!(deliver(&api, &again).await.status, 200);
    assert_eq!(invoice(&api, id).await["amount_paid"], "19.00");

    // charge.dispute.created marks the invoice disputed.
    let mut disputed = sample("charge.dispute.created").expect("sample");
    ids.rewrite(&mut disputed);
    let a = deliver(&api, &disputed).await;
    assert_eq!((a.status, outcome(&a)), (200, "applied"), "{}", a.raw);
    assert_eq!(invoice(&api, id).await["disputed"], true);

    // charge.dispute.funds_withdrawn (API 2017-12-14, `request: null`):
    // 250.00 disputed, but only 19.00 is still held: that is reversed.
    let mut withdrawn = sample("charge.dispute.funds_withdrawn").expect("sample");
    ids.rewrite(&mut withdrawn);
    let a = deliver(&api, &withdrawn).await;
    assert_eq!((a.status, outcome(&a)), (200, "applied"), "{}", a.raw);
    let i = invoice(&api, id).await;
    assert_eq!((i["status"].as_str(), i["amount_paid"].as_str(), i["amount_due"].as_str()), (Some("open"), Some("0.00"), Some("20.00")));
    let cust = api.get(&format!("/v1/customers/{customer}")).await.body;
    assert_eq!((cust["balance"].as_str(), cust["credit_balance"].as_str()), (Some("20.00"), Some("0.00")));

    // The dispute is won: funds reinstated go back where they came from,
    // and closing the dispute clears the flag.
    let a = deliver(&api, &dispute(&ids, "charge.dispute.funds_reinstated", 25000, "usd", "won")).await;
    assert_eq!((a.status, outcome(&a)), (200, "applied"), "{}", a.raw);
    let a = deliver(&api, &dispute(&ids, "charge.dispute.closed", 25000, "usd", "won")).await;
    assert_eq!((a.status, outcome(&a)), (200, "applied"), "{}", a.raw);
    let i = invoice(&api, id).await;
    assert_eq!((i["amount_paid"].as_str(), i["disputed"].as_bool()), (Some("19.00"), Some(false)));
    let events = api.get(&format!("/v1/invoices/{id}/events")).await.body;
    let types: Vec<&str> = events["data"].as_array().unwrap().iter().filter_map(|e| e["type"].as_str()).collect();
    for t in ["payment.applied", "invoice.paid", "invoice.payment_reversed", "invoice.disputed", "invoice.dispute_closed"] {
        assert!(types.contains(&t), "{t} missing from {types:?}");
    }
}

#[tokio::test]
async fn forged_missing_expired_and_replayed_signatures_are_refused_and_change_nothing() {
    let api = Api::new();
    let ids = Ids::new();
    let customer = api.create_customer("USD").await;
    let inv = open_invoice(&api, &customer, "30.00").await;
    let id = inv["id"].as_str().unwrap();
    let event = payment_succeeded(&ids, 3000, "usd", json!({"invoice_id": id}));
    let body = event.to_string();
    let good = o2c_stripe::signature::sign(&secret(), now(), body.as_bytes());
    let forged = o2c_stripe::signature::sign(&o2c_stripe::signature::WebhookSecret::new("whsec_not_ours").unwrap(), now(), body.as_bytes());
    let expired = o2c_stripe::signature::sign(&secret(), now() - 301, body.as_bytes());
    let tampered = body.replace("3000", "3001");
    for (what, body, header) in [
        ("forged", body.as_str(), Some(forged.as_str())),
        ("missing", body.as_str(), None),
        ("garbage", body.as_str(), Some("t=abc,v1=zz")),
        ("expired", body.as_str(), Some(expired.as_str())),
        ("replayed onto another body", tampered.as_str(), Some(good.as_str())),
    ] {
        let a = post_raw(&api, body, header).await;
        assert_eq!(a.status, 400, "{what}: {}", a.raw);
        assert_eq!(a.body["code"], "invalid_signature", "{what}");
        assert!(a.content_type.starts_with("application/problem+json"));
    }
    assert_eq!(invoice(&api, id).await["amount_paid"], "0.00", "nothing changed");
    // The event itself was never recorded: with a good signature it applies.
    let a = post_raw(&api, &body, Some(&good)).await;
    assert_eq!((a.status, outcome(&a)), (200, "applied"), "{}", a.raw);
    // Replayed later with its old signature (older than 300 s): refused.
    let old = o2c_stripe::signature::sign(&secret(), now() - 600, body.as_bytes());
    assert_eq!(post_raw(&api, &body, Some(&old)).await.status, 400);
}

#[tokio::test]
async fn a_refund_that_arrives_before_its_payment_waits_and_applies_once_the_payment_lands() {
    let api = Api::new();
    let ids = Ids::new();
    let customer = api.create_customer("EUR").await;
    let inv = open_invoice(&api, &customer, "50.00").await;
    let id = inv["id"].as_str().unwrap();
    let refund = charge_refunded(&ids, 5000, 1500, "eur");
    let a = deliver(&api, &refund).await;
    assert_eq!((a.status, outcome(&a)), (200, "parked"), "{}", a.raw);
    assert_eq!((deliver(&api, &refund).await.body["outcome"]), "duplicate");
    let a = deliver(&api, &payment_succeeded(&ids, 5000, "eur", json!({"invoice_id": id}))).await;
    assert_eq!((a.status, outcome(&a)), (200, "applied"), "{}", a.raw);
    let i = invoice(&api, id).await;
    assert_eq!((i["amount_paid"].as_str(), i["amount_due"].as_str(), i["status"].as_str()), (Some("35.00"), Some("15.00"), Some("open")));
    // The parked event is now applied: delivering it again changes nothing.
    assert_eq!(deliver(&api, &refund).await.body["outcome"], "duplicate");
    assert_eq!(invoice(&api, id).await["amount_paid"], "35.00");
}

#[tokio::test]
async fn a_payment_naming_no_invoice_becomes_customer_credit_or_an_exception() {
    let api = Api::new();
    // By our customer id in metadata.
    let ids = Ids::new();
    let customer = api.create_customer("USD").await;
    let a = deliver(&api, &payment_succeeded(&ids, 1234, "usd", json!({"customer_id": customer}))).await;
    assert_eq!(outcome(&a), "applied", "{}", a.raw);
    assert_eq!(api.get(&format!("/v1/customers/{customer}")).await.body["credit_balance"], "12.34");

    // By the Stripe customer, matched to the customer's external_id.
    let ids = Ids::new();
    let stripe_customer = format!("cus_stripe{}", ids.run);
    let c = api.post("/v1/customers", json!({"name": "Linked Ltd", "email": "ap@linked.example", "currency": "USD", "external_id": stripe_customer})).await;
    assert_eq!(c.status, 201, "{}", c.raw);
    let linked = c.body["id"].as_str().unwrap().to_owned();
    let mut event = payment_succeeded(&ids, 500, "usd", json!({}));
    event["data"]["object"]["customer"] = json!(stripe_customer);
    assert_eq!(outcome(&deliver(&api, &event).await), "applied");
    assert!(o2c_e2e::eventually_async(std::time::Duration::from_secs(5), || {
        let (api, linked) = (&api, linked.clone());
        async move { (api.get(&format!("/v1/customers/{linked}")).await.body["credit_balance"] == "5.00").then_some(()) }
    })
    .await
    .is_some());

    // Nobody to credit: the payment waits as an exception, by number or not at all.
    let ids = Ids::new();
    let a = deliver(&api, &payment_succeeded(&ids, 999, "usd", json!({"invoice_number": "INV-1900-999999"}))).await;
    assert_eq!(outcome(&a), "applied", "{}", a.raw);
    let p = api.get(&format!("/v1/payments/{}", a.body["payment"].as_str().expect("a payment id"))).await.body;
    assert_eq!((p["status"].as_str(), p["customer"].is_null(), p["unapplied"].as_str()), (Some("exception"), true, Some("9.99")), "{p}");
    assert!(p["exception"].as_str().is_some_and(|e| !e.is_empty()));
    assert_eq!(p["processor"]["payment_intent"], ids.pi());
    // Finance finds it among the exceptions.
    let mut found = false;
    let mut after: Option<String> = None;
    for _ in 0..50 {
        let path = match &after { Some(a) => format!("/v1/payments?status=exception&limit=100&starting_after={a}"), None => "/v1/payments?status=exception&limit=100".to_owned() };
        let page = api.get(&path).await.body;
        let data = page["data"].as_array().cloned().unwrap_or_default();
        found |= data.iter().any(|x| x["id"] == p["id"]);
        if found || page["has_more"] != true {
            break;
        }
        after = data.last().and_then(|x| x["id"].as_str()).map(str::to_owned);
    }
    assert!(found, "the exception is listed");
}

#[tokio::test]
async fn an_invoice_named_by_its_number_is_paid() {
    let api = Api::new();
    let ids = Ids::new();
    let customer = api.create_customer("BHD").await;
    let inv = open_invoice(&api, &customer, "12.345").await;
    let number = inv["number"].as_str().unwrap();
    // Stripe counts BHD in thousandths.
    let a = deliver(&api, &payment_succeeded(&ids, 12345, "bhd", json!({"invoice_number": number}))).await;
    assert_eq!(outcome(&a), "applied", "{}", a.raw);
    let i = invoice(&api, inv["id"].as_str().unwrap()).await;
    assert_eq!((i["status"].as_str(), i["amount_paid"].as_str()), (Some("paid"), Some("12.345")));
}

#[tokio::test]
async fn yen_from_stripe_convert_without_a_minor_unit() {
    let api = Api::new();
    let ids = Ids::new();
    let customer = api.create_customer("JPY").await;
    let inv = open_invoice(&api, &customer, "2000").await;
    let a = deliver(&api, &payment_succeeded(&ids, 2000, "jpy", json!({"invoice_id": inv["id"]}))).await;
    assert_eq!(outcome(&a), "applied", "{}", a.raw);
    let i = invoice(&api, inv["id"].as_str().unwrap()).await;
    assert_eq!((i["status"].as_str(), i["amount_paid"].as_str()), (Some("paid"), Some("2000")));
}

#[tokio::test]
async fn unknown_event_types_are_ignored_and_live_events_are_refused_by_a_test_deployment() {
    let api = Api::new();
    let mut other = payment_succeeded(&Ids::new(), 100, "usd", json!({}));
    other["type"] = json!("customer.subscription.updated");
    let a = deliver(&api, &other).await;
    assert_eq!((a.status, outcome(&a)), (200, "ignored"), "{}", a.raw);
    assert_eq!(outcome(&deliver(&api, &other).await), "duplicate");
    let mut live = payment_succeeded(&Ids::new(), 100, "usd", json!({}));
    live["livemode"] = json!(true);
    let a = deliver(&api, &live).await;
    assert_eq!((a.status, a.body["code"].as_str()), (400, Some("livemode_mismatch")), "{}", a.raw);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_event_five_times_at_once_is_applied_once() {
    let api = std::sync::Arc::new(Api::new());
    let ids = Ids::new();
    let customer = api.create_customer("EUR").await;
    let inv = open_invoice(&api, &customer, "100.00").await;
    let id = inv["id"].as_str().unwrap().to_owned();
    let event = payment_succeeded(&ids, 4000, "eur", json!({"invoice_id": id}));
    let handles: Vec<_> = (0..5)
        .map(|_| {
            let (api, event) = (api.clone(), event.clone());
            tokio::spawn(async move { deliver(&api, &event).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for h in handles {
        let a = h.await.expect("task");
        assert_eq!(a.status, 200, "{}", a.raw);
        outcomes.push(a.body["outcome"].as_str().unwrap_or("").to_owned());
    }
    assert_eq!(outcomes.iter().filter(|o| *o == "applied").count(), 1, "{outcomes:?}");
    assert_eq!(invoice(&api, &id).await["amount_paid"], "40.00");
}

#[tokio::test]
async fn payment_events_reach_the_event_bus_through_the_outbox() {
    let api = Api::new();
    let aws = o2c_e2e::local_aws().await;
    let sqs = aws_sdk_sqs::Client::new(&aws);
    let bus = aws_sdk_eventbridge::Client::new(&aws);
    let wanted = ["invoice.finalized", "invoice.paid", "payment.applied", "payment.refunded", "invoice.disputed", "invoice.dispute_closed"];
    let tap = format!("e2e-pay-tap-{}", ulid::Ulid::new());
    let tap_url = sqs.create_queue().queue_name(&tap).send().await.expect("tap queue").queue_url().unwrap_or_default().to_owned();
    let pattern = json!({"source": ["o2c"], "detail-type": wanted}).to_string();
    bus.put_rule().name(&tap).event_bus_name("o2c-local").event_pattern(pattern).send().await.expect("rule");
    let target = aws_sdk_eventbridge::types::Target::builder().id("tap").arn(format!("arn:aws:sqs:us-east-1:123456789012:{tap}")).build().expect("target");
    bus.put_targets().rule(&tap).event_bus_name("o2c-local").targets(target).send().await.expect("target");

    let ids = Ids::new();
    let customer = api.create_customer("USD").await;
    let inv = open_invoice(&api, &customer, "10.00").await;
    let id = inv["id"].as_str().unwrap().to_owned();
    let paid = deliver(&api, &payment_succeeded(&ids, 1000, "usd", json!({"invoice_id": id}))).await;
    let payment = paid.body["payment"].as_str().expect("payment").to_owned();
    deliver(&api, &charge_refunded(&ids, 1000, 250, "usd")).await;
    deliver(&api, &dispute(&ids, "charge.dispute.created", 750, "usd", "needs_response")).await;
    deliver(&api, &dispute(&ids, "charge.dispute.closed", 750, "usd", "won")).await;

    let mut seen = std::collections::BTreeSet::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while seen.len() < wanted.len() && tokio::time::Instant::now() < deadline {
        let out = sqs.receive_message().queue_url(&tap_url).max_number_of_messages(10).wait_time_seconds(1).send().await.expect("receive");
        for m in out.messages() {
            let body: Value = serde_json::from_str(m.body().unwrap_or("{}")).unwrap_or_default();
            let about = body["detail"]["aggregate"]["id"].as_str().unwrap_or("");
            if about == id || about == payment {
                seen.insert(body["detail-type"].as_str().unwrap_or("").to_owned());
            }
            if let Some(h) = m.receipt_handle() {
                let _ = sqs.delete_message().queue_url(&tap_url).receipt_handle(h).send().await;
            }
        }
    }
    let missing: Vec<_> = wanted.iter().filter(|w| !seen.contains(**w)).collect();
    assert!(missing.is_empty(), "not on the bus: {missing:?} (saw {seen:?})");
}
