//! Money on `rust_decimal`, held at exactly its currency's ISO 4217 minor
//! units. Floats never appear; every rounding is explicit and half away from
//! zero, as the contract demands.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// Largest amount, in major units, the contract accepts anywhere.
pub const MAX_MAJOR_UNITS: i64 = 999_999_999_999;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("is not a decimal number")]
    NotANumber,
    #[error("has more than {allowed} decimal places")]
    TooManyDecimals { allowed: u32 },
    #[error("must not be negative")]
    Negative,
    #[error("exceeds 999,999,999,999")]
    TooLarge,
    #[error("is not an ISO 4217 currency code with minor units")]
    UnknownCurrency,
    #[error("currencies differ: {0} and {1}")]
    CurrencyMismatch(Currency, Currency),
}

/// An ISO 4217 currency that has a minor unit (so `XAU`, `XXX` are refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(MoneyError::UnknownCurrency);
        }
        let c = iso_currency::Currency::from_code(code).ok_or(MoneyError::UnknownCurrency)?;
        match c.exponent() {
            Some(e) if e <= 4 => Ok(Self(c)),
            _ => Err(MoneyError::UnknownCurrency),
        }
    }

    /// Digits after the decimal point: JPY 0, USD 2, BHD 3.
    pub fn minor_digits(self) -> u32 {
        // `parse` refuses currencies without an exponent.
        u32::from(self.0.exponent().unwrap_or(0))
    }

    pub fn code(self) -> &'static str {
        self.0.code()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Rounds to the currency's minor unit, half away from zero.
pub fn round_to_minor(value: Decimal, currency: Currency) -> Decimal {
    let mut v = value.round_dp_with_strategy(currency.minor_digits(), RoundingStrategy::MidpointAwayFromZero);
    v.rescale(currency.minor_digits());
    v
}

/// An amount of one currency, always at exactly the currency's minor-unit
/// scale and within the contract's bounds (`|amount| <= 999,999,999,999`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    pub fn zero(currency: Currency) -> Self {
        let mut amount = Decimal::ZERO;
        amount.rescale(currency.minor_digits());
        Self { amount, currency }
    }

    /// Parses API input: a decimal string with no more digits than the
    /// currency allows (more is an error, never silently rounded).
    pub fn parse(text: &str, currency: Currency) -> Result<Self, MoneyError> {
        let amount = parse_plain_decimal(text)?;
        if amount.scale() > currency.minor_digits() {
            let trimmed = amount.normalize();
            if trimmed.scale() > currency.minor_digits() {
                return Err(MoneyError::TooManyDecimals { allowed: currency.minor_digits() });
            }
        }
        Self::from_decimal_exact(amount, currency)
    }

    /// Builds from a value that must already fit the minor unit exactly.
    pub fn from_decimal_exact(amount: Decimal, currency: Currency) -> Result<Self, MoneyError> {
        if amount.normalize().scale() > currency.minor_digits() {
            return Err(MoneyError::TooManyDecimals { allowed: currency.minor_digits() });
        }
        Self::bounded(amount, currency)
    }

    /// Builds from any value, rounding half away from zero to the minor unit.
    pub fn from_decimal_rounded(amount: Decimal, currency: Currency) -> Result<Self, MoneyError> {
        Self::bounded(round_to_minor(amount, currency), currency)
    }

    /// Processor amounts (Stripe) arrive as integer minor units.
    pub fn from_minor(units: i64, currency: Currency) -> Result<Self, MoneyError> {
        let amount = Decimal::from_i128_with_scale(i128::from(units), currency.minor_digits());
        Self::bounded(amount, currency)
    }

    fn bounded(mut amount: Decimal, currency: Currency) -> Result<Self, MoneyError> {
        if amount.abs() > Decimal::from(MAX_MAJOR_UNITS) {
            return Err(MoneyError::TooLarge);
        }
        amount.rescale(currency.minor_digits());
        Ok(Self { amount, currency })
    }

    pub fn amount(&self) -> Decimal {
        self.amount
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Integer minor units, as processors and ledgers count them.
    pub fn to_minor(&self) -> i64 {
        // Bounded to 1e12 major units and at most 4 minor digits: fits i64.
        let mantissa = self.amount.mantissa();
        i64::try_from(mantissa).unwrap_or(if mantissa > 0 { i64::MAX } else { i64::MIN })
    }

    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    pub fn is_positive(&self) -> bool {
        self.amount.is_sign_positive() && !self.amount.is_zero()
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        Self::bounded(self.amount + other.amount, self.currency)
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        Self::bounded(self.amount - other.amount, self.currency)
    }

    pub fn min(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        Ok(if self.amount <= other.amount { self } else { other })
    }

    fn same_currency(&self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }
}

/// Stored and carried as `{"amount": "12.50", "currency": "EUR"}`; the
/// amount string keeps every digit (never a JSON float).
#[derive(Serialize, Deserialize)]
struct MoneyFields {
    amount: String,
    currency: Currency,
}

impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        MoneyFields { amount: self.to_string(), currency: self.currency }.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let f = MoneyFields::deserialize(d)?;
        Money::parse(&f.amount, f.currency).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Money {
    /// Major units with exactly the currency's minor digits: `"1234.50"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.amount)
    }
}

/// Parses `"12.50"`-style text only: no exponents, no signs other than a
/// leading minus, no whitespace, no thousands separators.
pub fn parse_plain_decimal(text: &str) -> Result<Decimal, MoneyError> {
    let body = text.strip_prefix('-').unwrap_or(text);
    let valid = !body.is_empty()
        && body.len() <= 40
        && body.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && body.bytes().filter(|b| *b == b'.').count() <= 1
        && !body.starts_with('.')
        && !body.ends_with('.');
    if !valid {
        return Err(MoneyError::NotANumber);
    }
    Decimal::from_str(text).map_err(|_| MoneyError::NotANumber)
}

/// A non-negative decimal with at most `MAX_DP` places and at most
/// 999,999,999,999 in value: quantities and unit amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BoundedDecimal<const MAX_DP: u32>(Decimal);

impl<const MAX_DP: u32> BoundedDecimal<MAX_DP> {
    pub fn parse(text: &str) -> Result<Self, MoneyError> {
        Self::new(parse_plain_decimal(text)?)
    }

    pub fn new(value: Decimal) -> Result<Self, MoneyError> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(MoneyError::Negative);
        }
        if value.normalize().scale() > MAX_DP {
            return Err(MoneyError::TooManyDecimals { allowed: MAX_DP });
        }
        if value > Decimal::from(MAX_MAJOR_UNITS) {
            return Err(MoneyError::TooLarge);
        }
        Ok(Self(value.normalize().abs()))
    }

    pub fn value(&self) -> Decimal {
        self.0
    }
}

impl<const MAX_DP: u32> fmt::Display for BoundedDecimal<MAX_DP> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl<const MAX_DP: u32> Serialize for BoundedDecimal<MAX_DP> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de, const MAX_DP: u32> Deserialize<'de> for BoundedDecimal<MAX_DP> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Line quantity: not negative, up to 6 decimals.
pub type Quantity = BoundedDecimal<6>;
/// Price of one unit in major units: not negative, up to 6 decimals.
pub type UnitAmount = BoundedDecimal<6>;

/// A percentage: 0..=100 with up to 4 decimals (tax rates, discounts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Percent(Decimal);

/// Tax rates are percentages (`"19"` means 19 %).
pub type TaxRate = Percent;

impl Percent {
    pub fn parse(text: &str) -> Result<Self, MoneyError> {
        Self::new(parse_plain_decimal(text)?)
    }

