//! Emails invoices. Consumes delivery requests (the `invoice.finalized`
//! and `invoice.send_requested` envelopes) from SQS and, for each: claims the send in the ledger, loads
//! invoice and customer, composes the localized email with the PDF, sends
//! it through SES as raw MIME to the customer and `cc`, and records the
//! send with its SES message id in the invoice's timeline. A redelivered
//! message finds the send recorded and does nothing; a failed send gives
//! its claim back and is reported, so SQS retries it and, after the
//! queue's limit, dead-letters it. Nothing is deleted on failure.

use std::sync::Arc;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use chrono::{DateTime, Utc};
use o2c_documents::{compose_invoice_email, Branding};
use o2c_domain::clock::Clock;
use o2c_domain::customer::EmailStatus;
use o2c_domain::invoice_status::InvoiceStatus;
use o2c_domain::event::{DomainEvent, EventType};
use o2c_domain::ids::{EventId, InvoiceId};
use o2c_domain::ports::{AddressBook, CustomerRead, InvoiceRead, MailError, Mailer, SendClaim, SendLedger};
use o2c_domain::timeline::TimelineItem;
use serde_json::json;
use tracing::Instrument;

/// Why one message was not done (it is retried).
#[derive(Debug)]
pub struct Retry(pub String);

/// Whether a failure happened before or after the email went out.
enum Failure {
    BeforeSending(Retry),
    AfterSending(Retry),
}

pub struct Delivery<S, M> {
    store: S,
    mailer: M,
    branding: Branding,
    clock: Arc<dyn Clock>,
}

impl<S: SendLedger + InvoiceRead + CustomerRead + AddressBook, M: Mailer> Delivery<S, M> {
    pub fn new(store: S, mailer: M, branding: Branding, clock: Arc<dyn Clock>) -> Self {
        Self { store, mailer, branding, clock }
    }

    pub async fn handle(&self, event: SqsEvent) -> SqsBatchResponse {
        let mut response = SqsBatchResponse::default();
        for message in event.records {
            if let Err(Retry(reason)) = self.deliver(&message).await {
                tracing::warn!(message_id = message.message_id.as_deref().unwrap_or(""), reason, "delivery not done; SQS will retry");
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = message.message_id.clone().unwrap_or_default();
                response.batch_item_failures.push(failure);
            }
        }
        response
    }

    async fn deliver(&self, message: &SqsMessage) -> Result<(), Retry> {
        let Some(event) = message.body.as_deref().and_then(|b| serde_json::from_str::<DomainEvent>(b).ok()) else {
            // Not ours to read: retrying cannot help, and the DLQ keeps it.
            return Err(Retry("the body is not a domain event".into()));
        };
        if !matches!(event.event_type, EventType::InvoiceFinalized | EventType::InvoiceSendRequested) {
            return Ok(());
        }
        let span = tracing::info_span!("deliver", event_id = %event.id, correlation_id = event.correlation_id.as_deref().unwrap_or(""));
        self.deliver_event(&event).instrument(span).await
    }

    async fn deliver_event(&self, event: &DomainEvent) -> Result<(), Retry> {
        let invoice_id = InvoiceId::parse(&event.aggregate.id).map_err(|_| Retry("the event names no invoice".into()))?;
        let key = event.id.to_string();
        let now = self.clock.now();
        match self.store.claim_send(&key, now).await.map_err(|e| Retry(e.to_string()))? {
            SendClaim::AlreadySent => return Ok(()),
            SendClaim::InProgress => return Err(Retry("another delivery of this request is sending".into())),
            SendClaim::Claimed => {}
        }
        match self.send(&key, invoice_id, now).await {
            Ok(()) => Ok(()),
            Err(Failure::BeforeSending(e)) => {
                // Nothing went out: give the claim back so a retry can send.
                let _ = self.store.release_send(&key).await;
                Err(e)
            }
            // The email went out but is not recorded: keep the claim, so
            // retries wait for it to expire instead of sending at once.
            Err(Failure::AfterSending(e)) => Err(e),
        }
    }

