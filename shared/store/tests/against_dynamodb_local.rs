//! The store's promises, checked against DynamoDB Local (the table the
//! local stack created from template.yaml).

use chrono::{NaiveDate, Utc};
use o2c_domain::actions::{self, no_receipt, Context};
use o2c_domain::clock::SystemClock;
use o2c_domain::customer::{Customer, Metadata, TimeZone};
use o2c_domain::event::{AggregateKind, AggregateRef, DomainEvent, EventType};
use o2c_domain::ids::{EventId, InvoiceId};
use o2c_domain::invoice::{DraftRequest, Invoice, LineInput};
use o2c_domain::invoice_number::InvoiceNumber;
use o2c_domain::money::{Quantity, TaxRate, UnitAmount};
use o2c_domain::outbox::{Destination, OutboxMessage};
use o2c_domain::ports::{CustomerChange, CustomerRead, CustomerWrite, InvoiceChange, InvoiceNumbering, InvoiceRead, InvoiceWrite, StoreError, TimelineRead};
use o2c_domain::text::BoundedText;
use o2c_domain::idempotency::{ClaimOutcome, IdempotentReply, SavedResponse};
use o2c_domain::ports::IdempotencyStore;
use o2c_store::DynamoStore;
use ulid::Ulid;

async fn store() -> DynamoStore {
    let aws = o2c_e2e::local_aws().await;
    let config = aws_sdk_dynamodb::config::Builder::from(&aws).endpoint_url(o2c_e2e::dynamodb_endpoint()).build();
    DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(config), o2c_e2e::table_name())
}

fn customer() -> Customer {
    o2c_e2e::test_customer("Store Test AG", "EUR")
}

fn draft_request(year: i32) -> DraftRequest {
    DraftRequest {
        currency: None,
        lines: vec![LineInput {
            description: BoundedText::parse("Line").expect("text"),
            quantity: Quantity::parse("2").expect("q"),
            unit_amount: UnitAmount::parse("10.50").expect("u"),
            tax_rate: TaxRate::parse("19").expect("r"),
        }],
        issue_date: NaiveDate::from_ymd_opt(year, 6, 1),
        due_date: None,
        memo: None,
        po_number: None,
        metadata: Metadata::new(),
    }
}

fn message(invoice: InvoiceId) -> OutboxMessage {
    let event = DomainEvent {
        id: EventId::from_ulid(Ulid::new()),
        event_type: EventType::InvoiceFinalized,
        occurred_at: Utc::now(),
        aggregate: AggregateRef { kind: AggregateKind::Invoice, id: invoice.to_string() },
        aggregate_version: 2,
        correlation_id: None,
        payload: serde_json::json!({"test": true}),
    };
    OutboxMessage::new(event, &[Destination::EventBus])
}

async fn create(s: &DynamoStore, c: &Customer) -> Result<(), StoreError> {
    s.commit_customer(CustomerChange { customer: c, expected_version: None, outbox: vec![], reply: None }).await
}


fn ctx() -> Context {
    Context::new(&SystemClock, TimeZone::default(), None)
}

#[tokio::test]
async fn a_customer_reads_back_with_its_balances() {
    let s = store().await;
    let c = customer();
    create(&s, &c).await.expect("created");
    let back = s.customer(c.id).await.expect("read").expect("exists");
    assert_eq!(back.value, c);
    assert_eq!(back.version, 1);
    assert_eq!(create(&s, &c).await, Err(StoreError::Conflict), "ids are create-only");
}

#[tokio::test]
async fn a_stale_version_cannot_overwrite_an_invoice() {
    let s = store().await;
    let c = customer();
    create(&s, &c).await.expect("customer");
    let id = InvoiceId::from_ulid(Ulid::new());
    let created = actions::create_invoice(&s, &ctx(), id, c.id, draft_request(o2c_e2e::private_year().await), actions::Creation::DRAFT, &no_receipt).await.expect("draft");
    let finalized = actions::finalize_invoice(&s, &ctx(), id, false, &no_receipt).await.expect("finalized");
    assert_eq!(finalized.version, created.version + 1);

    // A writer still holding version 1 must not win.
    let mut stale = created.value.clone();
    stale.memo = Some(BoundedText::parse("late edit").expect("memo"));
    let change = InvoiceChange { invoice: &stale, expected_version: Some(created.version), claims_number: None, balance_change: None, outbox: vec![message(id)], timeline: vec![], reply: None };
    assert_eq!(s.commit_invoice(change).await, Err(StoreError::Conflict));
    let now = s.invoice(id).await.expect("read").expect("exists");
    assert_eq!(now.value, finalized.value);
}