    pub fn new(value: Decimal) -> Result<Self, MoneyError> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(MoneyError::Negative);
        }
        if value.normalize().scale() > 4 {
            return Err(MoneyError::TooManyDecimals { allowed: 4 });
        }
        if value > Decimal::ONE_HUNDRED {
            return Err(MoneyError::TooLarge);
        }
        Ok(Self(value.normalize().abs()))
    }

    pub fn percent(&self) -> Decimal {
        self.0
    }

    /// This percentage of an amount, rounded half away from zero to the
    /// minor unit (tax on a taxable base, a discount on a total).
    pub fn of(&self, base: Money) -> Result<Money, MoneyError> {
        let raw = base.amount().checked_mul(self.0).ok_or(MoneyError::TooLarge)? / Decimal::ONE_HUNDRED;
        Money::from_decimal_rounded(raw, base.currency())
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for Percent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// `quantity x unit_amount`, rounded half away from zero to the minor unit.
pub fn line_amount(quantity: Quantity, unit_amount: UnitAmount, currency: Currency) -> Result<Money, MoneyError> {
    let raw = quantity.value().checked_mul(unit_amount.value()).ok_or(MoneyError::TooLarge)?;
    Money::from_decimal_rounded(raw, currency)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    #[test]
    fn currencies_carry_their_iso_minor_units() {
        assert_eq!(Currency::parse("JPY").unwrap().minor_digits(), 0);
        assert_eq!(Currency::parse("USD").unwrap().minor_digits(), 2);
        assert_eq!(Currency::parse("BHD").unwrap().minor_digits(), 3);
        assert!(Currency::parse("XAU").is_err(), "gold has no minor unit");
        assert!(Currency::parse("usd").is_err());
        assert!(Currency::parse("ZZZ").is_err());
    }

    #[test]
    fn input_with_more_digits_than_the_currency_is_refused() {
        assert_eq!(
            Money::parse("1.005", usd()),
            Err(MoneyError::TooManyDecimals { allowed: 2 })
        );
        assert!(Money::parse("100.5", Currency::parse("JPY").unwrap()).is_err());
        assert_eq!(Money::parse("1.500", Currency::parse("BHD").unwrap()).unwrap().to_string(), "1.500");
        // Trailing zeros beyond the minor unit carry no extra precision.
        assert_eq!(Money::parse("1.500", usd()).unwrap().to_string(), "1.50");
    }

    #[test]
    fn output_always_has_exactly_the_minor_digits() {
        assert_eq!(Money::parse("12", usd()).unwrap().to_string(), "12.00");
        assert_eq!(Money::parse("12", Currency::parse("JPY").unwrap()).unwrap().to_string(), "12");
        assert_eq!(Money::zero(Currency::parse("BHD").unwrap()).to_string(), "0.000");
    }

    #[test]
    fn line_amounts_round_half_away_from_zero() {
        let q = Quantity::parse("3").unwrap();
        let u = UnitAmount::parse("0.335").unwrap();
        assert_eq!(line_amount(q, u, usd()).unwrap().to_string(), "1.01");
        let q = Quantity::parse("1").unwrap();
        let u = UnitAmount::parse("0.125").unwrap();
        assert_eq!(line_amount(q, u, usd()).unwrap().to_string(), "0.13");
    }

    #[test]
    fn amounts_above_the_contract_bound_are_refused() {
        assert_eq!(Money::parse("1000000000000", usd()), Err(MoneyError::TooLarge));
        assert!(Money::parse("999999999999.99", usd()).is_err());
        assert!(Money::parse("999999999999", usd()).is_ok());
    }

    #[test]
    fn odd_number_spellings_are_not_numbers() {
        for bad in ["", "1e3", " 1", "1,000", "+1", ".5", "5.", "1.2.3", "NaN", "--1"] {
            assert_eq!(parse_plain_decimal(bad), Err(MoneyError::NotANumber), "{bad:?}");
        }
    }

    #[test]
    fn stripe_minor_units_convert_with_the_currency_exponent() {
        assert_eq!(Money::from_minor(1234, Currency::parse("JPY").unwrap()).unwrap().to_string(), "1234");
        assert_eq!(Money::from_minor(1234, usd()).unwrap().to_string(), "12.34");
        assert_eq!(Money::from_minor(1234, Currency::parse("BHD").unwrap()).unwrap().to_string(), "1.234");
    }

    #[test]
    fn adding_different_currencies_is_an_error() {
        let a = Money::parse("1", usd()).unwrap();
        let b = Money::parse("1", Currency::parse("EUR").unwrap()).unwrap();
        assert!(matches!(a.checked_add(b), Err(MoneyError::CurrencyMismatch(..))));
    }

    fn currency() -> impl Strategy<Value = Currency> {
        prop::sample::select(vec!["USD", "EUR", "JPY", "BHD", "KWD", "CLP", "GBP"]).prop_map(|c| Currency::parse(c).unwrap())
    }

    proptest! {
        #[test]
        fn minor_units_round_trip_exactly(units in -999_999_999_999i64..=999_999_999_999, c in currency()) {
            if let Ok(m) = Money::from_minor(units, c) {
                prop_assert_eq!(m.to_minor(), units);
                prop_assert_eq!(Money::parse(&m.to_string(), c).unwrap(), m);
            }
        }

        #[test]
        fn rounding_moves_by_at_most_half_a_minor_unit(mantissa in -10_000_000_000i64..10_000_000_000, scale in 0u32..8, c in currency()) {
            let raw = Decimal::new(mantissa, scale);
            let rounded = round_to_minor(raw, c);
            let half = Decimal::new(5, c.minor_digits() + 1);
            prop_assert!((rounded - raw).abs() <= half);
            prop_assert_eq!(rounded.scale(), c.minor_digits());
            // Half away from zero is symmetric.
            prop_assert_eq!(round_to_minor(-raw, c), -rounded);
        }

        #[test]
        fn addition_then_subtraction_restores_the_amount(a in 0i64..1_000_000_000, b in 0i64..1_000_000_000, c in currency()) {
            let x = Money::from_minor(a, c).unwrap();
            let y = Money::from_minor(b, c).unwrap();
            prop_assert_eq!(x.checked_add(y).unwrap().checked_sub(y).unwrap(), x);
            prop_assert_eq!(x.checked_add(y).unwrap().to_minor(), a + b);
        }

        #[test]
        fn line_amount_is_never_negative_and_within_half_a_unit(q in 0u64..1_000_000_000, qs in 0u32..6, u in 0u64..1_000_000_000, us in 0u32..6, c in currency()) {
            let quantity = Quantity::new(Decimal::new(q as i64, qs)).unwrap();
            let unit = UnitAmount::new(Decimal::new(u as i64, us)).unwrap();
            if let Ok(amount) = line_amount(quantity, unit, c) {
                prop_assert!(!amount.is_negative());
                let exact = quantity.value() * unit.value();
                prop_assert!((amount.amount() - exact).abs() <= Decimal::new(5, c.minor_digits() + 1));
            }
        }
    }
}
