//! `INV-<YYYY>-<6 digits>`: gapless per year, more digits past 999999.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InvoiceNumber {
    year: i32,
    sequence: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not an invoice number like INV-2026-000001")]
pub struct InvoiceNumberError;

impl InvoiceNumber {
    /// Sequences start at 1; years are four digits.
    pub fn new(year: i32, sequence: u64) -> Result<Self, InvoiceNumberError> {
        if !(1000..=9999).contains(&year) || sequence == 0 {
            return Err(InvoiceNumberError);
        }
        Ok(Self { year, sequence })
    }

    pub fn parse(text: &str) -> Result<Self, InvoiceNumberError> {
        let rest = text.strip_prefix("INV-").ok_or(InvoiceNumberError)?;
        let (year, seq) = rest.split_once('-').ok_or(InvoiceNumberError)?;
        if year.len() != 4 || seq.len() < 6 || !year.bytes().chain(seq.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(InvoiceNumberError);
        }
        // Past 999999 the number simply grows; below it, zero-padded to 6.
        if seq.len() > 6 && seq.starts_with('0') {
            return Err(InvoiceNumberError);
        }
        let year = year.parse().map_err(|_| InvoiceNumberError)?;
        let seq = seq.parse().map_err(|_| InvoiceNumberError)?;
        Self::new(year, seq)
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    pub fn sequence(&self) -> u64 {
        self.sequence
    }
}

impl fmt::Display for InvoiceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "INV-{}-{:06}", self.year, self.sequence)
    }
}

impl Serialize for InvoiceNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for InvoiceNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numbers_are_zero_padded_to_six_digits_then_grow() {
        assert_eq!(InvoiceNumber::new(2026, 1).unwrap().to_string(), "INV-2026-000001");
        assert_eq!(InvoiceNumber::new(2026, 1_234_567).unwrap().to_string(), "INV-2026-1234567");
        assert!(InvoiceNumber::new(2026, 0).is_err());
        assert!(InvoiceNumber::parse("INV-2026-0000001").is_err());
        assert!(InvoiceNumber::parse("inv-2026-000001").is_err());
    }

    proptest! {
        #[test]
        fn numbers_round_trip_and_sort_like_their_sequence(year in 1000i32..=9999, a in 1u64..10_000_000_000, b in 1u64..10_000_000_000) {
            let x = InvoiceNumber::new(year, a).unwrap();
            prop_assert_eq!(InvoiceNumber::parse(&x.to_string()).unwrap(), x);
            let y = InvoiceNumber::new(year, b).unwrap();
            prop_assert_eq!(x.cmp(&y), a.cmp(&b));
        }
    }
}
