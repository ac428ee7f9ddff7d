//! The webhook handler in process, its store behind the fault proxy
//! (conflicts, throttling, 5xx, lost responses between the SDK and
//! DynamoDB Local): a payment event delivered five times at once is
//! applied exactly once, and a gateway-base64 body verifies over its
//! decoded bytes.

use std::sync::Arc;

use base64::Engine;
use o2c_api::settings::Settings;
use o2c_domain::clock::SystemClock;
use o2c_domain::customer::TimeZone;
use o2c_domain::ports::{CustomerChange, CustomerWrite, InvoiceChange, InvoiceWrite};
use o2c_e2e::answer_of;
use o2c_fault_proxy::{FaultProxy, FaultRates};
use o2c_fn_stripe_webhook::{Handler, WebhookSettings};
use o2c_store::DynamoStore;
use serde_json::{json, Value};

use crate::stripe_events::{now, payment_succeeded, secret, Ids};

struct Rig {
    proxy: FaultProxy,
    handler: Arc<Handler<DynamoStore>>,
    store: DynamoStore,
}

async fn rig(seed: u64) -> Rig {
    let proxy = FaultProxy::start(&o2c_e2e::dynamodb_endpoint(), FaultRates::default(), seed).await.expect("proxy");
    let aws = o2c_e2e::local_aws().await;
    let timeouts = aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder().operation_attempt_timeout(std::time::Duration::from_secs(2)).build();
    let config = aws_sdk_dynamodb::config::Builder::from(&aws).endpoint_url(proxy.endpoint()).timeout_config(timeouts).build();
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(config), o2c_e2e::table_name());
    let settings = Settings { table_name: o2c_e2e::table_name(), event_bus_name: "o2c-local".into(), delivery_queue_url: String::new(), company_time_zone: TimeZone::default(), reminder_queue_url: String::new(), holidays: Default::default() };
    let webhook = WebhookSettings { secret: Some(secret()), livemode: false, source: None };
    Rig { proxy, handler: Arc::new(Handler::new(store.clone(), settings, webhook, Arc::new(SystemClock))), store }
}

/// An open invoice of 100.00 EUR, written straight to the store.
pub(crate) async fn open_invoice(store: &DynamoStore) -> o2c_domain::invoice::Invoice {
    let c = o2c_e2e::test_customer("Webhook GmbH", "EUR");
    store.commit_customer(CustomerChange { customer: &c, expected_version: None, outbox: vec![], reply: None }).await.expect("customer");
    let request = o2c_domain::invoice::DraftRequest {
        currency: None,
        lines: vec![o2c_domain::invoice::LineInput {
            description: o2c_domain::text::BoundedText::parse("Plan").unwrap(),
            quantity: o2c_domain::money::Quantity::parse("1").unwrap(),
            unit_amount: o2c_domain::money::UnitAmount::parse("100").unwrap(),
            tax_rate: o2c_domain::money::TaxRate::parse("0").unwrap(),
        }],
        issue_date: None,
        due_date: None,
        memo: None,
        po_number: None,
        metadata: Default::default(),
    };
    let mut invoice = o2c_domain::invoice::Invoice::draft(o2c_domain::ids::InvoiceId::from_ulid(ulid::Ulid::new()), &c, request, chrono::Utc::now()).expect("draft");
    // Open without a number: the webhook only needs an open invoice.
    invoice.status = o2c_domain::invoice_status::InvoiceStatus::Open;
    let event = o2c_domain::event::DomainEvent {
        id: o2c_domain::ids::EventId::from_ulid(ulid::Ulid::new()),
        event_type: o2c_domain::event::EventType::InvoiceCreated,
        occurred_at: chrono::Utc::now(),
        aggregate: o2c_domain::event::AggregateRef { kind: o2c_domain::event::AggregateKind::Invoice, id: invoice.id.to_string() },
        aggregate_version: 1,
        correlation_id: None,
        payload: json!({"invoice": invoice.id}),
    };
    let change = InvoiceChange {
        invoice: &invoice,
        expected_version: None,
        claims_number: None,
        balance_change: Some(o2c_domain::ports::BalanceChange { receivable_minor: 10_000, unapplied_minor: 0 }),
        outbox: vec![o2c_domain::outbox::OutboxMessage::new(event, &[])],
        timeline: vec![],
        reply: None,
    };
    store.commit_invoice(change).await.expect("invoice");
    invoice
}

fn webhook_event(body: &str, signature: &str, base64: bool) -> aws_lambda_events::apigw::ApiGatewayV2httpRequest {
    let mut e = o2c_e2e::gateway_event("POST", "POST /v1/webhooks/stripe", "/v1/webhooks/stripe", None, "unused", None, &[("stripe-signature", signature)]);
    e.headers.remove("authorization");
    if base64 {
        e.body = Some(base64::engine::general_purpose::STANDARD.encode(body.as_bytes()));
        e.is_base64_encoded = true;
    } else {
        e.body = Some(body.to_owned());
    }
    e
}

