//! Emails invoices, payment receipts and dunning reminders. Consumes
//! delivery requests (the `invoice.finalized`, `invoice.send_requested`,
//! `payment.applied` and `reminder.issued` envelopes) from SQS and, for each: claims the send in the ledger, loads
//! invoice and customer, composes the localized email with the PDF, sends
//! it through SES as raw MIME to the customer and `cc`, and records the
//! send with its SES message id in the invoice's timeline. A redelivered
//! message finds the send recorded and does nothing; a failed send gives
//! its claim back and is reported, so SQS retries it and, after the
//! queue's limit, dead-letters it. Nothing is deleted on failure.

use std::sync::Arc;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use chrono::{DateTime, Utc};
use o2c_documents::{compose_invoice_email, compose_receipt_email, compose_reminder_email, Branding, ReceiptFacts, ReceiptLine, ReminderFacts, ReminderLine};
use o2c_domain::clock::Clock;
use o2c_domain::customer::EmailStatus;
use o2c_domain::invoice_status::InvoiceStatus;
use o2c_domain::event::{DomainEvent, EventType};
use o2c_domain::ids::{EventId, InvoiceId, PaymentId};
use o2c_domain::ports::{AddressBook, CustomerRead, InvoiceRead, MailError, Mailer, PaymentRead, SendClaim, SendLedger};
use o2c_domain::reminder::ReminderIssue;
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

