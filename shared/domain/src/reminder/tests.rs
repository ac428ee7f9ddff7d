use super::*;
use crate::clock::EventClock;
use crate::customer::{EmailStatus, Locale, Metadata, PaymentTerms};
use crate::dunning::DunningStep;
use crate::invoice::{DraftRequest, LineInput};
use crate::invoice_number::InvoiceNumber;
use crate::money::{Currency, Money, Quantity, TaxRate, UnitAmount};
use crate::text::{BoundedText, Email};
use chrono::TimeZone as _;
use proptest::prelude::*;

fn customer(zone: &str) -> Customer {
    let c = Currency::parse("EUR").unwrap();
    Customer {
        id: CustomerId::from_ulid(ulid::Ulid::new()),
        name: BoundedText::parse("Acme GmbH").unwrap(),
        email: Email::parse("ap@acme.example").unwrap(),
        cc: vec![],
        currency: c,
        payment_terms: PaymentTerms::default(),
        locale: Locale::default(),
        time_zone: TimeZone::parse(zone).unwrap(),
        billing_address: None,
        tax_id: None,
        credit_limit: None,
        external_id: None,
        metadata: Metadata::new(),
        balance: Money::zero(c),
        credit_balance: Money::zero(c),
        credit_hold: false,
        email_status: EmailStatus::Ok,
        dunning_policy: None,
        created_at: Utc::now(),
    }
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn at(y: i32, m: u32, day: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, day, h, 0, 0).unwrap()
}

/// An open invoice of 100.00 due on `due`, finalized at `finalized`, planned with `policy`.
fn invoice(c: &Customer, due: &str, finalized: DateTime<Utc>, policy: &DunningPolicy, seq: u64) -> Invoice {
    let line = LineInput { description: BoundedText::parse("Work").unwrap(), quantity: Quantity::parse("1").unwrap(), unit_amount: UnitAmount::parse("100").unwrap(), tax_rate: TaxRate::parse("0").unwrap() };
    let request = DraftRequest { currency: None, lines: vec![line], issue_date: Some(finalized.date_naive()), due_date: Some(d(due)), memo: None, po_number: None, metadata: Metadata::new() };
    let mut inv = Invoice::draft(InvoiceId::from_ulid(ulid::Ulid::new()), c, request, finalized).unwrap();
    inv.finalize(InvoiceNumber::new(finalized.year_ce().1 as i32, seq).unwrap(), finalized.date_naive(), finalized).unwrap();
    inv.plan_reminders(policy, c.time_zone, &BusinessCalendar::default());
    inv
}

use chrono::Datelike as _;

fn ctx(now: DateTime<Utc>) -> Context {
    Context::new(&EventClock(now), TimeZone::default(), None)
}

fn versioned(invoices: &[Invoice]) -> Vec<Versioned<Invoice>> {
    invoices.iter().map(|i| Versioned { value: i.clone(), version: 1 }).collect()
}

/// Applies a fire's outcome back onto the invoices, as the store would.
fn apply(invoices: &mut [Invoice], out: &FireOutcome) {
    for changed in &out.changed {
        if let Some(i) = invoices.iter_mut().find(|i| i.id == changed.value.id) {
            *i = changed.value.clone();
        }
    }
}

#[test]
fn finalize_plans_the_default_steps_and_the_index_holds_only_the_next_one() {
    let c = customer("UTC");
    // Due Thu 2026-12-10; finalized well before.
    let inv = invoice(&c, "2026-12-10", at(2026, 11, 2, 10), &DunningPolicy::default(), 1);
    let days: Vec<NaiveDate> = inv.reminders.iter().map(|s| s.send_on).collect();
    assert_eq!(days, vec![d("2026-12-07"), d("2026-12-11"), d("2026-12-17"), d("2026-12-24"), d("2027-01-11")], "-3 Mon, +1 Fri, +7 Thu, +14 Thu, +30 Sat -> Mon");
    assert_eq!(inv.reminder_due_at(), Some(at(2026, 12, 7, 9)));
}

#[test]
fn paid_void_and_disputed_invoices_leave_the_reminder_index() {
    let c = customer("UTC");
    let policy = DunningPolicy::default();
    let mut paid = invoice(&c, "2026-12-10", at(2026, 11, 2, 10), &policy, 1);
    paid.apply_payment(Money::parse("100.00", paid.currency).unwrap(), at(2026, 11, 5, 0)).unwrap();
    assert_eq!(paid.reminder_due_at(), None);
    let mut void = invoice(&c, "2026-12-10", at(2026, 11, 2, 10), &policy, 2);
    void.void().unwrap();
    assert_eq!(void.reminder_due_at(), None);
    let mut disputed = invoice(&c, "2026-12-10", at(2026, 11, 2, 10), &policy, 3);
    disputed.dispute(crate::invoice::DisputeReason::parse("wrong quantity").unwrap()).unwrap();
    assert_eq!(disputed.reminder_due_at(), None);
    disputed.resolve_dispute().unwrap();
    assert!(disputed.reminder_due_at().is_some(), "resolved: back in the index");
}

