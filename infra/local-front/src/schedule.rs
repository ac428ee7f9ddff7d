//! EventBridge schedule expressions, evaluated locally: when a rule or a
//! Scheduler schedule fires next. `cron(min hour day-of-month month
//! day-of-week year)` with `*`, `?`, numbers, names (`JAN`, `MON`), lists,
//! ranges and steps; `rate(N unit)`; `at(yyyy-mm-ddThh:mm:ss)`. Times are
//! wall times of the schedule's zone (UTC for rules). `L`, `W` and `#` are
//! refused rather than misread.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schedule expression `{expression}`: {reason}")]
pub struct ScheduleError {
    pub expression: String,
    pub reason: String,
}

/// A parsed schedule expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    Cron(Cron),
    /// Every `every`, counted from the Unix epoch (so `rate(1 day)` fires at
    /// midnight): AWS counts from the rule's creation, which locally is no
    /// better defined, and the epoch keeps fires reproducible.
    Rate { every: Duration },
    /// Once, at this wall time.
    At(NaiveDateTime),
}

/// The allowed values of one cron field, `min..=max`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    min: u32,
    allowed: Vec<bool>,
}

impl Field {
    fn contains(&self, v: u32) -> bool {
        v >= self.min && self.allowed.get((v - self.min) as usize).copied().unwrap_or(false)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: Field,
    hours: Field,
    /// `None` for `?`.
    days_of_month: Option<Field>,
    months: Field,
    /// 1 = Sunday … 7 = Saturday, as EventBridge counts; `None` for `?`.
    days_of_week: Option<Field>,
    years: Field,
}

const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const LAST_YEAR: u32 = 2199;

impl Schedule {
    pub fn parse(expression: &str) -> Result<Self, ScheduleError> {
        let fail = |reason: String| ScheduleError { expression: expression.to_owned(), reason };
        let e = expression.trim();
        if let Some(body) = e.strip_prefix("cron(").and_then(|b| b.strip_suffix(')')) {
            return Cron::parse(body).map(Schedule::Cron).map_err(fail);
        }
        if let Some(body) = e.strip_prefix("rate(").and_then(|b| b.strip_suffix(')')) {
            return parse_rate(body).map(|every| Schedule::Rate { every }).map_err(fail);
        }
        if let Some(body) = e.strip_prefix("at(").and_then(|b| b.strip_suffix(')')) {
            return NaiveDateTime::parse_from_str(body.trim(), "%Y-%m-%dT%H:%M:%S")
                .map(Schedule::At)
                .map_err(|_| fail("at() takes yyyy-mm-ddThh:mm:ss".into()));
        }
        Err(fail("expected cron(...), rate(...) or at(...)".into()))
    }

    pub fn is_one_time(&self) -> bool {
        matches!(self, Schedule::At(_))
    }

