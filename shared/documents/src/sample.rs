//! Deterministic sample inputs for tests, benchmarks and previews: a
//! customer in any locale, a finalized invoice with any number of lines
//! (up to `MAX_LINES`), and a fully configured branding.

use chrono::{DateTime, NaiveDate, Utc};
use o2c_domain::customer::{BillingAddress, CountryCode, Customer, EarlyPaymentDiscount, EmailStatus, Locale, Metadata, PaymentTerms, TimeZone};
use o2c_domain::ids::{CustomerId, InvoiceId};
use o2c_domain::invoice::{DraftRequest, Invoice, LineInput};
use o2c_domain::invoice_number::InvoiceNumber;
use o2c_domain::money::{Currency, Money, Percent, Quantity, UnitAmount};
use o2c_domain::text::{BoundedText, Email};

use crate::branding::Branding;

fn text<const N: usize>(s: &str) -> BoundedText<N> {
    BoundedText::parse(s).expect("sample text is valid")
}

fn email(s: &str) -> Email {
    Email::parse(s).expect("sample address is valid")
}

fn instant() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_420_800, 0).unwrap_or_default() // 2026-11-23T08:00:00Z
}

/// A seller with every field set: address, logo, reply-to, VAT number,
/// bank details.
pub fn branding() -> Branding {
    Branding {
        company_name: "Acme Software GmbH".into(),
        address_lines: vec!["Hauptstraße 1".into(), "10115 Berlin".into(), "Germany".into()],
        logo_url: Some("https://acme.example/logo.png".into()),
        reply_to: Some(email("ar@acme.example")),
        from: email("billing@example.com"),
        tax_id: Some("DE123456789".into()),
        payment_instructions: vec![
            "Example Bank AG".into(),
            "IBAN DE89 3704 0044 0532 0130 00".into(),
            "BIC COBADEFFXXX".into(),
        ],
    }
}

/// A customer writing `locale` (`en`, `de-DE`, `fr`...), paying in `currency`
/// on `2/10 net 30`, with a billing address in Germany and one cc.
pub fn customer(locale: &str, currency: &str) -> Customer {
    let c = Currency::parse(currency).expect("sample currency is valid");
    Customer {
        id: CustomerId::parse("cus_01KAN2Z4SEHQ2B8DM0ZJ7W6Q1C").expect("sample id is valid"),
        name: text("Müller & Söhne KG"),
        email: email("ap@mueller.example"),
        cc: vec![email("controller@mueller.example")],
        currency: c,
        payment_terms: PaymentTerms::new(
            30,
            Some(EarlyPaymentDiscount { percent: Percent::parse("2").expect("valid"), days: 10 }),
        )
        .expect("valid terms"),
        locale: Locale::parse(locale).expect("sample locale is valid"),
        time_zone: TimeZone::default(),
        billing_address: Some(BillingAddress {
            line1: Some(text("Industriestraße 42")),
            line2: None,
            city: Some(text("München")),
            postal_code: Some(text("80331")),
            region: None,
            country: CountryCode::parse("DE").expect("valid"),
        }),
        tax_id: Some(text("DE987654321")),
        credit_limit: None,
        external_id: None,
        metadata: Metadata::new(),
        balance: Money::zero(c),
        credit_balance: Money::zero(c),
        credit_hold: false,
        email_status: EmailStatus::Ok,
        dunning_policy: None,
        created_at: instant(),
    }
}

const DESCRIPTIONS: [&str; 5] = [
    "Consulting – system architecture review",
    "Software licence, annual (Enterprise plan)",
    "Support & maintenance, November",
    "Training day on site, including travel",
    "Data migration of the legacy ledger, phase 2",
];

/// `lines` sample lines at 19 % and 7 % (`1 <= lines <= MAX_LINES`).
pub fn lines(count: usize) -> Vec<LineInput> {
    (0..count)
        .map(|i| LineInput {
            description: text(DESCRIPTIONS[i % DESCRIPTIONS.len()]),
            quantity: Quantity::new(rust_decimal::Decimal::from(1 + i % 4)).expect("valid"),
            unit_amount: UnitAmount::parse(["1250", "99.5", "0.125", "480", "1234.5"][i % 5]).expect("valid"),
            tax_rate: Percent::parse(if i % 3 == 2 { "7" } else { "19" }).expect("valid"),
        })
        .collect()
}

/// A finalized invoice `INV-2026-000042` issued 2026-11-23 for `customer`.
pub fn invoice(customer: &Customer, lines: Vec<LineInput>) -> Invoice {
    let request = DraftRequest {
        currency: None,
        lines,
        issue_date: NaiveDate::from_ymd_opt(2026, 11, 23),
        due_date: None,
        memo: Some(text("Thank you for your order. Project: ERP rollout.")),
        po_number: Some(text("PO-7781")),
        metadata: Metadata::new(),
    };
    let id = InvoiceId::parse("inv_01KAN2ZB6XKJ8T0W3M4Q9V5R7P").expect("sample id is valid");
    let mut inv = Invoice::draft(id, customer, request, instant()).expect("sample invoice is valid");
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
    inv.finalize(InvoiceNumber::new(2026, 42).expect("valid"), today, instant()).expect("sample invoice finalizes");
    inv
}