#[test]
fn a_fire_sends_each_due_step_once_and_a_second_fire_of_the_same_instant_sends_nothing() {
    let c = customer("UTC");
    let mut invoices = vec![invoice(&c, "2026-12-10", at(2026, 11, 2, 10), &DunningPolicy::default(), 1)];
    let fire_at = at(2026, 12, 7, 9);
    let first = fire(&ctx(fire_at), &c, versioned(&invoices), fire_at, &BusinessCalendar::default(), 0);
    let issue = first.issue.clone().expect("the -3 step is due");
    assert_eq!(issue.template.as_str(), "friendly");
    assert_eq!(issue.send_on, d("2026-12-07"));
    assert_eq!(issue.invoices.len(), 1);
    apply(&mut invoices, &first);
    let again = fire(&ctx(fire_at), &c, versioned(&invoices), fire_at, &BusinessCalendar::default(), 0);
    assert!(again.issue.is_none() && again.changed.is_empty());
    assert_eq!(invoices[0].reminder_due_at(), Some(at(2026, 12, 11, 9)), "the next step is next in the index");
}

#[test]
fn two_invoices_due_the_same_day_go_out_in_one_reminder_in_the_most_severe_template() {
    let c = customer("UTC");
    let policy = DunningPolicy::default();
    // One is 7 days overdue on Thu 17 Dec (due 10 Dec), the other 1 day (due 16 Dec).
    let mut invoices = vec![invoice(&c, "2026-12-10", at(2026, 11, 2, 10), &policy, 1), invoice(&c, "2026-12-16", at(2026, 11, 2, 10), &policy, 2)];
    // Earlier steps went out on their days.
    for day in [at(2026, 12, 7, 9), at(2026, 12, 11, 9), at(2026, 12, 14, 9)] {
        let out = fire(&ctx(day), &c, versioned(&invoices), day, &BusinessCalendar::default(), 0);
        apply(&mut invoices, &out);
    }
    let fire_at = at(2026, 12, 17, 9);
    let out = fire(&ctx(fire_at), &c, versioned(&invoices), fire_at, &BusinessCalendar::default(), 0);
    let issue = out.issue.expect("both are due");
    assert_eq!(issue.invoices.iter().map(|s| s.offset_days).collect::<Vec<_>>(), vec![7, 1]);
    assert_eq!(issue.template.as_str(), "reminder", "+7 is the later step: its template");
}

#[test]
fn a_kept_promise_defers_and_a_broken_one_resumes_with_the_latest_overdue_step() {
    let c = customer("UTC");
    let mut inv = invoice(&c, "2026-12-10", at(2026, 11, 2, 10), &DunningPolicy::default(), 1);
    inv.promised_until = Some(d("2026-12-22"));
    let mut invoices = vec![inv];
    // +1 (11 Dec) and +7 (17 Dec) fall inside the promise.
    let f = at(2026, 12, 11, 9);
    let out = fire(&ctx(f), &c, versioned(&invoices), f, &BusinessCalendar::default(), 0);
    // The -3 step is pending too (no fire ran for it): the promise defers everything due.
    assert!(out.issue.is_none(), "promised: nothing goes out");
    apply(&mut invoices, &out);
    assert_eq!(invoices[0].reminder_due_at(), Some(at(2026, 12, 23, 9)), "the day after the promise, 09:00");
    let f = at(2026, 12, 23, 9);
    let out = fire(&ctx(f), &c, versioned(&invoices), f, &BusinessCalendar::default(), 0);
    let issue = out.issue.clone().expect("the promise is broken");
    assert_eq!(issue.invoices[0].offset_days, 7, "the latest overdue step carries it");
    assert!(out.events.iter().any(|e| e.event_type == EventType::InvoicePromiseBroken));
    assert!(out.timeline.iter().any(|(_, t)| t.item_type == "invoice.promise_broken"));
    apply(&mut invoices, &out);
    assert_eq!(invoices[0].promised_until, None);
    assert_eq!(invoices[0].reminder_due_at(), Some(at(2026, 12, 24, 9)), "then +14 as planned");
}

