//! An invoice's reminders and what one fire sends.
//!
//! At finalize the customer's policy is planned ([`crate::dunning::plan`])
//! into [`ReminderSlot`]s stored on the invoice. The next pending slot of a
//! remindable invoice (open, something due, not disputed) is what the
//! reminder index holds, so paying, voiding or disputing an invoice takes
//! it out of every later fire in the same write. A fire for one customer
//! ([`fire`]) re-reads their invoices and sends, per invoice, the latest
//! step now due (earlier ones it supersedes are skipped, never sent late
//! one after the other); every invoice goes into one [`ReminderIssue`] in
//! the most severe template among them. Pure: the reminders function
//! commits what this decides under each invoice's version, which is what
//! makes duplicate and racing fires send each step once.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::actions::Context;
use crate::customer::{Customer, TimeZone};
use crate::dunning::{first_send_at_or_after, nine_am, plan, BusinessCalendar, DunningPolicy, TemplateName};
use crate::event::{AggregateKind, DomainEvent, EventType};
use crate::ids::{CustomerId, InvoiceId};
use crate::invoice::Invoice;
use crate::invoice_status::InvoiceStatus;
use crate::ports::Versioned;
use crate::timeline::TimelineItem;

/// One dunning step of one invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderSlot {
    pub offset_days: i32,
    pub template: TemplateName,
    pub credit_hold: bool,
    /// The customer-local business day it goes out.
    pub send_on: NaiveDate,
    /// 09:00 on `send_on` in the customer's time zone.
    pub send_at: DateTime<Utc>,
    pub state: SlotState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SlotState {
    Pending,
    Sent { reminder: String, at: DateTime<Utc> },
    Skipped { reason: SkipReason, at: DateTime<Utc> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// A later step went out in its place (it fell due while the invoice
    /// was paused or a fire was missed).
    Superseded,
    /// It fell inside a pause (a promise to pay, a dispute) and an
    /// overdue step after it carries the message.
    Paused,
}

/// Most invoices one reminder email lists: each costs the reminder's
/// transaction two writes (the invoice and its timeline item) of 100.
pub const MAX_INVOICES_PER_REMINDER: usize = 45;

/// The instant a promise to pay by `date` ends: the start of the next
/// day in the customer's time zone.
pub fn promise_ends(date: NaiveDate, tz: TimeZone) -> DateTime<Utc> {
    let next = date + Duration::days(1);
    // Midnight may not exist on a transition day; 01:00 always does for
    // the purpose of "after the promised day".
    nine_am(next, tz) - Duration::hours(9)
}

impl Invoice {
    /// Plans the customer's steps for this invoice, as of its finalize.
    pub fn plan_reminders(&mut self, policy: &DunningPolicy, tz: TimeZone, calendar: &BusinessCalendar) {
        self.reminders.clear();
        let (Some(due), Some(finalized_at)) = (self.due_date, self.finalized_at) else { return };
        if self.status != InvoiceStatus::Open {
            return;
        }
        self.reminders = plan(policy, due, finalized_at, tz, calendar)
            .into_iter()
            .map(|p| ReminderSlot { offset_days: p.step.offset_days, template: p.step.template, credit_hold: p.step.credit_hold, send_on: p.send_on, send_at: p.send_at, state: SlotState::Pending })
            .collect();
    }

    /// Whether a reminder may go out for it at all.
    pub fn is_remindable(&self) -> bool {
        self.status == InvoiceStatus::Open && !self.disputed && self.amount_due().is_positive()
    }

    pub fn next_reminder(&self) -> Option<&ReminderSlot> {
        self.reminders.iter().filter(|s| s.state == SlotState::Pending).min_by_key(|s| s.send_at)
    }

    /// The instant the reminder index files this invoice under, or `None`
    /// to keep it out of every fire.
    pub fn reminder_due_at(&self) -> Option<DateTime<Utc>> {
        if self.is_remindable() {
            self.next_reminder().map(|s| s.send_at)
        } else {
            None
        }
    }

    /// Nothing goes out before `until`: of the pending steps due before
    /// it, the latest overdue one moves to the first 09:00 business day
    /// at or after `until` (folded into a step already there) and the rest
    /// are skipped. Answers whether anything changed.
    pub fn defer_reminders(&mut self, until: DateTime<Utc>, tz: TimeZone, calendar: &BusinessCalendar, now: DateTime<Utc>) -> bool {
        let paused: Vec<usize> = (0..self.reminders.len()).filter(|&i| self.reminders[i].state == SlotState::Pending && self.reminders[i].send_at < until).collect();
        if paused.is_empty() {
            return false;
        }
        let carried = paused.iter().copied().filter(|&i| self.reminders[i].offset_days > 0).max_by_key(|&i| self.reminders[i].offset_days);
        let (send_on, send_at) = first_send_at_or_after(until, tz, calendar);
        let taken = self.reminders.iter().position(|s| s.state == SlotState::Pending && s.send_on == send_on);
        for &i in &paused {
            if Some(i) == carried && taken.is_none() {
                let slot = &mut self.reminders[i];
                slot.send_on = send_on;
                slot.send_at = send_at;
            } else {
                if Some(i) == carried {
                    if let Some(t) = taken {
                        let hold = self.reminders[i].credit_hold;
                        self.reminders[t].credit_hold |= hold;
                    }
                }
                self.reminders[i].state = SlotState::Skipped { reason: SkipReason::Paused, at: now };
            }
        }
        self.reminders.sort_by_key(|s| s.send_at);
        true
    }

    /// Marks the latest step due at `fire_at` sent as `reminder` (the
    /// earlier due ones superseded) and answers it.
    fn take_due_reminder(&mut self, fire_at: DateTime<Utc>, reminder: &str, now: DateTime<Utc>) -> Option<ReminderSlot> {
        let due: Vec<usize> = (0..self.reminders.len()).filter(|&i| self.reminders[i].state == SlotState::Pending && self.reminders[i].send_at <= fire_at).collect();
        let latest = due.iter().copied().max_by_key(|&i| self.reminders[i].offset_days)?;
        for &i in &due {
            self.reminders[i].state = if i == latest { SlotState::Sent { reminder: reminder.to_owned(), at: now } } else { SlotState::Skipped { reason: SkipReason::Superseded, at: now } };
        }
        Some(self.reminders[latest].clone())
    }
}

/// One reminder email: every invoice of one customer due at one fire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderIssue {
    /// `rem_<customer ulid>_<fire instant>[_<batch>]`: stable for a fire,
    /// so its email is sent once.
    pub reminder_id: String,
    pub customer: CustomerId,
    /// The customer-local date it is for.
    pub send_on: NaiveDate,
    pub fire_at: DateTime<Utc>,
    /// The most severe (latest) step's template among the invoices.
    pub template: TemplateName,
    /// A step of it puts the customer on credit hold.
    pub credit_hold: bool,
    pub invoices: Vec<IssuedStep>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedStep {
    pub invoice: InvoiceId,
    pub offset_days: i32,
    pub template: TemplateName,
}

/// What one fire for one customer decided.
#[derive(Debug, Clone)]
pub struct FireOutcome {
    /// The email to send, if anything is due.
    pub issue: Option<ReminderIssue>,
    /// Invoices to write back under the version they were read at.
    pub changed: Vec<Versioned<Invoice>>,
    pub timeline: Vec<(InvoiceId, TimelineItem)>,
    /// Events to publish (the issue's, promises broken, the hold placed).
    pub events: Vec<DomainEvent>,
    /// The customer with the hold now placed, when a step placed it.
    pub customer_on_hold: Option<Customer>,
    /// Due invoices left for another email (more than one email holds).
    pub left_over: usize,
}

/// Decides what a fire at `fire_at` sends to `customer`, given their
/// invoices the reminder index named (read again, consistently).
/// `batch` numbers the emails of one fire (0 for the first).
pub fn fire(ctx: &Context, customer: &Customer, invoices: Vec<Versioned<Invoice>>, fire_at: DateTime<Utc>, calendar: &BusinessCalendar, batch: usize) -> FireOutcome {
    let tz = customer.time_zone;
    let local_day = fire_at.with_timezone(&tz.tz()).date_naive();
    let now = ctx.now();
    let suffix = if batch == 0 { String::new() } else { format!("_{}", batch + 1) };
    let reminder_id = format!("rem_{}_{}{}", customer.id.ulid(), fire_at.format("%Y%m%dT%H%MZ"), suffix);
    let mut out = FireOutcome { issue: None, changed: Vec::new(), timeline: Vec::new(), events: Vec::new(), customer_on_hold: None, left_over: 0 };
    let mut steps: Vec<(IssuedStep, ReminderSlot)> = Vec::new();
    let mut invoices = invoices;
    invoices.sort_by_key(|v| (v.value.due_date, v.value.id));
    for Versioned { value: mut invoice, version } in invoices {
        if invoice.customer != customer.id || !invoice.is_remindable() || invoice.reminder_due_at().is_none_or(|at| at > fire_at) {
            continue;
        }
        if steps.len() >= MAX_INVOICES_PER_REMINDER {
            out.left_over += 1;
            continue;
        }
        let mut timeline = Vec::new();
        if let Some(promised) = invoice.promised_until {
            if promised >= local_day {
                // Kept promise: wait until it ends.
                if invoice.defer_reminders(promise_ends(promised, tz), tz, calendar, now) {
                    out.changed.push(Versioned { value: invoice, version });
                }
                continue;
            }
            invoice.promised_until = None;
            let number = invoice.number.map(|n| n.to_string()).unwrap_or_default();
            let broken = ctx.event(EventType::InvoicePromiseBroken, AggregateKind::Invoice, invoice.id.to_string(), version + 1, json!({"invoice": invoice.id, "customer": customer.id, "promised_until": promised}));
            timeline.push(TimelineItem::from_event(&broken, format!("Promise to pay {number} by {promised} not kept: reminders resume")));
            out.events.push(broken);
        }
        let Some(slot) = invoice.take_due_reminder(fire_at, &reminder_id, now) else { continue };
        let step = IssuedStep { invoice: invoice.id, offset_days: slot.offset_days, template: slot.template.clone() };
        let issued = ctx.event(
            EventType::InvoiceReminderIssued,
            AggregateKind::Invoice,
            invoice.id.to_string(),
            version + 1,
            json!({"invoice": invoice.id, "customer": customer.id, "reminder": reminder_id, "offset_days": slot.offset_days, "template": slot.template, "send_on": local_day}),
        );
        let when = if slot.offset_days < 0 { format!("{} days before due", -slot.offset_days) } else if slot.offset_days == 0 { "on the due date".to_owned() } else { format!("{} days overdue", slot.offset_days) };
        timeline.push(TimelineItem::from_event(&issued, format!("Reminder ({}, step {when}) issued as {reminder_id}", slot.template.as_str())));
        out.timeline.extend(timeline.into_iter().map(|t| (invoice.id, t)));
        steps.push((step, slot));
        out.changed.push(Versioned { value: invoice, version });
    }
    if steps.is_empty() {
        return out;
    }
    let severest = steps.iter().max_by_key(|(s, _)| s.offset_days).map(|(s, _)| s.template.clone()).unwrap_or_else(|| steps[0].0.template.clone());
    let credit_hold = steps.iter().any(|(_, slot)| slot.credit_hold);
    let issue = ReminderIssue { reminder_id: reminder_id.clone(), customer: customer.id, send_on: local_day, fire_at, template: severest, credit_hold, invoices: steps.into_iter().map(|(s, _)| s).collect() };
    let payload = serde_json::to_value(&issue).unwrap_or_else(|_| json!({"reminder_id": reminder_id}));
    out.events.push(ctx.event(EventType::ReminderIssued, AggregateKind::Customer, customer.id.to_string(), 0, payload));
    if credit_hold && !customer.credit_hold {
        let mut held = customer.clone();
        held.credit_hold = true;
        out.events.push(ctx.event(EventType::CustomerCreditHoldPlaced, AggregateKind::Customer, customer.id.to_string(), 0, json!({"customer": customer.id, "reminder": reminder_id})));
        out.customer_on_hold = Some(held);
    }
    out.issue = Some(issue);
    out
}

#[cfg(test)]
mod tests;