    async fn send(&self, key: &str, invoice_id: InvoiceId, now: DateTime<Utc>) -> Result<(), Failure> {
        let before = |e: String| Failure::BeforeSending(Retry(e));
        let invoice = self.store.invoice(invoice_id).await.map_err(|e| before(e.to_string()))?.ok_or_else(|| before("no such invoice".into()))?.value;
        let customer = self.store.customer(invoice.customer).await.map_err(|e| before(e.to_string()))?.ok_or_else(|| before("no such customer".into()))?.value;
        let number = invoice.number.map(|n| n.to_string()).unwrap_or_default();
        // The request may be older than the invoice's state: a void invoice
        // is not emailed.
        if matches!(invoice.status, InvoiceStatus::Void | InvoiceStatus::Draft) {
            let item = timeline_item(key, now, "invoice.email_skipped", format!("Email for {number} not sent: the invoice is {}", invoice.status.as_str()), json!({"reason": invoice.status}));
            return self.store.record_skipped(key, invoice_id, &item).await.map_err(|e| before(e.to_string()));
        }
        let composed = compose_invoice_email(&invoice, &customer, &self.branding).map_err(|e| before(format!("compose: {e}")))?;
        let all: Vec<_> = composed.to.iter().chain(composed.cc.iter()).cloned().collect();
        // Addresses that bounced or complained are skipped, and the skip
        // is recorded; the others still get the invoice.
        let statuses = self.store.address_statuses(&all).await.map_err(|e| before(e.to_string()))?;
        let (recipients, suppressed): (Vec<_>, Vec<_>) = all.into_iter().zip(statuses).partition(|(_, s)| *s == EmailStatus::Ok);
        let recipients: Vec<_> = recipients.into_iter().map(|(r, _)| r).collect();
        let suppressed: Vec<_> = suppressed.into_iter().map(|(r, s)| json!({"address": r, "status": s})).collect();
        if recipients.is_empty() {
            let item = timeline_item(key, now, "invoice.email_skipped", format!("Email for {number} not sent: every address is undeliverable"), json!({"skipped": suppressed}));
            return self.store.record_skipped(key, invoice_id, &item).await.map_err(|e| before(e.to_string()));
        }
        match self.mailer.send_raw(&self.branding.from, &recipients, &composed.raw_mime).await {
            Ok(message_id) => {
                let item = timeline_item(
                    key,
                    now,
                    "invoice.email_sent",
                    format!("Emailed {number} to {} recipient(s)", recipients.len()),
                    json!({"ses_message_id": message_id, "recipients": recipients, "skipped": suppressed, "subject": composed.subject}),
                );
                tracing::info!(invoice = %invoice_id, ses_message_id = message_id.as_str(), "invoice emailed");
                // Sent but not recorded is the narrow window: try hard to
                // record it; if that fails the claim stays until it expires.
                let mut last = String::new();
                for _ in 0..3 {
                    match self.store.record_sent(key, &message_id, invoice_id, &item).await {
                        Ok(()) => return Ok(()),
                        Err(e) => last = e.to_string(),
                    }
                }
                Err(Failure::AfterSending(Retry(format!("sent as {message_id} but not recorded: {last}"))))
            }
            Err(MailError::Unavailable(reason)) => Err(before(reason)),
            Err(MailError::Refused(reason)) => {
                let item = timeline_item(key, now, "invoice.email_skipped", format!("Email for {number} refused by the mail service"), json!({"reason": reason}));
                self.store.record_skipped(key, invoice_id, &item).await.map_err(|e| before(e.to_string()))
            }
        }
    }
}

/// A timeline entry of this delivery; `request` names the delivery request
/// (event id) it answers, so an audit can tie every email to its cause.
fn timeline_item(key: &str, at: DateTime<Utc>, item_type: &str, summary: String, mut data: serde_json::Value) -> TimelineItem {
    data["request"] = json!(key);
    TimelineItem { id: EventId::from_ulid(ulid::Ulid::new()), at, item_type: item_type.into(), summary, data }
}