#[test]
fn a_step_with_a_credit_hold_puts_the_customer_on_hold_once() {
    let c = customer("Europe/Berlin");
    let step = |o, t: &str, hold| DunningStep { offset_days: o, template: TemplateName::parse(t).unwrap(), credit_hold: hold };
    let policy = DunningPolicy::new(vec![step(1, "reminder", false), step(14, "final", true)]).unwrap();
    let mut invoices = vec![invoice(&c, "2026-12-10", at(2026, 11, 2, 10), &policy, 1)];
    let first = fire(&ctx(at(2026, 12, 11, 8)), &c, versioned(&invoices), at(2026, 12, 11, 8), &BusinessCalendar::default(), 0);
    assert!(first.customer_on_hold.is_none());
    apply(&mut invoices, &first);
    let f = at(2026, 12, 24, 8);
    let out = fire(&ctx(f), &c, versioned(&invoices), f, &BusinessCalendar::default(), 0);
    assert!(out.issue.as_ref().is_some_and(|i| i.credit_hold));
    assert!(out.customer_on_hold.as_ref().is_some_and(|h| h.credit_hold));
    let mut held = c.clone();
    held.credit_hold = true;
    let out = fire(&ctx(f), &held, versioned(&invoices), f, &BusinessCalendar::default(), 0);
    assert!(out.customer_on_hold.is_none(), "already on hold");
}

#[test]
fn deferring_onto_a_day_that_already_has_a_step_folds_into_it_keeping_the_hold() {
    let c = customer("UTC");
    let step = |o, t: &str, hold| DunningStep { offset_days: o, template: TemplateName::parse(t).unwrap(), credit_hold: hold };
    let policy = DunningPolicy::new(vec![step(1, "reminder", true), step(7, "firm", false)]).unwrap();
    let mut inv = invoice(&c, "2026-12-10", at(2026, 11, 2, 10), &policy, 1);
    // Resumed on Thu 17 Dec before 09:00: +1 moves to the 17th where +7 already is.
    assert!(inv.defer_reminders(at(2026, 12, 17, 7), c.time_zone, &BusinessCalendar::default(), at(2026, 12, 17, 7)));
    let pending: Vec<&ReminderSlot> = inv.reminders.iter().filter(|s| s.state == SlotState::Pending).collect();
    assert_eq!(pending.len(), 1);
    assert_eq!((pending[0].offset_days, pending[0].credit_hold), (7, true));
}

#[test]
fn more_invoices_than_one_email_holds_are_left_for_the_next_batch() {
    let c = customer("UTC");
    let policy = DunningPolicy::default();
    let invoices: Vec<Invoice> = (1..=50).map(|n| invoice(&c, "2026-12-10", at(2026, 11, 2, 10), &policy, n)).collect();
    let f = at(2026, 12, 7, 9);
    let out = fire(&ctx(f), &c, versioned(&invoices), f, &BusinessCalendar::default(), 0);
    assert_eq!(out.issue.as_ref().map(|i| i.invoices.len()), Some(MAX_INVOICES_PER_REMINDER));
    assert_eq!(out.left_over, 5);
    let second = fire(&ctx(f), &c, versioned(&invoices), f, &BusinessCalendar::default(), 1);
    assert!(second.issue.is_some_and(|i| i.reminder_id.ends_with("_2")));
}

proptest! {
    /// Fires arrive duplicated, late and out of order (a schedule, its
    /// retry, the daily sweep): whatever the order, no step is sent twice,
    /// an invoice is in at most one reminder per fire, and nothing is sent
    /// before its time.
    #[test]
    fn duplicate_late_and_out_of_order_fires_send_each_step_at_most_once(
        offsets in proptest::collection::vec(0usize..40, 1..25),
        due_in in 1i64..30,
    ) {
        let c = customer("America/New_York");
        let finalized = at(2026, 11, 2, 10);
        let due = (finalized + Duration::days(due_in)).date_naive().to_string();
        let mut invoices = vec![invoice(&c, &due, finalized, &DunningPolicy::default(), 1), invoice(&c, &due, finalized, &DunningPolicy::default(), 2)];
        let mut sent: Vec<(InvoiceId, i32)> = Vec::new();
        for o in offsets {
            let fire_at = finalized + Duration::days(o as i64) + Duration::hours(4);
            let out = fire(&ctx(fire_at), &c, versioned(&invoices), fire_at, &BusinessCalendar::default(), 0);
            if let Some(issue) = &out.issue {
                for s in &issue.invoices {
                    prop_assert!(!sent.contains(&(s.invoice, s.offset_days)), "step {} of {} sent twice", s.offset_days, s.invoice);
                    sent.push((s.invoice, s.offset_days));
                }
                let mut ids: Vec<_> = issue.invoices.iter().map(|s| s.invoice).collect();
                ids.dedup();
                prop_assert_eq!(ids.len(), issue.invoices.len());
            }
            for changed in &out.changed {
                for slot in &changed.value.reminders {
                    if let SlotState::Sent { .. } = slot.state {
                        prop_assert!(slot.send_at <= fire_at || invoices.iter().any(|i| i.id == changed.value.id && i.reminders.contains(slot)));
                    }
                }
            }
            apply(&mut invoices, &out);
        }
    }
}
