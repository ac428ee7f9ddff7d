//! Bank statement files read into one model ([`Statement`], [`Entry`]).
//!
//! Every parser reads a whole file or refuses it whole, naming the line or
//! element at fault ([`ParseError`]): a statement half read would apply half
//! the cash. Amounts are exact decimals; nothing here knows invoices.

pub mod bai2;
pub mod camt;
pub mod csv;
pub mod mt940;
pub mod statement;
pub mod write;

pub use statement::{Balance, Direction, Entry, Format, ParseError, Statement};

/// Reads `bytes` as `format`.
pub fn parse(bytes: &[u8], format: Format) -> Result<Vec<Statement>, ParseError> {
    match format {
        Format::Camt053 | Format::Camt054 => camt::parse(bytes),
        Format::Bai2 => bai2::parse(bytes),
        Format::Mt940 => mt940::parse(bytes),
        Format::Csv => csv::parse(bytes),
    }
}
