//! Customers: who owes us, in which currency, on which terms.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::CustomerId;
use crate::money::{Currency, Money, Percent};
use crate::text::{BoundedText, Email};

pub type CustomerName = BoundedText<256>;
pub type ShortText = BoundedText<128>;

/// Payment terms: net days, and optionally an early-payment discount
/// (`2/10 net 30`). The discount window can never exceed the net days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PaymentTermsFields", into = "PaymentTermsFields")]
pub struct PaymentTerms {
    net_days: u16,
    discount: Option<EarlyPaymentDiscount>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarlyPaymentDiscount {
    pub percent: Percent,
    pub days: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentTermsError {
    #[error("net_days must be between 0 and 365")]
    NetDaysOutOfRange,
    #[error("discount_percent and discount_days go together")]
    HalfADiscount,
    #[error("discount_days must not exceed net_days")]
    DiscountOutlivesTerms,
    #[error("discount_percent must be below 100")]
    DiscountTooLarge,
}

impl PaymentTerms {
    pub const MAX_NET_DAYS: u16 = 365;

    pub fn new(net_days: u16, discount: Option<EarlyPaymentDiscount>) -> Result<Self, PaymentTermsError> {
        if net_days > Self::MAX_NET_DAYS {
            return Err(PaymentTermsError::NetDaysOutOfRange);
        }
        if let Some(d) = discount {
            if d.days > net_days {
                return Err(PaymentTermsError::DiscountOutlivesTerms);
            }
            if d.percent.percent() >= rust_decimal::Decimal::ONE_HUNDRED {
                return Err(PaymentTermsError::DiscountTooLarge);
            }
        }
        Ok(Self { net_days, discount })
    }

    pub fn net_days(&self) -> u16 {
        self.net_days
    }

    pub fn discount(&self) -> Option<EarlyPaymentDiscount> {
        self.discount
    }
}

impl Default for PaymentTerms {
    fn default() -> Self {
        Self { net_days: 30, discount: None }
    }
}

/// The contract's flat JSON shape.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentTermsFields {
    pub net_days: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_percent: Option<Percent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_days: Option<u16>,
}

impl TryFrom<PaymentTermsFields> for PaymentTerms {
    type Error = PaymentTermsError;
    fn try_from(f: PaymentTermsFields) -> Result<Self, Self::Error> {
        let discount = match (f.discount_percent, f.discount_days) {
            (Some(percent), Some(days)) => Some(EarlyPaymentDiscount { percent, days }),
            (None, None) => None,
            _ => return Err(PaymentTermsError::HalfADiscount),
        };
        PaymentTerms::new(f.net_days, discount)
    }
}

impl From<PaymentTerms> for PaymentTermsFields {
    fn from(t: PaymentTerms) -> Self {
        Self {
            net_days: t.net_days,
            discount_percent: t.discount.map(|d| d.percent),
            discount_days: t.discount.map(|d| d.days),
        }
    }
}

/// A BCP 47 language tag, kept to the common `ll[-Script][-RR]` shapes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Locale(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not a BCP 47 language tag such as `en` or `de-CH`")]
pub struct LocaleError;

impl Locale {
    pub fn parse(text: &str) -> Result<Self, LocaleError> {
        let mut parts = text.split('-');
        let lang = parts.next().unwrap_or("");
        if !(2..=3).contains(&lang.len()) || !lang.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(LocaleError);
        }
        let mut out = lang.to_ascii_lowercase();
        for p in parts {
            let ok = (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric());
            if !ok {
                return Err(LocaleError);
            }
            out.push('-');
            // Canonical case: region upper, script title, others lower.
            match p.len() {
                2 => out.push_str(&p.to_ascii_uppercase()),
                4 => {
                    out.push_str(&p[..1].to_ascii_uppercase());
                    out.push_str(&p[1..].to_ascii_lowercase());
                }
                _ => out.push_str(&p.to_ascii_lowercase()),
            }
        }
        Ok(Self(out))
    }