impl<S: SendLedger + InvoiceRead + CustomerRead + PaymentRead + AddressBook, M: Mailer> Delivery<S, M> {
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
        if !matches!(event.event_type, EventType::InvoiceFinalized | EventType::InvoiceSendRequested | EventType::PaymentApplied | EventType::ReminderIssued) {
            return Ok(());
        }
        let span = tracing::info_span!("deliver", event_id = %event.id, correlation_id = event.correlation_id.as_deref().unwrap_or(""));
        self.deliver_event(&event).instrument(span).await
    }

    async fn deliver_event(&self, event: &DomainEvent) -> Result<(), Retry> {
        let key = event.id.to_string();
        let now = self.clock.now();
        match self.store.claim_send(&key, now).await.map_err(|e| Retry(e.to_string()))? {
            SendClaim::AlreadySent => return Ok(()),
            SendClaim::InProgress => return Err(Retry("another delivery of this request is sending".into())),
            SendClaim::Claimed => {}
        }
        let sent = match event.event_type {
            EventType::PaymentApplied => self.send_receipt(&key, event, now).await,
            EventType::ReminderIssued => self.send_reminder(&key, event, now).await,
            _ => self.send_invoice(&key, event, now).await,
        };
        match sent {
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

    async fn send_invoice(&self, key: &str, event: &DomainEvent, now: DateTime<Utc>) -> Result<(), Failure> {
        let before = |e: String| Failure::BeforeSending(Retry(e));
        let invoice_id = InvoiceId::parse(&event.aggregate.id).map_err(|_| before("the event names no invoice".into()))?;
        let invoice = self.store.invoice(invoice_id).await.map_err(|e| before(e.to_string()))?.ok_or_else(|| before("no such invoice".into()))?.value;
        let customer = self.store.customer(invoice.customer).await.map_err(|e| before(e.to_string()))?.ok_or_else(|| before("no such customer".into()))?.value;
        let number = invoice.number.map(|n| n.to_string()).unwrap_or_default();
        // The request may be older than the invoice's state: a void invoice
        // is not emailed.
        if matches!(invoice.status, InvoiceStatus::Void | InvoiceStatus::Draft) {
            let item = timeline_item(key, now, "invoice.email_skipped", format!("Email for {number} not sent: the invoice is {}", invoice.status.as_str()), json!({"reason": invoice.status}));
            return self.store.record_skipped(key, &[invoice_id], &item).await.map_err(|e| before(e.to_string()));
        }
        let composed = compose_invoice_email(&invoice, &customer, &self.branding).map_err(|e| before(format!("compose: {e}")))?;
        let mail = Mail { composed, invoices: vec![invoice_id], what: format!("invoice {number}"), sent_type: "invoice.email_sent", skipped_type: "invoice.email_skipped" };
        self.dispatch(key, now, mail).await
    }

    /// The receipt for a recorded payment, to its customer; the send is
    /// noted on every invoice the payment settled.
    async fn send_receipt(&self, key: &str, event: &DomainEvent, now: DateTime<Utc>) -> Result<(), Failure> {
        let before = |e: String| Failure::BeforeSending(Retry(e));
        let payment_id = PaymentId::parse(&event.aggregate.id).map_err(|_| before("the event names no payment".into()))?;
        let payment = self.store.payment(payment_id).await.map_err(|e| before(e.to_string()))?.ok_or_else(|| before("no such payment".into()))?.value;
        let invoices: Vec<InvoiceId> = payment.allocations.iter().filter(|a| a.amount.is_positive()).map(|a| a.invoice).collect();
        let Some(customer_id) = payment.customer else {
            // An exception has nobody to thank yet.
            let item = timeline_item(key, now, "invoice.receipt_skipped", format!("No receipt for {payment_id}: no customer"), json!({"payment": payment_id}));
            return self.store.record_skipped(key, &invoices, &item).await.map_err(|e| before(e.to_string()));
        };
        let customer = self.store.customer(customer_id).await.map_err(|e| before(e.to_string()))?.ok_or_else(|| before("no such customer".into()))?.value;
        let mut applied = Vec::new();
        for a in payment.allocations.iter().filter(|a| a.amount.is_positive()) {
            let invoice = self.store.invoice(a.invoice).await.map_err(|e| before(e.to_string()))?.ok_or_else(|| before("no such invoice".into()))?.value;
            applied.push(ReceiptLine { invoice_number: invoice.number.map(|n| n.to_string()).unwrap_or_else(|| invoice.id.to_string()), amount: a.amount, remaining_due: invoice.amount_due() });
        }
        let facts = ReceiptFacts {
            payment_id: payment_id.to_string(),
            amount: payment.amount,
            received_at: payment.received_at,
            method: payment.method.as_str().to_owned(),
            reference: payment.reference.as_ref().map(|r| r.as_str().to_owned()),
            applied,
            unapplied: payment.unapplied,
        };
        let composed = compose_receipt_email(&facts, &customer, &self.branding).map_err(|e| before(format!("compose: {e}")))?;
        let mail = Mail { composed, invoices, what: format!("receipt for {payment_id}"), sent_type: "invoice.receipt_sent", skipped_type: "invoice.receipt_skipped" };
        self.dispatch(key, now, mail).await
    }

    /// A dunning reminder: the invoices it lists that are still due when
    /// it is sent (one paid in between is left out; if none is left,
    /// nothing is sent and the skip is recorded).
    async fn send_reminder(&self, key: &str, event: &DomainEvent, now: DateTime<Utc>) -> Result<(), Failure> {
        let before = |e: String| Failure::BeforeSending(Retry(e));
        let issue: ReminderIssue = serde_json::from_value(event.payload.clone()).map_err(|e| before(format!("not a reminder: {e}")))?;
        let customer = self.store.customer(issue.customer).await.map_err(|e| before(e.to_string()))?.ok_or_else(|| before("no such customer".into()))?.value;
        let mut lines = Vec::new();
        let mut listed = Vec::new();
        let mut settled = Vec::new();
        for step in &issue.invoices {
            let Some(invoice) = self.store.invoice(step.invoice).await.map_err(|e| before(e.to_string()))? else { continue };
            let invoice = invoice.value;
            if !invoice.is_remindable() {
                settled.push(step.invoice);
                continue;
            }
            listed.push(step.invoice);
            lines.push(ReminderLine { invoice_number: invoice.number.map(|n| n.to_string()).unwrap_or_else(|| invoice.id.to_string()), due_date: invoice.due_date.unwrap_or(issue.send_on), amount_due: invoice.amount_due() });
        }
        if lines.is_empty() {
            let item = timeline_item(key, now, "invoice.reminder_skipped", format!("Reminder {} not sent: nothing on it is due any more", issue.reminder_id), json!({"reminder": issue.reminder_id}));
            return self.store.record_skipped(key, &settled, &item).await.map_err(|e| before(e.to_string()));
        }
        let facts = ReminderFacts { reminder_id: issue.reminder_id.clone(), template: issue.template.as_str().to_owned(), credit_hold: issue.credit_hold, send_on: issue.send_on, invoices: lines };
        let composed = compose_reminder_email(&facts, &customer, &self.branding).map_err(|e| before(format!("compose: {e}")))?;
        let mail = Mail { composed, invoices: listed, what: format!("reminder {}", issue.reminder_id), sent_type: "invoice.reminder_sent", skipped_type: "invoice.reminder_skipped" };
        self.dispatch(key, now, mail).await
    }

    /// Sends a composed message to every deliverable address and records
    /// the outcome on the invoices it is about.
    async fn dispatch(&self, key: &str, now: DateTime<Utc>, mail: Mail) -> Result<(), Failure> {
        let before = |e: String| Failure::BeforeSending(Retry(e));
        let Mail { composed, invoices, what, sent_type, skipped_type } = mail;
        let all: Vec<_> = composed.to.iter().chain(composed.cc.iter()).cloned().collect();
        // Addresses that bounced or complained are skipped, and the skip
        // is recorded; the others still get the message.
        let statuses = self.store.address_statuses(&all).await.map_err(|e| before(e.to_string()))?;
        let (recipients, suppressed): (Vec<_>, Vec<_>) = all.into_iter().zip(statuses).partition(|(_, s)| *s == EmailStatus::Ok);
        let recipients: Vec<_> = recipients.into_iter().map(|(r, _)| r).collect();
        let suppressed: Vec<_> = suppressed.into_iter().map(|(r, s)| json!({"address": r, "status": s})).collect();
        if recipients.is_empty() {
            let item = timeline_item(key, now, skipped_type, format!("Email ({what}) not sent: every address is undeliverable"), json!({"skipped": suppressed}));
            return self.store.record_skipped(key, &invoices, &item).await.map_err(|e| before(e.to_string()));
        }
        match self.mailer.send_raw(&self.branding.from, &recipients, &composed.raw_mime).await {
            Ok(message_id) => {
                let item = timeline_item(
                    key,
                    now,
                    sent_type,
                    format!("Emailed {what} to {} recipient(s)", recipients.len()),
                    json!({"ses_message_id": message_id, "recipients": recipients, "skipped": suppressed, "subject": composed.subject}),
                );
                tracing::info!(what = what.as_str(), ses_message_id = message_id.as_str(), "emailed");
                // Sent but not recorded is the narrow window: try hard to
                // record it; if that fails the claim stays until it expires.
                let mut last = String::new();
                for _ in 0..3 {
                    match self.store.record_sent(key, &message_id, &invoices, &item).await {
                        Ok(()) => return Ok(()),
                        Err(e) => last = e.to_string(),
                    }
                }
                Err(Failure::AfterSending(Retry(format!("sent as {message_id} but not recorded: {last}"))))
            }
            Err(MailError::Unavailable(reason)) => Err(before(reason)),
            Err(MailError::Refused(reason)) => {
                let item = timeline_item(key, now, skipped_type, format!("Email ({what}) refused by the mail service"), json!({"reason": reason}));
                self.store.record_skipped(key, &invoices, &item).await.map_err(|e| before(e.to_string()))
            }
        }
    }
}

/// A composed message and where its outcome is recorded.
struct Mail {
    composed: o2c_documents::Composed,
    invoices: Vec<InvoiceId>,
    /// For log lines and timeline summaries: `invoice INV-…`, `receipt for pay_…`.
    what: String,
    sent_type: &'static str,
    skipped_type: &'static str,
}

/// A timeline entry of this delivery; `request` names the delivery request
/// (event id) it answers, so an audit can tie every email to its cause.
fn timeline_item(key: &str, at: DateTime<Utc>, item_type: &str, summary: String, mut data: serde_json::Value) -> TimelineItem {
    data["request"] = json!(key);
    TimelineItem { id: EventId::from_ulid(ulid::Ulid::new()), at, item_type: item_type.into(), summary, data }
}