    /// The first fire strictly after `after` (wall times of the schedule's
    /// zone), or `None` when it never fires again.
    pub fn next_after(&self, after: NaiveDateTime) -> Option<NaiveDateTime> {
        match self {
            Schedule::At(at) => (*at > after).then_some(*at),
            Schedule::Rate { every } => {
                let period = every.num_seconds();
                let secs = after.and_utc().timestamp();
                let next = (secs.div_euclid(period) + 1) * period;
                DateTime::from_timestamp(next, 0).map(|t| t.naive_utc())
            }
            Schedule::Cron(c) => c.next_after(after),
        }
    }
}

/// Every fire of a UTC schedule in `(from, to]`, at most `cap` of them
/// (`Err(cap)` when there are more).
pub fn fires_between(schedule: &Schedule, from: DateTime<Utc>, to: DateTime<Utc>, cap: usize) -> Result<Vec<DateTime<Utc>>, usize> {
    let mut out = Vec::new();
    let mut t = from.naive_utc();
    while let Some(next) = schedule.next_after(t) {
        if next > to.naive_utc() {
            break;
        }
        if out.len() == cap {
            return Err(cap);
        }
        out.push(next.and_utc());
        t = next;
    }
    Ok(out)
}

fn parse_rate(body: &str) -> Result<Duration, String> {
    let mut parts = body.split_whitespace();
    let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err("rate() takes `<value> <unit>`".into());
    };
    let n: i64 = n.parse().ok().filter(|n| *n > 0).ok_or("the rate's value must be a positive whole number")?;
    let (one, many, seconds) = match unit {
        "minute" | "minutes" => ("minute", "minutes", 60),
        "hour" | "hours" => ("hour", "hours", 3600),
        "day" | "days" => ("day", "days", 86_400),
        other => return Err(format!("unknown rate unit `{other}` (minute(s), hour(s), day(s))")),
    };
    // AWS refuses `rate(1 minutes)` and `rate(5 minute)`.
    let want = if n == 1 { one } else { many };
    if unit != want {
        return Err(format!("a rate of {n} takes the unit `{want}`"));
    }
    Ok(Duration::seconds(n * seconds))
}

impl Cron {
    fn parse(body: &str) -> Result<Self, String> {
        let f: Vec<&str> = body.split_whitespace().collect();
        let [minutes, hours, dom, month, dow, year] = f.as_slice() else {
            return Err(format!("cron() takes 6 fields (minutes hours day-of-month month day-of-week year), not {}", f.len()));
        };
        let days_of_month = optional(dom, "day-of-month", 1, 31, &[])?;
        let days_of_week = optional(dow, "day-of-week", 1, 7, &WEEKDAYS)?;
        if days_of_month.is_some() == days_of_week.is_some() {
            return Err("exactly one of day-of-month and day-of-week must be `?`".into());
        }
        Ok(Cron {
            minutes: field(minutes, "minutes", 0, 59, &[])?,
            hours: field(hours, "hours", 0, 23, &[])?,
            days_of_month,
            months: field(month, "month", 1, 12, &MONTHS)?,
            days_of_week,
            years: field(year, "year", 1970, LAST_YEAR, &[])?,
        })
    }

    fn day_matches(&self, d: NaiveDate) -> bool {
        let dom = self.days_of_month.as_ref().is_none_or(|f| f.contains(d.day()));
        let dow = self.days_of_week.as_ref().is_none_or(|f| f.contains(d.weekday().number_from_sunday()));
        dom && dow
    }

    fn next_after(&self, after: NaiveDateTime) -> Option<NaiveDateTime> {
        let minute = after.date().and_time(NaiveTime::from_hms_opt(after.hour(), after.minute(), 0)?);
        let mut c = minute + Duration::minutes(1);
        // Each step moves to the start of the next year, month, day, hour or
        // minute, so the walk is bounded by the 2199 horizon.
        loop {
            let (y, m) = (c.year() as u32, c.month());
            if y > LAST_YEAR {
                return None;
            }
            if !self.years.contains(y) {
                c = NaiveDate::from_ymd_opt(c.year() + 1, 1, 1)?.and_hms_opt(0, 0, 0)?;
            } else if !self.months.contains(m) {
                let (ny, nm) = if m == 12 { (c.year() + 1, 1) } else { (c.year(), m + 1) };
                c = NaiveDate::from_ymd_opt(ny, nm, 1)?.and_hms_opt(0, 0, 0)?;
            } else if !self.day_matches(c.date()) {
                c = c.date().succ_opt()?.and_hms_opt(0, 0, 0)?;
            } else if !self.hours.contains(c.hour()) {
                c = c.date().and_hms_opt(c.hour(), 0, 0)? + Duration::hours(1);
            } else if !self.minutes.contains(c.minute()) {
                c += Duration::minutes(1);
            } else {
                return Some(c);
            }
        }
    }
}