    pub fn language(&self) -> &str {
        self.0.split('-').next().unwrap_or("en")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Locale {
    fn default() -> Self {
        Self("en".into())
    }
}

impl TryFrom<String> for Locale {
    type Error = LocaleError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Locale> for String {
    fn from(l: Locale) -> Self {
        l.0
    }
}

/// An IANA time zone (`Europe/Berlin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeZone(chrono_tz::Tz);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not an IANA time zone such as `Europe/Berlin`")]
pub struct TimeZoneError;

impl TimeZone {
    pub fn parse(text: &str) -> Result<Self, TimeZoneError> {
        text.parse::<chrono_tz::Tz>().map(Self).map_err(|_| TimeZoneError)
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.0
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        Self(chrono_tz::UTC)
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name())
    }
}

impl TryFrom<String> for TimeZone {
    type Error = TimeZoneError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<TimeZone> for String {
    fn from(t: TimeZone) -> Self {
        t.0.name().to_owned()
    }
}

/// ISO 3166-1 alpha-2 country code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode([u8; 2]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not an ISO 3166-1 alpha-2 country code")]
pub struct CountryCodeError;

impl CountryCode {
    pub fn parse(text: &str) -> Result<Self, CountryCodeError> {
        match text.as_bytes() {
            [a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => Ok(Self([*a, *b])),
            _ => Err(CountryCodeError),
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl TryFrom<String> for CountryCode {
    type Error = CountryCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<CountryCode> for String {
    fn from(c: CountryCode) -> Self {
        c.as_str().to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingAddress {
    pub line1: Option<BoundedText<200>>,
    pub line2: Option<BoundedText<200>>,
    pub city: Option<ShortText>,
    pub postal_code: Option<BoundedText<32>>,
    pub region: Option<ShortText>,
    pub country: CountryCode,
}

/// Deliverability of the customer's address, fed by SES bounces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailStatus {
    #[default]
    Ok,
    Bounced,
    Complained,
}

/// Caller-owned string pairs (Stripe-style metadata): bounded so an item
/// can never outgrow DynamoDB's 400 KB.
pub type Metadata = BTreeMap<String, String>;
pub const METADATA_MAX_KEYS: usize = 50;
pub const METADATA_MAX_KEY_CHARS: usize = 40;
pub const METADATA_MAX_VALUE_CHARS: usize = 500;
pub const CC_MAX: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: CustomerId,
    pub name: CustomerName,
    pub email: Email,
    pub cc: Vec<Email>,
    pub currency: Currency,
    pub payment_terms: PaymentTerms,
    pub locale: Locale,
    pub time_zone: TimeZone,
    pub billing_address: Option<BillingAddress>,
    pub tax_id: Option<BoundedText<64>>,
    pub credit_limit: Option<Money>,
    pub external_id: Option<ShortText>,
    /// Empty maps are not stored: DynamoDB Local's stream cannot encode them.
    #[serde(default, skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
    /// Open receivable: what this customer owes on open invoices.
    pub balance: Money,
    /// Unapplied cash: money received and not yet allocated to an invoice.
    pub credit_balance: Money,
    pub credit_hold: bool,
    pub email_status: EmailStatus,
    /// The customer's own reminder steps; `None` follows the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dunning_policy: Option<crate::dunning::DunningPolicy>,
    pub created_at: DateTime<Utc>,
}

impl Customer {
    /// The steps reminders follow for this customer.
    pub fn dunning_policy(&self) -> crate::dunning::DunningPolicy {
        self.dunning_policy.clone().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_terms_refuse_a_discount_window_longer_than_the_terms() {
        let pct = Percent::parse("2").unwrap();
        assert!(PaymentTerms::new(30, Some(EarlyPaymentDiscount { percent: pct, days: 10 })).is_ok());
        assert_eq!(
            PaymentTerms::new(10, Some(EarlyPaymentDiscount { percent: pct, days: 30 })),
            Err(PaymentTermsError::DiscountOutlivesTerms)
        );
        assert_eq!(PaymentTerms::new(366, None), Err(PaymentTermsError::NetDaysOutOfRange));
    }

    #[test]
    fn payment_terms_read_the_contract_shape() {
        let t: PaymentTerms = serde_json::from_str(r#"{"net_days":30,"discount_percent":"2","discount_days":10}"#).unwrap();
        assert_eq!(t.net_days(), 30);
        assert_eq!(t.discount().unwrap().days, 10);
        assert!(serde_json::from_str::<PaymentTerms>(r#"{"net_days":30,"discount_days":10}"#).is_err());
    }

    #[test]
    fn locales_and_time_zones_are_parsed_to_canonical_form() {
        assert_eq!(Locale::parse("de-ch").unwrap().as_str(), "de-CH");
        assert_eq!(Locale::parse("zh-hant-tw").unwrap().as_str(), "zh-Hant-TW");
        assert!(Locale::parse("english").is_err());
        assert!(TimeZone::parse("Europe/Berlin").is_ok());
        assert!(TimeZone::parse("Mars/Olympus").is_err());
        assert!(CountryCode::parse("de").is_err());
    }
}
