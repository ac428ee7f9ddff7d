//! Dunning: a customer's reminder steps and when each reaches them.
//!
//! A [`DunningPolicy`] is a list of [`DunningStep`]s in calendar days
//! relative to the due date (default `[-3, 1, 7, 14, 30]`). [`plan`] turns
//! a policy and one invoice into send instants: 09:00 in the customer's
//! time zone on the step's day, moved to the next business day of the
//! company's [`BusinessCalendar`]; steps already past at finalize are
//! skipped except the latest overdue one. A later step is more severe
//! than an earlier one. Pure: the scheduler (EventBridge)
//! and the reminder sender build on this, never around it.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone as _, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::customer::TimeZone;

/// The name of a reminder template (`friendly`, `firm`, `final`, …):
/// lower-case letters, digits, `_` and `-`, at most 64. Severity is not in
/// the name: a later step is more severe than an earlier one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TemplateName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be 1 to 64 of a-z, 0-9, `_` and `-`")]
pub struct TemplateNameError;

impl TemplateName {
    pub fn parse(text: &str) -> Result<Self, TemplateNameError> {
        if text.is_empty() || text.len() > 64 || !text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-') {
            return Err(TemplateNameError);
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TemplateName {
    type Error = TemplateNameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<TemplateName> for String {
    fn from(value: TemplateName) -> Self {
        value.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DunningStep {
    /// Calendar days relative to the due date; negative is before it.
    pub offset_days: i32,
    pub template: TemplateName,
    /// Firing this step puts the customer on credit hold.
    pub credit_hold: bool,
}

/// Offsets a step may have: a year either side of the due date.
pub const MAX_OFFSET_DAYS: i32 = 365;
/// Steps a policy may have.
pub const MAX_STEPS: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DunningPolicyError {
    #[error("at most {MAX_STEPS} steps")]
    TooManySteps,
    #[error("offset_days must be from -{MAX_OFFSET_DAYS} to {MAX_OFFSET_DAYS}")]
    OffsetOutOfRange { index: usize },
    #[error("two steps have offset_days {offset}")]
    DuplicateOffset { index: usize, offset: i32 },
}

/// A customer's steps, sorted by offset, offsets unique. No steps means
/// the customer is never reminded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<DunningStep>", into = "Vec<DunningStep>")]
pub struct DunningPolicy {
    steps: Vec<DunningStep>,
}

impl DunningPolicy {
    pub fn new(mut steps: Vec<DunningStep>) -> Result<Self, DunningPolicyError> {
        if steps.len() > MAX_STEPS {
            return Err(DunningPolicyError::TooManySteps);
        }
        if let Some(index) = steps.iter().position(|s| s.offset_days.abs() > MAX_OFFSET_DAYS) {
            return Err(DunningPolicyError::OffsetOutOfRange { index });
        }
        for (i, s) in steps.iter().enumerate() {
            if steps[..i].iter().any(|t| t.offset_days == s.offset_days) {
                return Err(DunningPolicyError::DuplicateOffset { index: i, offset: s.offset_days });
            }
        }
        steps.sort_by_key(|s| s.offset_days);
        Ok(Self { steps })
    }

    pub fn steps(&self) -> &[DunningStep] {
        &self.steps
    }
}

impl Default for DunningPolicy {
    /// The contract's default `[-3, 1, 7, 14, 30]`, no credit hold.
    fn default() -> Self {
        let step = |offset_days, template: &str| DunningStep { offset_days, template: TemplateName(template.to_owned()), credit_hold: false };
        Self { steps: vec![step(-3, "friendly"), step(1, "reminder"), step(7, "reminder"), step(14, "firm"), step(30, "final")] }
    }
}

impl TryFrom<Vec<DunningStep>> for DunningPolicy {
    type Error = DunningPolicyError;
    fn try_from(steps: Vec<DunningStep>) -> Result<Self, Self::Error> {
        Self::new(steps)
    }
}

impl From<DunningPolicy> for Vec<DunningStep> {
    fn from(p: DunningPolicy) -> Self {
        p.steps
    }
}

/// The company's working days: Monday to Friday, less its holidays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BusinessCalendar {
    holidays: BTreeSet<NaiveDate>,
}

impl BusinessCalendar {
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        Self { holidays: holidays.into_iter().collect() }
    }

    pub fn is_business_day(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&day)
    }

    /// `day` itself when it is a business day, else the next one.
    pub fn on_or_after(&self, day: NaiveDate) -> NaiveDate {
        let mut d = day;
        // Bounded: a year of holidays back to back still ends.
        for _ in 0..=400 {
            if self.is_business_day(d) {
                return d;
            }
            d += Duration::days(1);
        }
        d
    }
}

/// The hour reminders reach customers, in their own time zone.
pub fn send_time() -> NaiveTime {
    NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN)
}

/// 09:00 on `day` in `tz`, as an instant. 09:00 exists on every day in
/// every zone in use (transitions happen at night); if one ever did not,
/// the first instant after the gap is used.
pub fn nine_am(day: NaiveDate, tz: TimeZone) -> DateTime<Utc> {
    let local = day.and_time(send_time());
    match tz.tz().from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(early, _) => early.with_timezone(&Utc),
        chrono::LocalResult::None => tz.tz().from_utc_datetime(&(local - Duration::hours(1))).with_timezone(&Utc) + Duration::hours(1),
    }
}

