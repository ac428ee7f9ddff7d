//! The delivery handler against DynamoDB Local, with a mail service that
//! fails on demand (our `Mailer` port; SES's emulator cannot fail
//! transiently): a failed send is retried and never lost, a redelivery
//! never sends twice.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use o2c_documents::Branding;
use o2c_domain::actions::{self, no_receipt, Context};
use o2c_domain::clock::SystemClock;
use o2c_domain::customer::TimeZone;
use o2c_domain::ids::InvoiceId;
use o2c_domain::invoice::{DraftRequest, LineInput};
use o2c_domain::money::{Quantity, TaxRate, UnitAmount};
use o2c_domain::ports::{CustomerChange, CustomerWrite, MailError, Mailer, TimelineRead};
use o2c_domain::text::{BoundedText, Email};
use o2c_fn_invoice_delivery::Delivery;
use o2c_store::DynamoStore;

#[derive(Default)]
struct MailState {
    failing: AtomicBool,
    sent: AtomicUsize,
}

/// A mail service that fails on demand and counts what it sent.
#[derive(Clone, Default)]
struct FlakyMail(Arc<MailState>);

impl std::ops::Deref for FlakyMail {
    type Target = MailState;
    fn deref(&self) -> &MailState {
        &self.0
    }
}

impl Mailer for FlakyMail {
    async fn send_raw(&self, _from: &Email, recipients: &[Email], raw: &[u8]) -> Result<String, MailError> {
        assert!(!recipients.is_empty() && !raw.is_empty());
        if self.failing.load(Ordering::SeqCst) {
            return Err(MailError::Unavailable("throttled".into()));
        }
        let n = self.sent.fetch_add(1, Ordering::SeqCst);
        Ok(format!("msg-{n}"))
    }
}

/// Timeline entries answering the delivery request in `body`.
async fn ours(store: &DynamoStore, id: InvoiceId, body: &str, item_type: &str) -> Vec<o2c_domain::timeline::TimelineItem> {
    let request: serde_json::Value = serde_json::from_str(body).expect("json");
    store.timeline(id).await.expect("timeline").into_iter().filter(|t| t.item_type == item_type && t.data["request"] == request["id"]).collect()
}

async fn setup() -> (DynamoStore, InvoiceId, String) {
    let aws = o2c_e2e::local_aws().await;
    let config = aws_sdk_dynamodb::config::Builder::from(&aws).endpoint_url(o2c_e2e::dynamodb_endpoint()).build();
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(config), o2c_e2e::table_name());
    let c = o2c_e2e::test_customer("Mail Test SA", "EUR");
    store.commit_customer(CustomerChange { customer: &c, expected_version: None, outbox: vec![], reply: None }).await.expect("customer");
    let ctx = Context::new(&SystemClock, TimeZone::default(), None);
    let request = DraftRequest {
        currency: None,
        lines: vec![LineInput { description: BoundedText::parse("Line").expect("t"), quantity: Quantity::parse("1").expect("q"), unit_amount: UnitAmount::parse("10").expect("u"), tax_rate: TaxRate::parse("0").expect("r") }],
        issue_date: None,
        due_date: None,
        memo: None,
        po_number: None,
        metadata: Default::default(),
    };
    let id = InvoiceId::from_ulid(ulid::Ulid::new());
    actions::create_invoice(&store, &ctx, id, c.id, request, actions::Creation::FINALIZED, &no_receipt).await.expect("finalized");
    // A send request of the test's own: the running stack delivers the
    // finalize request itself, and must not race these tests.
    let body = serde_json::json!({
        "id": format!("evt_{}", ulid::Ulid::new()), "type": "invoice.send_requested", "occurred_at": chrono::Utc::now(),
        "aggregate": {"kind": "invoice", "id": id}, "aggregate_version": 2, "payload": {"invoice": id},
    });
    (store, id, body.to_string())
}

fn event(body: &str) -> SqsEvent {
    let mut m = SqsMessage::default();
    m.message_id = Some(ulid::Ulid::new().to_string());
    m.body = Some(body.to_owned());
    let mut e = SqsEvent::default();
    e.records = vec![m];
    e
}

fn branding() -> Branding {
    Branding::from_env().expect("default branding")
}

#[tokio::test]
async fn a_failed_send_is_reported_for_retry_and_sent_once_when_the_service_recovers() {
    let (store, id, body) = setup().await;
    let mail = FlakyMail::default();
    let delivery = Delivery::new(store.clone(), mail.clone(), branding(), Arc::new(SystemClock));

    mail.failing.store(true, Ordering::SeqCst);
    for _ in 0..2 {
        let r = delivery.handle(event(&body)).await;
        assert_eq!(r.batch_item_failures.len(), 1, "the message goes back to the queue");
    }
    assert!(ours(&store, id, &body, "invoice.email_sent").await.is_empty());

    mail.failing.store(false, Ordering::SeqCst);
    let r = delivery.handle(event(&body)).await;
    assert!(r.batch_item_failures.is_empty());
    assert_eq!(mail.sent.load(Ordering::SeqCst), 1);
    // (The running stack emails the finalize itself; count ours only.)
    let sent = ours(&store, id, &body, "invoice.email_sent").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].data["ses_message_id"], "msg-0");
}

#[tokio::test]
async fn the_same_request_delivered_twice_and_concurrently_sends_one_email() {
    let (store, id, body) = setup().await;
    let mail = FlakyMail::default();
    let delivery = Arc::new(Delivery::new(store.clone(), mail.clone(), branding(), Arc::new(SystemClock)));
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let (d, b) = (delivery.clone(), body.clone());
            tokio::spawn(async move { d.handle(event(&b)).await })
        })
        .collect();
    for r in runs {
        r.await.expect("task");
    }
    // Whoever lost the race was told to retry; retry until all settled.
    for _ in 0..5 {
        delivery.handle(event(&body)).await;
    }
    assert_eq!(mail.sent.load(Ordering::SeqCst), 1, "one email");
    assert_eq!(ours(&store, id, &body, "invoice.email_sent").await.len(), 1);
}

#[tokio::test]
async fn a_request_arriving_after_the_invoice_was_voided_sends_nothing_and_says_so() {
    let (store, id, body) = setup().await;
    let ctx = Context::new(&SystemClock, TimeZone::default(), None);
    actions::close_invoice(&store, &ctx, id, actions::Closure::Void, &no_receipt).await.expect("voided");
    let mail = FlakyMail::default();
    let delivery = Delivery::new(store.clone(), mail.clone(), branding(), Arc::new(SystemClock));
    let r = delivery.handle(event(&body)).await;
    assert!(r.batch_item_failures.is_empty());
    assert_eq!(mail.sent.load(Ordering::SeqCst), 0);
    let skipped = ours(&store, id, &body, "invoice.email_skipped").await;
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].data["reason"], "void");
}