fn optional(text: &str, name: &str, min: u32, max: u32, names: &[&str]) -> Result<Option<Field>, String> {
    if text == "?" {
        return Ok(None);
    }
    field(text, name, min, max, names).map(Some)
}

fn field(text: &str, name: &str, min: u32, max: u32, names: &[&str]) -> Result<Field, String> {
    let mut allowed = vec![false; (max - min + 1) as usize];
    for item in text.split(',') {
        let item = item.to_ascii_uppercase();
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r.to_owned(), Some(s.parse::<u32>().ok().filter(|s| *s > 0).ok_or_else(|| format!("{name}: step `{s}` is not a positive number"))?)),
            None => (item.clone(), None),
        };
        let (lo, hi) = match range.as_str() {
            "*" => (min, max),
            "?" => return Err(format!("{name}: `?` stands alone, and only in day-of-month or day-of-week")),
            r => match r.split_once('-') {
                Some((a, b)) => (value(a, name, min, max, names)?, value(b, name, min, max, names)?),
                // `a/n` runs from a to the end of the field.
                None => {
                    let v = value(r, name, min, max, names)?;
                    (v, if step.is_some() { max } else { v })
                }
            },
        };
        if lo > hi {
            return Err(format!("{name}: range `{range}` runs backwards"));
        }
        for v in (lo..=hi).step_by(step.unwrap_or(1) as usize) {
            allowed[(v - min) as usize] = true;
        }
    }
    Ok(Field { min, allowed })
}

