//! Races with the fault proxy between the SDK and DynamoDB Local:
//! DynamoDB Local runs transactions one at a time and never answers
//! `TransactionConflict`, throttling or 5xx, so races prove little without
//! it. The handlers run in process; everything else is real.

use std::sync::Arc;

use o2c_api::settings::Settings;
use o2c_domain::api_key::Scope;
use o2c_domain::clock::SystemClock;
use o2c_domain::customer::TimeZone;
use o2c_domain::ports::{ApiKeyAdmin, CustomerChange, CustomerWrite};
use o2c_e2e::{answer_of, gateway_event};
use o2c_fault_proxy::{FaultProxy, FaultRates};
use o2c_fn_invoices_api::Handler;
use o2c_store::DynamoStore;
use serde_json::{json, Value};

struct Rig {
    proxy: FaultProxy,
    handler: Arc<Handler<DynamoStore>>,
    key: String,
    customer: String,
}

fn faults() -> FaultRates {
    FaultRates { conflict: 0.15, throttle: 0.05, server_error: 0.05, timeout: 0.0, lost_response: 0.03 }
}

async fn rig(seed: u64) -> Rig {
    let proxy = FaultProxy::start(&o2c_e2e::dynamodb_endpoint(), FaultRates::default(), seed).await.expect("proxy");
    let aws = o2c_e2e::local_aws().await;
    let timeouts = aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder().operation_attempt_timeout(std::time::Duration::from_secs(2)).build();
    let config = aws_sdk_dynamodb::config::Builder::from(&aws).endpoint_url(proxy.endpoint()).timeout_config(timeouts).build();
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(config), o2c_e2e::table_name());
    let (key, hash, record) = o2c_api::keys::new_api_key("faults", Scope::ALL.to_vec(), chrono::Utc::now()).expect("key");
    store.create_api_key(hash, &record).await.expect("key stored");
    let c = o2c_e2e::test_customer("Race GmbH", "EUR");
    store.commit_customer(CustomerChange { customer: &c, expected_version: None, outbox: vec![], reply: None }).await.expect("customer");
    let settings = Settings { table_name: o2c_e2e::table_name(), event_bus_name: "o2c-local".into(), delivery_queue_url: String::new(), company_time_zone: TimeZone::default(), reminder_queue_url: String::new(), holidays: Default::default() };
    Rig { proxy, handler: Arc::new(Handler::new(store, settings, Arc::new(SystemClock))), key, customer: c.id.to_string() }
}

impl Rig {
    async fn call(&self, method: &str, route: &str, path: &str, id: Option<&str>, body: Option<Value>, headers: &[(&str, &str)]) -> (u16, Value) {
        let e = gateway_event(method, route, path, id, &self.key, body.map(|b| b.to_string()), headers);
        answer_of(&self.handler.handle(e).await)
    }

    async fn draft(&self, year: i32) -> String {
        loop {
            let (status, body) = self
                .call("POST", "POST /v1/invoices", "/v1/invoices", None, Some(json!({"customer": self.customer, "issue_date": format!("{year}-02-01"), "lines": [{"description": "x", "quantity": "1", "unit_amount": "10"}]})), &[])
                .await;
            if status == 201 {
                return body["id"].as_str().expect("id").to_owned();
            }
        }
    }
}