#[tokio::test]
async fn two_changes_claiming_one_number_cannot_both_commit_and_the_loser_writes_nothing() {
    let s = store().await;
    let c = customer();
    create(&s, &c).await.expect("customer");
    let year = o2c_e2e::private_year().await;
    let a = actions::create_invoice(&s, &ctx(), InvoiceId::from_ulid(Ulid::new()), c.id, draft_request(year), actions::Creation::DRAFT, &no_receipt).await.expect("a");
    let b = actions::create_invoice(&s, &ctx(), InvoiceId::from_ulid(Ulid::new()), c.id, draft_request(year), actions::Creation::DRAFT, &no_receipt).await.expect("b");
    let seq = s.next_sequence(year).await.expect("counter");
    assert_eq!(seq, 1);
    let number = InvoiceNumber::new(year, seq).expect("number");

    let today = NaiveDate::from_ymd_opt(year, 6, 1).expect("date");
    let mut fa: Invoice = a.value.clone();
    fa.finalize(number, today, Utc::now()).expect("a finalizes");
    let mut fb: Invoice = b.value.clone();
    fb.finalize(number, today, Utc::now()).expect("b finalizes");

    fn commit(inv: &Invoice, version: u64, number: InvoiceNumber) -> InvoiceChange<'_> {
        InvoiceChange { invoice: inv, expected_version: Some(version), claims_number: Some(number), balance_change: None, outbox: vec![message(inv.id)], timeline: vec![], reply: None }
    }
    let (ra, rb) = tokio::join!(s.commit_invoice(commit(&fa, a.version, number)), s.commit_invoice(commit(&fb, b.version, number)));
    assert!(ra.is_ok() ^ rb.is_ok(), "exactly one claim wins: {ra:?} {rb:?}");
    let (winner, loser) = if ra.is_ok() { (fa.id, fb.id) } else { (fb.id, fa.id) };
    assert_eq!(s.invoice(winner).await.expect("read").expect("exists").value.number, Some(number));
    let l = s.invoice(loser).await.expect("read").expect("exists");
    assert_eq!(l.value.number, None, "the losing transaction left its invoice a draft");
    assert_eq!(l.version, 1);
    assert!(s.timeline(loser).await.expect("timeline").iter().all(|t| t.item_type != "invoice.finalized"));
    assert_eq!(s.next_sequence(year).await.expect("counter"), 2, "the counter moved once");
}

#[tokio::test]
async fn finalizing_moves_the_customers_receivable_in_the_same_transaction() {
    let s = store().await;
    let c = customer();
    create(&s, &c).await.expect("customer");
    let id = InvoiceId::from_ulid(Ulid::new());
    actions::create_invoice(&s, &ctx(), id, c.id, draft_request(o2c_e2e::private_year().await), actions::Creation::DRAFT, &no_receipt).await.expect("draft");
    let f = actions::finalize_invoice(&s, &ctx(), id, false, &no_receipt).await.expect("finalized");
    let back = s.customer(c.id).await.expect("read").expect("exists").value;
    assert_eq!(back.balance, f.value.amount_due());
    assert_eq!(back.balance.to_string(), "24.99");
}

#[tokio::test]
async fn an_idempotency_key_is_in_use_while_running_then_replays_and_expires_after_a_day() {
    let s = store().await;
    let scope = format!("key_test#{}", Ulid::new());
    let now = Utc::now();
    let ClaimOutcome::Claimed(claim) = s.claim(&scope, "fp-1", now).await.expect("claim") else { panic!("first claim wins") };
    assert_eq!(s.claim(&scope, "fp-1", now).await.expect("second"), ClaimOutcome::InUse);
    assert_eq!(s.claim(&scope, "fp-2", now).await.expect("other body"), ClaimOutcome::Reused);
    let response = SavedResponse { status: 201, content_type: "application/json".into(), body: "{\"id\":\"x\"}".into() };
    s.save_reply(&IdempotentReply { claim: claim.clone(), response: response.clone() }, now).await.expect("saved");
    assert_eq!(s.claim(&scope, "fp-1", now).await.expect("replay"), ClaimOutcome::Replay(response));
    // A day later the key is free again, whatever TTL has or has not deleted.
    let later = now + chrono::Duration::hours(25);
    assert!(matches!(s.claim(&scope, "fp-2", later).await.expect("expired"), ClaimOutcome::Claimed(_)));
}

#[tokio::test]
async fn a_crashed_first_run_can_be_taken_over_after_its_lock_and_a_released_claim_at_once() {
    let s = store().await;
    let now = Utc::now();
    let scope = format!("key_test#{}", Ulid::new());
    assert!(matches!(s.claim(&scope, "fp", now).await.expect("claim"), ClaimOutcome::Claimed(_)));
    let after_lock = now + chrono::Duration::seconds(61);
    assert!(matches!(s.claim(&scope, "fp", after_lock).await.expect("takeover"), ClaimOutcome::Claimed(_)));

    let scope = format!("key_test#{}", Ulid::new());
    let ClaimOutcome::Claimed(claim) = s.claim(&scope, "fp", now).await.expect("claim") else { panic!() };
    s.release(&claim).await.expect("released");
    assert!(matches!(s.claim(&scope, "fp", now).await.expect("again"), ClaimOutcome::Claimed(_)));
}