pub(crate) async fn paid(store: &DynamoStore, id: o2c_domain::ids::InvoiceId) -> String {
    use o2c_domain::ports::InvoiceRead;
    store.invoice(id).await.expect("read").expect("invoice").value.amount_paid.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_event_delivered_five_times_at_once_under_injected_faults_is_applied_once() {
    let rig = rig(11).await;
    let invoice = open_invoice(&rig.store).await;
    let ids = Ids::new();
    let body = payment_succeeded(&ids, 2500, "eur", json!({"invoice_id": invoice.id})).to_string();
    rig.proxy.set_rates(FaultRates { conflict: 0.2, throttle: 0.05, server_error: 0.05, timeout: 0.0, lost_response: 0.05 });
    let mut applied = 0;
    // Stripe retries until it gets a 2xx: so do we, five deliveries at once.
    let handles: Vec<_> = (0..5)
        .map(|_| {
            let (h, body) = (rig.handler.clone(), body.clone());
            tokio::spawn(async move {
                for _ in 0..40 {
                    let sig = o2c_stripe::signature::sign(&secret(), now(), body.as_bytes());
                    let (status, answer): (u16, Value) = answer_of(&h.handle(webhook_event(&body, &sig, false)).await);
                    if status == 200 {
                        return answer["outcome"].as_str().unwrap_or("").to_owned();
                    }
                    assert!(status == 503 || status == 409 || status == 500, "unexpected {status}: {answer}");
                }
                panic!("never accepted");
            })
        })
        .collect();
    for h in handles {
        if h.await.expect("task") == "applied" {
            applied += 1;
        }
    }
    rig.proxy.set_rates(FaultRates::default());
    assert_eq!(applied, 1);
    assert_eq!(paid(&rig.store, invoice.id).await, "25.00");
}

#[tokio::test]
async fn a_body_the_gateway_base64_encoded_is_verified_over_its_decoded_bytes() {
    let rig = rig(12).await;
    let invoice = open_invoice(&rig.store).await;
    let body = payment_succeeded(&Ids::new(), 1000, "eur", json!({"invoice_id": invoice.id})).to_string();
    let sig = o2c_stripe::signature::sign(&secret(), now(), body.as_bytes());
    let (status, answer) = answer_of(&rig.handler.handle(webhook_event(&body, &sig, true)).await);
    assert_eq!((status, answer["outcome"].as_str()), (200, Some("applied")), "{answer}");
    assert_eq!(paid(&rig.store, invoice.id).await, "10.00");
    // Signing the base64 text instead of the bytes does not verify.
    let b64 = base64::engine::general_purpose::STANDARD.encode(body.as_bytes());
    let wrong = o2c_stripe::signature::sign(&secret(), now(), b64.as_bytes());
    let (status, _) = answer_of(&rig.handler.handle(webhook_event(&body, &wrong, true)).await);
    assert_eq!(status, 400);
}

#[tokio::test]
async fn without_a_secret_every_event_is_refused_as_unavailable_and_changes_nothing() {
    let rig = rig(13).await;
    let settings = Settings { table_name: o2c_e2e::table_name(), event_bus_name: "o2c-local".into(), delivery_queue_url: String::new(), company_time_zone: TimeZone::default(), reminder_queue_url: String::new(), holidays: Default::default() };
    let closed = Handler::new(rig.store.clone(), settings, WebhookSettings { secret: None, livemode: false, source: None }, Arc::new(SystemClock));
    let invoice = open_invoice(&rig.store).await;
    let body = payment_succeeded(&Ids::new(), 1000, "eur", json!({"invoice_id": invoice.id})).to_string();
    let sig = o2c_stripe::signature::sign(&secret(), now(), body.as_bytes());
    let (status, answer) = answer_of(&closed.handle(webhook_event(&body, &sig, false)).await);
    // Our fault, not the sender's: 503 so Stripe retries and the 5xx alarm fires.
    assert_eq!((status, answer["code"].as_str()), (503, Some("service_unavailable")));
    assert_eq!(paid(&rig.store, invoice.id).await, "0.00");
}

/// The real store, except that reading parked events fails while `crash`
/// is set: a webhook that dies after committing its payment and before
/// applying what was waiting for it.
#[derive(Clone)]
struct CrashAfterCommit {
    inner: DynamoStore,
    crash: Arc<std::sync::atomic::AtomicBool>,
}

mod crash_after_commit {
    use super::CrashAfterCommit;
    use o2c_domain::ids::{CustomerId, InvoiceId, PaymentId};
    use o2c_domain::invoice_number::InvoiceNumber;
    use o2c_domain::ports::*;
    use o2c_domain::processor_event::ProcessorRef;
    use std::sync::atomic::Ordering;

    impl CustomerRead for CrashAfterCommit {
        async fn customer(&self, id: CustomerId) -> Result<Option<Versioned<o2c_domain::customer::Customer>>, StoreError> {
            self.inner.customer(id).await
        }
    }
    impl InvoiceRead for CrashAfterCommit {
        async fn invoice(&self, id: InvoiceId) -> Result<Option<Versioned<o2c_domain::invoice::Invoice>>, StoreError> {
            self.inner.invoice(id).await
        }
    }
    impl PaymentRead for CrashAfterCommit {
        async fn payment(&self, id: PaymentId) -> Result<Option<Versioned<o2c_domain::payment::Payment>>, StoreError> {
            self.inner.payment(id).await
        }
    }
    impl PaymentWrite for CrashAfterCommit {
        async fn commit_payment(&self, change: PaymentChange<'_>) -> Result<(), StoreError> {
            self.inner.commit_payment(change).await
        }
    }
    impl PayerDirectory for CrashAfterCommit {
        async fn customer_by_external_id(&self, external_id: &str) -> Result<Option<CustomerId>, StoreError> {
            self.inner.customer_by_external_id(external_id).await
        }
        async fn invoice_by_number(&self, number: InvoiceNumber) -> Result<Option<InvoiceId>, StoreError> {
            self.inner.invoice_by_number(number).await
        }
    }
    impl ProcessorLedger for CrashAfterCommit {
        async fn event_outcome(&self, provider: &str, event: &ProcessorRef) -> Result<Option<EventOutcome>, StoreError> {
            self.inner.event_outcome(provider, event).await
        }
        async fn payment_for(&self, provider: &str, id: &ProcessorRef) -> Result<Option<PaymentId>, StoreError> {
            self.inner.payment_for(provider, id).await
        }
        async fn park(&self, record: &EventRecord, key: &ProcessorRef, unknown: &[ProcessorRef]) -> Result<(), StoreError> {
            self.inner.park(record, key, unknown).await
        }
        async fn record_ignored(&self, record: &EventRecord) -> Result<(), StoreError> {
            self.inner.record_ignored(record).await
        }
        async fn parked(&self, provider: &str, keys: &[ProcessorRef]) -> Result<Vec<ParkedEvent>, StoreError> {
            if self.crash.load(Ordering::SeqCst) {
                return Err(StoreError::Unavailable("the function died here".into()));
            }
            self.inner.parked(provider, keys).await
        }
    }
}

#[tokio::test]
async fn a_webhook_that_dies_after_its_payment_commits_applies_the_parked_refund_when_stripe_retries() {
    use crate::stripe_events::charge_refunded;
    let rig = rig(14).await;
    let invoice = open_invoice(&rig.store).await;
    let crash = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let store = CrashAfterCommit { inner: rig.store.clone(), crash: crash.clone() };
    let settings = Settings { table_name: o2c_e2e::table_name(), event_bus_name: "o2c-local".into(), delivery_queue_url: String::new(), company_time_zone: TimeZone::default(), reminder_queue_url: String::new(), holidays: Default::default() };
    let handler = Handler::new(store, settings, WebhookSettings { secret: Some(secret()), livemode: false, source: None }, Arc::new(SystemClock));
    let send = |body: String| {
        let h = &handler;
        async move {
            let sig = o2c_stripe::signature::sign(&secret(), now(), body.as_bytes());
            answer_of(&h.handle(webhook_event(&body, &sig, false)).await)
        }
    };
    let ids = Ids::new();
    // The refund arrives first and waits.
    let (status, answer) = send(charge_refunded(&ids, 10_000, 4_000, "eur").to_string()).await;
    assert_eq!((status, answer["outcome"].as_str()), (200, Some("parked")), "{answer}");
    // The payment commits, then the function dies before draining: Stripe sees a 503.
    let payment = payment_succeeded(&ids, 10_000, "eur", json!({"invoice_id": invoice.id})).to_string();
    let (status, _) = send(payment.clone()).await;
    assert_eq!(status, 503);
    assert_eq!(paid(&rig.store, invoice.id).await, "100.00", "the payment itself is in");
    // Stripe retries the same event: a duplicate, and the refund applies now, once.
    crash.store(false, std::sync::atomic::Ordering::SeqCst);
    let (status, answer) = send(payment.clone()).await;
    assert_eq!((status, answer["outcome"].as_str()), (200, Some("duplicate")), "{answer}");
    assert_eq!(paid(&rig.store, invoice.id).await, "60.00");
    let (_, answer) = send(payment).await;
    assert_eq!(answer["outcome"], "duplicate");
    assert_eq!(paid(&rig.store, invoice.id).await, "60.00", "applied once");
}