/// The first 09:00 business-day instant at or after `instant`.
pub fn first_send_at_or_after(instant: DateTime<Utc>, tz: TimeZone, calendar: &BusinessCalendar) -> (NaiveDate, DateTime<Utc>) {
    let local_day = instant.with_timezone(&tz.tz()).date_naive();
    let mut day = calendar.on_or_after(local_day);
    if nine_am(day, tz) < instant {
        day = calendar.on_or_after(day + Duration::days(1));
    }
    (day, nine_am(day, tz))
}

/// One step of one invoice, planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedReminder {
    pub step: DunningStep,
    /// The day the step falls on (due date + offset), before business days.
    pub step_day: NaiveDate,
    /// The customer-local day it is sent.
    pub send_on: NaiveDate,
    pub send_at: DateTime<Utc>,
}

/// When each step of `policy` reaches the customer for an invoice due on
/// `due` and finalized at `finalized_at`: 09:00 customer time on the next
/// business day on or after the step's day. Steps already past at
/// finalize are skipped, except the latest overdue one (offset > 0), which
/// goes out at the next 09:00 business-day instant after finalize.
pub fn plan(policy: &DunningPolicy, due: NaiveDate, finalized_at: DateTime<Utc>, customer_tz: TimeZone, calendar: &BusinessCalendar) -> Vec<PlannedReminder> {
    let mut upcoming = Vec::new();
    let mut latest_past_overdue: Option<&DunningStep> = None;
    for step in policy.steps() {
        let step_day = due + Duration::days(i64::from(step.offset_days));
        let send_on = calendar.on_or_after(step_day);
        let send_at = nine_am(send_on, customer_tz);
        if send_at > finalized_at {
            upcoming.push(PlannedReminder { step: step.clone(), step_day, send_on, send_at });
        } else if step.offset_days > 0 {
            latest_past_overdue = Some(step);
        }
    }
    let mut planned = Vec::with_capacity(upcoming.len() + 1);
    if let Some(step) = latest_past_overdue {
        // The next 09:00 business-day instant strictly after finalize.
        let (send_on, _) = first_send_at_or_after(finalized_at + Duration::nanoseconds(1), customer_tz, calendar);
        // Two steps never share a day: if the next step already goes out
        // that day, the late one is folded into it (it is less severe).
        if upcoming.first().is_none_or(|u| u.send_on != send_on) {
            planned.push(PlannedReminder { step: step.clone(), step_day: due + Duration::days(i64::from(step.offset_days)), send_on, send_at: nine_am(send_on, customer_tz) });
        }
    }
    // Steps landing on the same business day (a weekend between them)
    // go out once, as the later (more severe) step, keeping any hold.
    for r in upcoming {
        match planned.last_mut() {
            Some(last) if last.send_on == r.send_on => {
                let hold = last.step.credit_hold || r.step.credit_hold;
                *last = r;
                last.step.credit_hold = hold;
            }
            _ => planned.push(r),
        }
    }
    planned
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn tz(name: &str) -> TimeZone {
        TimeZone::parse(name).unwrap()
    }

    #[test]
    fn the_default_policy_is_the_contracts() {
        let offsets: Vec<i32> = DunningPolicy::default().steps().iter().map(|s| s.offset_days).collect();
        assert_eq!(offsets, vec![-3, 1, 7, 14, 30]);
    }

    #[test]
    fn a_policy_is_sorted_and_refuses_duplicates_and_far_offsets() {
        let s = |o| DunningStep { offset_days: o, template: TemplateName::parse("reminder").unwrap(), credit_hold: false };
        let p = DunningPolicy::new(vec![s(7), s(-1), s(3)]).unwrap();
        assert_eq!(p.steps().iter().map(|x| x.offset_days).collect::<Vec<_>>(), vec![-1, 3, 7]);
        assert_eq!(DunningPolicy::new(vec![s(7), s(7)]), Err(DunningPolicyError::DuplicateOffset { index: 1, offset: 7 }));
        assert_eq!(DunningPolicy::new(vec![s(366)]), Err(DunningPolicyError::OffsetOutOfRange { index: 0 }));
        assert_eq!(DunningPolicy::new((0..13).map(s).collect()), Err(DunningPolicyError::TooManySteps));
        assert!(TemplateName::parse("Friendly").is_err() && TemplateName::parse("").is_err() && TemplateName::parse("final-2").is_ok());
        assert!(DunningPolicy::new(vec![]).unwrap().steps().is_empty(), "no steps: never reminded");
    }

    #[test]
    fn a_saturday_step_goes_out_on_monday_at_nine_in_the_customers_time_zone() {
        // Due Thursday 2026-12-03; +2 days is Saturday the 5th.
        let policy = DunningPolicy::new(vec![DunningStep { offset_days: 2, template: TemplateName::parse("reminder").unwrap(), credit_hold: false }]).unwrap();
        let finalized = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
        let p = plan(&policy, d(2026, 12, 3), finalized, tz("America/New_York"), &BusinessCalendar::default());
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].step_day, d(2026, 12, 5));
        assert_eq!(p[0].send_on, d(2026, 12, 7));
        assert_eq!(p[0].send_at, Utc.with_ymd_and_hms(2026, 12, 7, 14, 0, 0).unwrap(), "09:00 EST is 14:00 UTC");
    }

    #[test]
    fn two_steps_on_one_business_day_go_out_once_as_the_later_step_keeping_a_hold() {
        // Due Wed 2026-12-02: +3 is Saturday, +5 Monday: both go out Monday.
        let step = |o, t: &str, hold| DunningStep { offset_days: o, template: TemplateName::parse(t).unwrap(), credit_hold: hold };
        let policy = DunningPolicy::new(vec![step(3, "reminder", true), step(5, "firm", false)]).unwrap();
        let p = plan(&policy, d(2026, 12, 2), Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(), tz("UTC"), &BusinessCalendar::default());
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].step.template.as_str(), p[0].step.credit_hold, p[0].send_on), ("firm", true, d(2026, 12, 7)));
    }

    #[test]
    fn holidays_are_skipped_like_weekends() {
        let policy = DunningPolicy::new(vec![DunningStep { offset_days: 0, template: TemplateName::parse("reminder").unwrap(), credit_hold: false }]).unwrap();
        let calendar = BusinessCalendar::new([d(2026, 12, 24), d(2026, 12, 25)]);
        let p = plan(&policy, d(2026, 12, 24), Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap(), tz("Europe/Berlin"), &calendar);
        assert_eq!(p[0].send_on, d(2026, 12, 28), "Thu and Fri are holidays, then the weekend");
        assert_eq!(p[0].send_at, Utc.with_ymd_and_hms(2026, 12, 28, 8, 0, 0).unwrap());
    }

    #[test]
    fn steps_past_at_finalize_are_skipped_except_the_latest_overdue_one() {
        // Due 2026-11-02 (Mon); finalized 2026-11-20 (Fri) 10:00 UTC: -3, 1 and 7 are past.
        let finalized = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
        let p = plan(&DunningPolicy::default(), d(2026, 11, 2), finalized, tz("UTC"), &BusinessCalendar::default());
        // -3 (Oct 30), 1 (Nov 3), 7 (Nov 9) and 14 (Nov 16) are past: only 14,
        // the latest overdue one, goes out, on the next business day at 09:00.
        let offsets: Vec<i32> = p.iter().map(|r| r.step.offset_days).collect();
        assert_eq!(offsets, vec![14, 30]);
        assert_eq!(p[0].send_on, d(2026, 11, 23), "Friday 09:00 had passed; next is Monday");
        assert_eq!(p[1].send_on, d(2026, 12, 2));
    }

    proptest! {
        #[test]
        fn every_reminder_goes_out_at_nine_local_on_a_business_day_after_finalize_and_never_twice_a_day(
            offsets in proptest::collection::btree_set(-40i32..60, 0..8),
            due_days in 0i64..400,
            finalize_hours in 0i64..(24 * 120),
            zone in prop::sample::select(vec!["UTC", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Auckland"]),
        ) {
            let steps: Vec<DunningStep> = offsets.iter().map(|o| DunningStep { offset_days: *o, template: TemplateName::parse("reminder").unwrap(), credit_hold: false }).collect();
            let policy = DunningPolicy::new(steps).unwrap();
            let due = d(2026, 1, 1) + Duration::days(due_days);
            let finalized = Utc.with_ymd_and_hms(2025, 12, 1, 0, 0, 0).unwrap() + Duration::hours(finalize_hours);
            let calendar = BusinessCalendar::new([d(2026, 5, 1), d(2026, 12, 25)]);
            let z = tz(zone);
            let planned = plan(&policy, due, finalized, z, &calendar);
            let mut days = BTreeSet::new();
            for r in &planned {
                prop_assert!(r.send_at > finalized);
                prop_assert!(calendar.is_business_day(r.send_on));
                let local = r.send_at.with_timezone(&z.tz());
                prop_assert_eq!(local.date_naive(), r.send_on);
                prop_assert_eq!(local.time(), send_time());
                prop_assert!(days.insert(r.send_on), "two reminders on {}", r.send_on);
            }
            prop_assert!(planned.windows(2).all(|w| w[0].send_at < w[1].send_at));
            let late = planned.iter().filter(|r| nine_am(calendar.on_or_after(r.step_day), z) <= finalized).count();
            prop_assert!(late <= 1, "at most one step past at finalize is kept");
            prop_assert!(planned.iter().filter(|r| nine_am(calendar.on_or_after(r.step_day), z) <= finalized).all(|r| r.step.offset_days > 0), "only an overdue one");
        }
    }
}
