//! The company's holidays, per country: the days no reminder goes out.
//!
//! Configured as `DE=2026-12-24,2026-12-25;FR=2026-12-25` (template
//! parameter `Holidays`). A customer's billing country picks its list;
//! the company's own country's list is the fallback, and with neither
//! only weekends are skipped.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::customer::Customer;
use crate::dunning::BusinessCalendar;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holidays {
    by_country: BTreeMap<String, BusinessCalendar>,
    company_country: Option<String>,
    weekends_only: BusinessCalendar,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HolidaysError {
    #[error("`{0}` is not `CC=YYYY-MM-DD,...` with an ISO 3166 country code")]
    Entry(String),
    #[error("`{0}` is not a date (YYYY-MM-DD)")]
    Date(String),
    #[error("the company country `{0}` is not an ISO 3166 country code")]
    Country(String),
}

fn is_country(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase())
}

impl Holidays {
    /// `spec` as configured; `company_country` may be empty.
    pub fn parse(spec: &str, company_country: &str) -> Result<Self, HolidaysError> {
        let mut by_country = BTreeMap::new();
        for entry in spec.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            let (country, days) = entry.split_once('=').ok_or_else(|| HolidaysError::Entry(entry.to_owned()))?;
            let country = country.trim();
            if !is_country(country) {
                return Err(HolidaysError::Entry(entry.to_owned()));
            }
            let mut dates = Vec::new();
            for day in days.split(',').map(str::trim).filter(|d| !d.is_empty()) {
                dates.push(NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| HolidaysError::Date(day.to_owned()))?);
            }
            by_country.entry(country.to_owned()).or_insert_with(Vec::new).extend(dates);
        }
        let company_country = match company_country.trim() {
            "" => None,
            c if is_country(c) => Some(c.to_owned()),
            c => return Err(HolidaysError::Country(c.to_owned())),
        };
        Ok(Self { by_country: by_country.into_iter().map(|(k, v)| (k, BusinessCalendar::new(v))).collect(), company_country, weekends_only: BusinessCalendar::default() })
    }

    /// The calendar for a country (`None`: the company's).
    pub fn calendar_for(&self, country: Option<&str>) -> &BusinessCalendar {
        country
            .and_then(|c| self.by_country.get(c))
            .or_else(|| self.company_country.as_deref().and_then(|c| self.by_country.get(c)))
            .unwrap_or(&self.weekends_only)
    }

    /// The calendar a customer's reminders follow: their billing country's.
    pub fn for_customer(&self, customer: &Customer) -> &BusinessCalendar {
        self.calendar_for(customer.billing_address.as_ref().map(|a| a.country.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_customers_country_picks_its_holidays_and_the_company_country_is_the_fallback() {
        let h = Holidays::parse("DE=2026-12-24, 2026-12-25; FR=2026-07-14", "DE").unwrap();
        assert!(!h.calendar_for(Some("FR")).is_business_day(d("2026-07-14")));
        assert!(h.calendar_for(Some("FR")).is_business_day(d("2026-12-24")));
        assert!(!h.calendar_for(Some("US")).is_business_day(d("2026-12-24")), "no US list: the company's (DE)");
        assert!(!h.calendar_for(None).is_business_day(d("2026-12-25")));
        let none = Holidays::parse("", "").unwrap();
        assert!(none.calendar_for(Some("DE")).is_business_day(d("2026-12-24")), "weekends only");
    }

    #[test]
    fn a_malformed_holiday_list_is_refused_naming_the_entry() {
        assert_eq!(Holidays::parse("DE:2026-12-24", ""), Err(HolidaysError::Entry("DE:2026-12-24".into())));
        assert_eq!(Holidays::parse("DE=2026-13-01", ""), Err(HolidaysError::Date("2026-13-01".into())));
        assert_eq!(Holidays::parse("de=2026-12-01", ""), Err(HolidaysError::Entry("de=2026-12-01".into())));
        assert_eq!(Holidays::parse("", "Germany"), Err(HolidaysError::Country("Germany".into())));
    }
}
