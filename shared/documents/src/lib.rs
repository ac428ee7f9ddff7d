//! Everything an emailed invoice is made of, as a pure library (no AWS, no
//! async): the localized email (subject, HTML part, plain-text part), the
//! invoice as a PDF, and the raw MIME message that SES v2 `SendEmail` sends
//! with `Content.Raw` (the simple content form cannot carry attachments).
//!
//! ```text
//! Invoice + Customer + Branding
//!        -> InvoiceView (every value formatted for the customer's language)
//!        -> templates/invoice.html, templates/invoice.txt (askama)
//!        -> pdf::layout -> pdf::write_pdf
//!        -> MIME: multipart/mixed [ multipart/alternative [text, html], <number>.pdf ]
//! ```
//!
//! # Message kinds x languages
//! A [`MessageKind`] is a template pair plus its sentence functions in
//! [`catalog`]; a language is one arm in each catalog `match`. Languages
//! are `en`, `de` and `fr`; any other `customer.locale` language falls back
//! to `en`. Number, money and date formats are in [`locale`]. The layout
//! `templates/layout.html` (logo, company footer) is shared by every kind.
//! Besides the invoice there is the payment receipt ([`receipt`],
//! `templates/receipt.*`): what was received, when (the day in the
//! customer's time zone) and how, the invoices it settled and any credit
//! held on account, as `multipart/alternative` [text, html] without an
//! attachment. The dunning reminder ([`reminder`], `templates/reminder.*`)
//! is built the same way: the invoices a fired dunning step is about, with
//! days overdue or until due, the total due, how to pay and any credit
//! hold, in one of four tones (`friendly`, `reminder`, `firm`, `final`).
//!
//! # Choices
//! - **PDF: `pdf-writer` 0.15.0** (typst's low-level writer; depends only on
//!   `bitflags`, `itoa`, `memchr`, `ryu`). This whole crate (PDF, templates,
//!   MIME) adds about 250 KB to a binary built with the workspace's release
//!   profile, about 130 KB zipped, measured against the same binary without it. The invoice uses the PDF standard fonts Helvetica and
//!   Helvetica-Bold with WinAnsi encoding, so no font file is embedded or
//!   shipped and a PDF is small (a 3-line invoice is a few KB, 250 lines
//!   well under 1 MB). WinAnsi covers English, German and French;
//!   characters outside it degrade as [`pdf::winansi`] documents (diacritics
//!   dropped from other Latin letters, `?` for other scripts), while the
//!   HTML and text parts keep full Unicode. Text is measured with the
//!   hard-coded Helvetica AFM widths, so numbers right-align exactly and
//!   long descriptions wrap inside their column. `printpdf` and `genpdf`
//!   were set aside: both need a TrueType font shipped and embedded for
//!   good output (hundreds of KB per face in the Lambda zip and in every
//!   attachment), pull in far more code (`genpdf` brings `rusttype` and
//!   `printpdf` an older `lopdf`), and `genpdf` is unmaintained; their
//!   layout help is not needed for one fixed invoice layout.
//! - **Templates: `askama` 0.16.1**, compile-time Jinja-like templates;
//!   `.html` templates escape every value by default (a customer named
//!   `<script>` stays text), and a template error is a compile error. Only
//!   the `derive` and `std` features: no runtime dependency besides `itoa`.
//! - **MIME: `mail-builder` 2.0.1** (Stalwart), without its default
//!   `gethostname` feature: RFC 2047 header encoding, folding, base64
//!   attachments; its only dependency is `encodify`. We set `Date` and
//!   `Message-ID` ourselves so a message is a function of its inputs.
//! - No float arithmetic anywhere: money is `rust_decimal`, layout is
//!   integer milli-points.
//!
//! # Header safety
//! Addresses are `Email` values (no CR/LF possible). Display names and the
//! subject are cleaned (control characters become spaces) and then
//! encoded by mail-builder, which RFC 2047-encodes anything non-ASCII or
//! non-printable; tests parse the raw message and check its header set.

pub mod branding;
pub mod catalog;
pub mod email;
pub mod error;
pub mod locale;
pub mod pdf;
pub mod receipt;
pub mod reminder;
pub mod sample;
pub mod view;

use chrono::Utc;
use o2c_domain::customer::Customer;
use o2c_domain::invoice::Invoice;
use o2c_domain::text::Email;

pub use branding::{Branding, BrandingError};
pub use email::{compose_invoice_email_at, invoice_email_parts, InvoiceEmailParts};
pub use error::DocumentError;
pub use locale::{format_date, format_money, Lang};
pub use receipt::{compose_receipt_email, compose_receipt_email_at, ReceiptFacts, ReceiptLine};
pub use reminder::{compose_reminder_email, compose_reminder_email_at, ReminderFacts, ReminderLine};
pub use view::InvoiceView;

/// What a message is about. Statements join here, each with its own
/// templates and catalog sentences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    Invoice,
    /// A payment was received: [`compose_receipt_email`].
    Receipt,
    /// A dunning step fired: [`compose_reminder_email`].
    Reminder,
}

impl MessageKind {
    /// A stable name for logs, metrics and send ledgers.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Invoice => "invoice",
            MessageKind::Receipt => "receipt",
            MessageKind::Reminder => "reminder",
        }
    }
}

/// A message ready to send: the parts for logging and preview, and the raw
/// MIME bytes for SES v2 `SendEmail` `Content.Raw`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub subject: String,
    /// The customer's address.
    pub to: Vec<Email>,
    /// The customer's cc list, without duplicates or the `to` address.
    pub cc: Vec<Email>,
    pub html: String,
    pub text: String,
    pub raw_mime: Vec<u8>,
}

/// The invoice as a PDF: one or more A4 pages. Drafts render as
/// "Draft invoice" without a number.
pub fn render_invoice_pdf(invoice: &Invoice, customer: &Customer, branding: &Branding) -> Result<Vec<u8>, DocumentError> {
    pdf::render_invoice_pdf(invoice, customer, branding)
}

/// The invoice email in the customer's language, with the PDF attached as
/// `<number>.pdf`, dated now. Only finalized invoices (with a number) are
/// emailed. See [`compose_invoice_email_at`] for a fixed instant.
pub fn compose_invoice_email(invoice: &Invoice, customer: &Customer, branding: &Branding) -> Result<Composed, DocumentError> {
    compose_invoice_email_at(invoice, customer, branding, Utc::now())
}

#[cfg(test)]
mod tests;