fn sequence(number: &str) -> u64 {
    number.rsplit('-').next().and_then(|s| s.parse().ok()).expect("sequence")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_finalizes_under_injected_faults_stay_gapless_and_unique() {
    let rig = rig(7).await;
    let year = o2c_e2e::private_year().await;
    let mut ids = Vec::new();
    for _ in 0..12 {
        ids.push(rig.draft(year).await);
    }
    rig.proxy.set_rates(faults());
    let handles: Vec<_> = ids
        .iter()
        .map(|id| {
            let (h, key, id) = (rig.handler.clone(), rig.key.clone(), id.clone());
            tokio::spawn(async move {
                let e = gateway_event("POST", "POST /v1/invoices/{id}/finalize", &format!("/v1/invoices/{id}/finalize"), Some(&id), &key, None, &[]);
                answer_of(&h.handle(e).await)
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for h in handles {
        outcomes.push(h.await.expect("task"));
    }
    let injected = rig.proxy.injected();
    eprintln!("injected {injected:?}; answers {:?}", outcomes.iter().map(|o| o.0).collect::<Vec<_>>());
    assert!(injected.conflict + injected.throttle + injected.server_error + injected.lost_response > 0, "faults were injected: {injected:?}");
    for (status, body) in &outcomes {
        // Every failure is visible and typed: a retryable 503, a 409 to
        // retry, or a 409 because a lost answer hid our own success.
        assert!([200, 409, 503].contains(status), "{status}: {body}");
    }

    // Faults off: finish what did not finish, then read every number.
    rig.proxy.set_rates(FaultRates::default());
    let mut numbers = Vec::new();
    for id in &ids {
        let (_, now) = rig.call("GET", "GET /v1/invoices/{id}", &format!("/v1/invoices/{id}"), Some(id), None, &[]).await;
        if now["status"] == "draft" {
            let (status, body) = rig.call("POST", "POST /v1/invoices/{id}/finalize", &format!("/v1/invoices/{id}/finalize"), Some(id), None, &[]).await;
            assert_eq!(status, 200, "{body}");
        }
        let (_, done) = rig.call("GET", "GET /v1/invoices/{id}", &format!("/v1/invoices/{id}"), Some(id), None, &[]).await;
        assert_eq!(done["status"], "open");
        numbers.push(sequence(done["number"].as_str().expect("number")));
    }
    // Those that answered 200 got exactly the number they now have.
    for ((status, body), id) in outcomes.iter().zip(&ids) {
        if *status == 200 {
            let (_, done) = rig.call("GET", "GET /v1/invoices/{id}", &format!("/v1/invoices/{id}"), Some(id), None, &[]).await;
            assert_eq!(body["number"], done["number"]);
        }
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=ids.len() as u64).collect::<Vec<_>>(), "unique and gapless under faults ({injected:?})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_idempotent_retries_under_injected_faults_create_one_invoice() {
    let rig = rig(11).await;
    rig.proxy.set_rates(faults());
    let key = format!("faults-{}", ulid::Ulid::new());
    let body = json!({"customer": rig.customer, "finalize": true, "lines": [{"description": "Retry me", "quantity": "1", "unit_amount": "99.90"}]});
    let handles: Vec<_> = (0..10)
        .map(|_| {
            let (h, api_key, k, b) = (rig.handler.clone(), rig.key.clone(), key.clone(), body.to_string());
            tokio::spawn(async move {
                let e = gateway_event("POST", "POST /v1/invoices", "/v1/invoices", None, &api_key, Some(b), &[("idempotency-key", &k)]);
                answer_of(&h.handle(e).await)
            })
        })
        .collect();
    let mut ids = Vec::new();
    for h in handles {
        let (status, body) = h.await.expect("task");
        match status {
            201 => ids.push(body["id"].as_str().expect("id").to_owned()),
            409 | 503 => {}
            other => panic!("unexpected {other}: {body}"),
        }
    }
    // Faults off: a client keeps retrying until it has an answer.
    rig.proxy.set_rates(FaultRates::default());
    let final_id = loop {
        let (status, answer) = rig.call("POST", "POST /v1/invoices", "/v1/invoices", None, Some(body.clone()), &[("idempotency-key", &key)]).await;
        if status == 201 {
            break answer["id"].as_str().expect("id").to_owned();
        }
        assert_eq!(answer["code"], "idempotency_key_in_use", "{status}: {answer}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert!(ids.iter().all(|i| *i == final_id), "every success names the one invoice");
    let (_, listed) = rig.call("GET", "GET /v1/invoices", "/v1/invoices", None, None, &[]).await;
    let _ = listed;
    let filter = format!("customer={}", rig.customer);
    let mut e = gateway_event("GET", "GET /v1/invoices", "/v1/invoices", None, &rig.key, None, &[]);
    e.query_string_parameters = filter.parse().expect("query");
    let (_, page) = answer_of(&rig.handler.handle(e).await);
    assert_eq!(page["data"].as_array().map(Vec::len), Some(1), "exactly one invoice for the customer: {page}");
}