fn value(token: &str, name: &str, min: u32, max: u32, names: &[&str]) -> Result<u32, String> {
    if let Some(i) = names.iter().position(|n| *n == token) {
        return Ok(min + i as u32);
    }
    match token.parse::<u32>() {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        Ok(v) => Err(format!("{name}: {v} is outside {min}-{max}")),
        Err(_) if token.contains('#') || token.contains('L') || token.contains('W') => {
            Err(format!("{name}: `{token}` uses L, W or #, which the local front does not emulate"))
        }
        Err(_) => Err(format!("{name}: `{token}` is not a value")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn next(expr: &str, after: &str) -> Option<NaiveDateTime> {
        Schedule::parse(expr).unwrap().next_after(t(after))
    }

    #[test]
    fn a_daily_cron_fires_the_same_day_when_its_minute_is_still_ahead() {
        assert_eq!(next("cron(5 0 * * ? *)", "2026-03-01 00:04:59"), Some(t("2026-03-01 00:05:00")));
    }

    #[test]
    fn a_daily_cron_fires_the_next_day_once_its_minute_has_come() {
        assert_eq!(next("cron(5 0 * * ? *)", "2026-03-01 00:05:00"), Some(t("2026-03-02 00:05:00")));
        assert_eq!(next("cron(5 0 * * ? *)", "2026-12-31 23:00:00"), Some(t("2027-01-01 00:05:00")));
    }

    #[test]
    fn weekday_names_and_ranges_count_sunday_as_one() {
        // 2026-03-06 is a Friday: MON-FRI next fires on Monday the 9th.
        assert_eq!(next("cron(0 8 ? * MON-FRI *)", "2026-03-06 09:00:00"), Some(t("2026-03-09 08:00:00")));
        assert_eq!(next("cron(0 8 ? * 1 *)", "2026-03-06 09:00:00"), Some(t("2026-03-08 08:00:00")));
        assert_eq!(next("cron(0 8 ? * sat,sun *)", "2026-03-06 09:00:00"), Some(t("2026-03-07 08:00:00")));
    }

    #[test]
    fn month_names_lists_and_days_of_month_combine() {
        assert_eq!(next("cron(30 12 1,15 JAN,JUL ? *)", "2026-01-15 12:30:00"), Some(t("2026-07-01 12:30:00")));
        assert_eq!(next("cron(0 0 31 * ? *)", "2026-04-01 00:00:00"), Some(t("2026-05-31 00:00:00")));
    }

    #[test]
    fn steps_run_from_the_start_of_the_field_or_from_a_value() {
        assert_eq!(next("cron(*/15 * * * ? *)", "2026-03-01 10:16:00"), Some(t("2026-03-01 10:30:00")));
        assert_eq!(next("cron(10/20 * * * ? *)", "2026-03-01 10:31:00"), Some(t("2026-03-01 10:50:00")));
        assert_eq!(next("cron(10/20 * * * ? *)", "2026-03-01 10:50:00"), Some(t("2026-03-01 11:10:00")));
        assert_eq!(next("cron(0 9-17/4 * * ? *)", "2026-03-01 13:00:00"), Some(t("2026-03-01 17:00:00")));
    }

    #[test]
    fn a_year_field_bounds_the_schedule() {
        assert_eq!(next("cron(0 0 1 1 ? 2027)", "2026-05-05 00:00:00"), Some(t("2027-01-01 00:00:00")));
        assert_eq!(next("cron(0 0 1 1 ? 2027)", "2027-01-01 00:00:00"), None);
        assert_eq!(next("cron(0 0 30 2 ? *)", "2026-01-01 00:00:00"), None);
    }

    #[test]
    fn a_rate_fires_on_multiples_of_its_period_since_the_epoch() {
        assert_eq!(next("rate(1 day)", "2026-03-01 00:00:00"), Some(t("2026-03-02 00:00:00")));
        assert_eq!(next("rate(5 minutes)", "2026-03-01 10:02:30"), Some(t("2026-03-01 10:05:00")));
        assert_eq!(next("rate(2 hours)", "2026-03-01 10:00:00"), Some(t("2026-03-01 12:00:00")));
    }

    #[test]
    fn a_one_time_schedule_fires_once_after_any_earlier_instant() {
        assert_eq!(next("at(2026-03-01T09:00:00)", "2026-02-01 00:00:00"), Some(t("2026-03-01 09:00:00")));
        assert_eq!(next("at(2026-03-01T09:00:00)", "2026-03-01 09:00:00"), None);
        assert!(Schedule::parse("at(2026-03-01T09:00:00)").unwrap().is_one_time());
    }

    #[test]
    fn fires_between_lists_the_window_end_inclusive_and_stops_at_the_cap() {
        let daily = Schedule::parse("cron(5 0 * * ? *)").unwrap();
        let from = t("2026-03-01 00:05:00").and_utc();
        let to = t("2026-03-03 00:05:00").and_utc();
        assert_eq!(fires_between(&daily, from, to, 10), Ok(vec![t("2026-03-02 00:05:00").and_utc(), to]));
        let every_minute = Schedule::parse("rate(1 minute)").unwrap();
        assert_eq!(fires_between(&every_minute, from, from + Duration::days(365), 20_000), Err(20_000));
    }

    #[test]
    fn l_w_and_hash_are_refused_with_a_clear_reason() {
        for expr in ["cron(0 0 L * ? *)", "cron(0 0 15W * ? *)", "cron(0 0 ? * 6#3 *)", "cron(0 0 ? * 6L *)"] {
            let e = Schedule::parse(expr).unwrap_err();
            assert!(e.reason.contains("L, W or #"), "{expr}: {e}");
        }
    }

    #[test]
    fn malformed_expressions_are_refused() {
        for expr in [
            "cron(0 0 * * * *)",
            "cron(0 0 ? * ? *)",
            "cron(0 0 * *)",
            "cron(60 0 * * ? *)",
            "cron(0 5-2 * * ? *)",
            "cron(*/0 0 * * ? *)",
            "rate(1 minutes)",
            "rate(5 minute)",
            "rate(0 days)",
            "rate(1 week)",
            "at(2026-03-01 09:00)",
            "every day",
        ] {
            assert!(Schedule::parse(expr).is_err(), "{expr} should be refused");
        }
    }
}
