//! The receipt email, sent when o2c records a payment from a customer:
//! what was received, when and how, which invoices it settled and what is
//! held on account. HTML and plain-text parts from compile-time askama
//! templates (HTML auto-escaped) in a `multipart/alternative` message;
//! nothing is attached.

use askama::Template;
use chrono::{DateTime, Utc};
use o2c_domain::customer::Customer;
use o2c_domain::money::Money;

use crate::branding::{clean, Branding};
use crate::catalog::{self, Labels, ReceiptEmailCopy, ReceiptEmailFacts, ReceiptLabels};
use crate::email::{compose_to_customer, Parts};
use crate::error::DocumentError;
use crate::locale::{format_date, format_money, Lang};
use crate::view::{Party, Row};
use crate::Composed;

/// What a receipt says; built by the delivery function from the stored
/// payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptFacts {
    /// `pay_01J...`.
    pub payment_id: String,
    pub amount: Money,
    pub received_at: DateTime<Utc>,
    /// `card`, `bank_transfer`, `check`, `cash` or `other`; any other value
    /// reads as `other`.
    pub method: String,
    /// The payer's reference, free text.
    pub reference: Option<String>,
    /// Invoices this payment settled, in order.
    pub applied: Vec<ReceiptLine>,
    /// Held on account as credit (may be zero).
    pub unapplied: Money,
}

/// One invoice a payment settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptLine {
    /// `INV-2026-000042`.
    pub invoice_number: String,
    /// Applied to that invoice.
    pub amount: Money,
    /// What that invoice still has due after this payment.
    pub remaining_due: Money,
}

/// A [`ReceiptLine`] as the reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LineView {
    invoice_number: String,
    applied: String,
    /// The amount, or "Paid in full" when nothing remains due.
    remaining: String,
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptHtml<'a> {
    lang: &'a str,
    subject: &'a str,
    logo_url: Option<&'a str>,
    labels: &'static Labels,
    receipt_labels: &'static ReceiptLabels,
    seller: &'a Party,
    copy: &'a ReceiptEmailCopy,
    facts: &'a [Row],
    lines: &'a [LineView],
}

#[derive(Template)]
#[template(path = "receipt.txt")]
struct ReceiptText<'a> {
    labels: &'static Labels,
    receipt_labels: &'static ReceiptLabels,
    seller: &'a Party,
    copy: &'a ReceiptEmailCopy,
    facts: &'a [Row],
    lines: &'a [LineView],
}

fn parts(facts: &ReceiptFacts, customer: &Customer, branding: &Branding) -> Result<Parts, DocumentError> {
    let lang = Lang::for_locale(&customer.locale);
    let labels = catalog::labels(lang);
    let receipt_labels = catalog::receipt_labels(lang);
    let money = |m| format_money(m, lang);
    let amount = money(facts.amount);
    // The day the customer saw the money arrive, not the UTC day.
    let received_on = format_date(facts.received_at.with_timezone(&customer.time_zone.tz()).date_naive(), lang);
    let lines: Vec<LineView> = facts
        .applied
        .iter()
        .map(|l| LineView {
            invoice_number: clean(&l.invoice_number),
            applied: money(l.amount),
            remaining: if l.remaining_due.is_zero() { receipt_labels.paid_in_full.to_owned() } else { money(l.remaining_due) },
        })
        .collect();
    let unapplied = (!facts.unapplied.is_zero()).then(|| money(facts.unapplied));
    let seller = Party::seller(branding);
    let customer_name = clean(customer.name.as_str());
    let copy = catalog::receipt_email(
        lang,
        &ReceiptEmailFacts {
            customer: &customer_name,
            amount: &amount,
            received_on: &received_on,
            any_applied: !lines.is_empty(),
            unapplied: unapplied.as_deref(),
        },
    );

    let row = |label: &str, value: String| Row { label: label.to_owned(), value };
    let mut fact_rows = vec![
        row(receipt_labels.amount_received, amount.clone()),
        row(receipt_labels.date_received, received_on),
        row(receipt_labels.payment_method, catalog::payment_method(lang, &facts.method).to_owned()),
    ];
    if let Some(reference) = facts.reference.as_deref().map(clean).filter(|r| !r.is_empty()) {
        fact_rows.push(row(receipt_labels.your_reference, reference));
    }
    let payment_id = clean(&facts.payment_id);
    if !payment_id.is_empty() {
        fact_rows.push(row(receipt_labels.payment_id, payment_id));
    }

    let numbers: Vec<&str> = lines.iter().map(|l| l.invoice_number.as_str()).collect();
    let subject = clean(&catalog::receipt_subject(lang, &amount, &numbers));
    let html = ReceiptHtml {
        lang: lang.tag(),
        subject: &subject,
        logo_url: branding.logo_url.as_deref(),
        labels,
        receipt_labels,
        seller: &seller,
        copy: &copy,
        facts: &fact_rows,
        lines: &lines,
    }
    .render()
    .map_err(|e| DocumentError::Template { template: "receipt.html", source: e })?;
    let text = ReceiptText { labels, receipt_labels, seller: &seller, copy: &copy, facts: &fact_rows, lines: &lines }
        .render()
        .map_err(|e| DocumentError::Template { template: "receipt.txt", source: e })?;
    Ok(Parts { lang, subject, html, text })
}

/// [`compose_receipt_email`] at a given instant: `now` sets the Date
/// header and makes the Message-ID (`<payment id>.<millis>@<sender
/// domain>`) unique per send.
pub fn compose_receipt_email_at(facts: &ReceiptFacts, customer: &Customer, branding: &Branding, now: DateTime<Utc>) -> Result<Composed, DocumentError> {
    compose_to_customer(parts(facts, customer, branding)?, &facts.payment_id, "receipt", None, customer, branding, now)
}

/// The receipt email in the customer's language (falling back to English),
/// dated now: amount, date received (in the customer's time zone), method,
/// the payer's reference, the invoices settled and any credit held on
/// account. `multipart/alternative` with text and HTML, no attachment. See
/// [`compose_receipt_email_at`] for a fixed instant.
pub fn compose_receipt_email(facts: &ReceiptFacts, customer: &Customer, branding: &Branding) -> Result<Composed, DocumentError> {
    compose_receipt_email_at(facts, customer, branding, Utc::now())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use mail_parser::{MessageParser, MimeHeaders};
    use o2c_domain::customer::TimeZone;
    use o2c_domain::money::Currency;
    use o2c_domain::text::{BoundedText, Email};

    use super::*;
    use crate::sample;

    fn instant() -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_420_800, 0).unwrap() // 2026-11-23T08:00:00Z
    }

    fn money(text: &str, code: &str) -> Money {
        Money::parse(text, Currency::parse(code).unwrap()).unwrap()
    }

    fn line(number: &str, applied: &str, remaining: &str, code: &str) -> ReceiptLine {
        ReceiptLine { invoice_number: number.to_owned(), amount: money(applied, code), remaining_due: money(remaining, code) }
    }

    /// A payment of `amount` by bank transfer, nothing held on account.
    fn payment(amount: &str, code: &str, applied: Vec<ReceiptLine>) -> ReceiptFacts {
        ReceiptFacts {
            payment_id: "pay_01KAN3A7Q2W8E4R6T1Y3U5I7O9".to_owned(),
            amount: money(amount, code),
            received_at: instant(),
            method: "bank_transfer".to_owned(),
            reference: Some("Remittance 2026/11-42".to_owned()),
            applied,
            unapplied: Money::zero(Currency::parse(code).unwrap()),
        }
    }

    /// €1,234.50 settling INV-2026-000042 in full.
    fn facts() -> ReceiptFacts {
        payment("1234.5", "EUR", vec![line("INV-2026-000042", "1234.5", "0", "EUR")])
    }

    fn compose(facts: &ReceiptFacts, customer: &Customer, branding: &Branding) -> Composed {
        compose_receipt_email_at(facts, customer, branding, instant()).unwrap()
    }

    fn compose_for(locale: &str, facts: &ReceiptFacts) -> Composed {
        compose(facts, &sample::customer(locale, facts.amount.currency().code()), &sample::branding())
    }

    /// The header names of a raw message, one per logical line.
    fn header_names(raw: &[u8]) -> Vec<String> {
        let text = String::from_utf8(raw.to_vec()).unwrap();
        let head = text.split("\r\n\r\n").next().unwrap();
        head.split("\r\n")
            .filter(|l| !l.starts_with(' ') && !l.starts_with('\t'))
            .map(|l| l.split(':').next().unwrap().to_owned())
            .collect()
    }

    const EXPECTED_HEADERS: [&str; 10] =
        ["From", "To", "Subject", "Date", "Message-ID", "Content-Language", "Cc", "Reply-To", "MIME-Version", "Content-Type"];

    #[test]
    fn the_subject_names_the_amount_and_the_settled_invoice_in_the_customers_language() {
        for (locale, subject) in [
            ("en", "Payment received: €1,234.50 for INV-2026-000042, thank you"),
            ("de-DE", "Zahlung erhalten: 1.234,50\u{A0}€ für INV-2026-000042, vielen Dank"),
            ("fr", "Paiement reçu\u{202F}: 1\u{202F}234,50\u{A0}€ pour INV-2026-000042, merci"),
            ("es", "Payment received: €1,234.50 for INV-2026-000042, thank you"),
        ] {
            let composed = compose_for(locale, &facts());
            assert_eq!(composed.subject, subject, "{locale}");
            let parsed = MessageParser::default().parse(&composed.raw_mime).unwrap();
            assert_eq!(parsed.subject(), Some(subject), "{locale}");
        }
    }

    #[test]
    fn the_subject_names_up_to_three_invoices_and_counts_the_rest() {
        let mut f = facts();
        f.applied = (1..=3).map(|i| line(&format!("INV-2026-00000{i}"), "100", "0", "EUR")).collect();
        assert_eq!(
            compose_for("en", &f).subject,
            "Payment received: €1,234.50 for INV-2026-000001, INV-2026-000002 and INV-2026-000003, thank you"
        );
        f.applied = (1..=5).map(|i| line(&format!("INV-2026-00000{i}"), "100", "0", "EUR")).collect();
        for (locale, subject) in [
            ("en", "Payment received: €1,234.50 for INV-2026-000001, INV-2026-000002, INV-2026-000003 and 2 more, thank you"),
            ("de", "Zahlung erhalten: 1.234,50\u{A0}€ für INV-2026-000001, INV-2026-000002, INV-2026-000003 und 2 weitere, vielen Dank"),
            ("fr", "Paiement reçu\u{202F}: 1\u{202F}234,50\u{A0}€ pour INV-2026-000001, INV-2026-000002, INV-2026-000003 et 2 autres, merci"),
        ] {
            let composed = compose_for(locale, &f);
            assert_eq!(composed.subject, subject, "{locale}");
            // Every settled invoice is still listed in the body.
            assert!(composed.text.contains("INV-2026-000005") && composed.html.contains("INV-2026-000005"), "{locale}");
        }
    }

    #[test]
    fn a_payment_that_settled_no_invoice_names_only_the_amount() {
        let mut f = payment("20", "USD", Vec::new());
        f.unapplied = money("20", "USD");
        let composed = compose_for("en", &f);
        assert_eq!(composed.subject, "Payment received: $20.00, thank you");
        assert!(!composed.text.contains("We have applied it"), "{}", composed.text);
        assert!(!composed.html.contains("<th"));
    }

    #[test]
    fn the_html_escapes_a_script_in_the_customer_name() {
        let mut customer = sample::customer("en", "EUR");
        customer.name = BoundedText::parse("<script>alert(1)</script>").unwrap();
        let composed = compose(&facts(), &customer, &sample::branding());
        assert!(!composed.html.contains("<script>"), "raw script tag in the HTML");
        assert!(composed.html.contains("&#60;script&#62;alert(1)&#60;/script&#62;") || composed.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        // Plain text is not HTML: it shows the name as typed.
        assert!(composed.text.contains("Hello <script>alert(1)</script>,"));
    }

    #[test]
    fn line_breaks_in_a_reference_company_name_or_payment_id_never_start_a_header_of_their_own() {
        let mut f = facts();
        f.reference = Some("REF-1\r\nBcc: evil@attacker.example\r\n\r\n<b>body</b>".to_owned());
        f.payment_id = "pay_01\r\nX-Injected: yes".to_owned();
        f.applied[0].invoice_number = "INV-2026-000042\r\nX-Number: yes".to_owned();
        let customer = sample::customer("en", "EUR");
        let mut branding = sample::branding();
        branding.company_name = "Acme\r\nBcc: evil@attacker.example\r\nX-Injected: yes\nSubject: spoofed".into();
        let composed = compose(&f, &customer, &branding);

        let expected: BTreeSet<String> = EXPECTED_HEADERS.iter().map(|s| (*s).to_owned()).collect();
        let names = header_names(&composed.raw_mime);
        assert_eq!(names.iter().cloned().collect::<BTreeSet<_>>(), expected);
        assert_eq!(names.len(), expected.len(), "{names:?}");
        let parsed = MessageParser::default().parse(&composed.raw_mime).unwrap();
        let parsed_names: BTreeSet<String> = parsed.headers().iter().map(|h| h.name.as_str().to_owned()).collect();
        assert_eq!(parsed_names, expected);
        assert!(parsed.header("Bcc").is_none());
        assert_eq!(parsed.subject(), Some("Payment received: €1,234.50 for INV-2026-000042 X-Number: yes, thank you"));
        assert_eq!(parsed.message_id(), Some("pay_01X-Injectedyes.1795420800000@example.com"));
        let from = parsed.from().unwrap().first().unwrap();
        assert_eq!(from.address(), Some("billing@example.com"));
        assert_eq!(from.name(), Some("Acme Bcc: evil@attacker.example X-Injected: yes Subject: spoofed"));
        // The reference stays one line of the body, escaped in the HTML.
        assert!(composed.text.contains("Your reference: REF-1 Bcc: evil@attacker.example <b>body</b>\n"), "{}", composed.text);
        assert!(!composed.html.contains("<b>body</b>"));
        assert_eq!(parsed.body_text(0).unwrap().replace("\r\n", "\n").trim_end(), composed.text.trim_end());
    }

    #[test]
    fn yen_and_dinar_amounts_print_exactly_their_minor_digits() {
        let mut f = payment("2000", "JPY", vec![line("INV-2026-000042", "1500", "500", "JPY")]);
        f.unapplied = money("500", "JPY");
        let composed = compose_for("en", &f);
        assert_eq!(composed.subject, "Payment received: ¥2,000 for INV-2026-000042, thank you");
        assert!(composed.text.contains("INV-2026-000042 | ¥1,500 | ¥500\n"), "{}", composed.text);
        assert!(composed.text.contains("The remaining ¥500 is held on your account as credit"), "{}", composed.text);

        let f = payment("12.34", "BHD", vec![line("INV-2026-000042", "12.34", "0.005", "BHD")]);
        let en = compose_for("en", &f);
        assert_eq!(en.subject, "Payment received: BHD\u{A0}12.340 for INV-2026-000042, thank you");
        assert!(en.text.contains("INV-2026-000042 | BHD\u{A0}12.340 | BHD\u{A0}0.005\n"), "{}", en.text);
        let de = compose_for("de", &f);
        assert!(de.text.contains("Erhaltener Betrag: 12,340\u{A0}BHD\n"), "{}", de.text);
    }

    #[test]
    fn the_message_has_a_text_part_and_an_html_part_and_no_attachment() {
        let composed = compose_for("de", &facts());
        let parsed = MessageParser::default().parse(&composed.raw_mime).unwrap();
        assert_eq!(parsed.content_type().map(|c| (c.ctype(), c.subtype())), Some(("multipart", Some("alternative"))));
        assert_eq!(parsed.text_body_count(), 1);
        assert_eq!(parsed.html_body_count(), 1);
        assert_eq!(parsed.attachment_count(), 0);
        assert_eq!(parsed.body_text(0).unwrap().replace("\r\n", "\n").trim_end(), composed.text.trim_end());
        assert_eq!(parsed.body_html(0).unwrap().replace("\r\n", "\n").trim_end(), composed.html.trim_end());
        assert_eq!(parsed.header("Content-Language").and_then(|h| h.as_text()), Some("de"));
    }

    #[test]
    fn the_plain_text_part_contains_no_html_and_the_html_uses_the_shared_layout() {
        let composed = compose_for("en", &facts());
        for markup in ["<p", "<br", "<table", "<td", "<strong", "</", "&amp;", "&#", "&lt;", "style="] {
            assert!(!composed.text.contains(markup), "{markup} in the text part:\n{}", composed.text);
        }
        assert!(composed.html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert!(composed.html.contains("https://acme.example/logo.png") && composed.html.contains("DE123456789"));
        assert!(composed.text.ends_with("Acme Software GmbH\nHauptstraße 1\n10115 Berlin\nGermany\nTax ID DE123456789"), "{}", composed.text);
    }

    #[test]
    fn to_and_cc_are_the_customers_email_and_cc_list_without_duplicates() {
        let mut customer = sample::customer("en", "EUR");
        let cc2 = Email::parse("ceo@mueller.example").unwrap();
        customer.cc.push(cc2.clone());
        customer.cc.push(customer.email.clone());
        customer.cc.push(cc2.clone());
        let composed = compose(&facts(), &customer, &sample::branding());
        assert_eq!(composed.to, vec![customer.email.clone()]);
        assert_eq!(composed.cc, vec![Email::parse("controller@mueller.example").unwrap(), cc2]);
        let parsed = MessageParser::default().parse(&composed.raw_mime).unwrap();
        let to: Vec<&str> = parsed.to().unwrap().iter().filter_map(|a| a.address()).collect();
        assert_eq!(to, ["ap@mueller.example"]);
        let cc: Vec<&str> = parsed.cc().unwrap().iter().filter_map(|a| a.address()).collect();
        assert_eq!(cc, ["controller@mueller.example", "ceo@mueller.example"]);

        customer.cc.clear();
        let composed = compose(&facts(), &customer, &sample::branding());
        assert!(composed.cc.is_empty() && !header_names(&composed.raw_mime).iter().any(|n| n == "Cc"));
    }

    #[test]
    fn the_unapplied_amount_is_mentioned_only_when_not_zero() {
        let without = compose_for("en", &facts());
        assert!(!without.text.contains("held on your account") && !without.html.contains("held on your account"));

        let mut f = facts();
        f.amount = money("1300", "EUR");
        f.unapplied = money("65.5", "EUR");
        for (locale, sentence) in [
            ("en", "The remaining €65.50 is held on your account as credit"),
            ("de", "Den Betrag von 65,50\u{A0}€ führen wir als Guthaben auf Ihrem Kundenkonto"),
            ("fr", "Le montant de 65,50\u{A0}€ est conservé sur votre compte sous forme d’avoir"),
        ] {
            let with = compose_for(locale, &f);
            assert!(with.text.contains(sentence) && with.html.contains(sentence), "{locale}:\n{}", with.text);
        }
    }

    #[test]
    fn an_invoice_with_nothing_left_due_reads_paid_in_full() {
        let mut f = facts();
        f.applied = vec![line("INV-2026-000041", "1000", "0", "EUR"), line("INV-2026-000042", "234.5", "100", "EUR")];
        let en = compose_for("en", &f);
        assert!(en.text.contains("INV-2026-000041 | €1,000.00 | Paid in full\n"), "{}", en.text);
        assert!(en.text.contains("INV-2026-000042 | €234.50 | €100.00\n"), "{}", en.text);
        assert_eq!(en.html.matches("Paid in full").count(), 1);
        assert!(compose_for("de", &f).text.contains("| Vollständig bezahlt\n"));
        assert!(compose_for("fr", &f).text.contains("| Entièrement réglée\n"));
    }

    #[test]
    fn method_date_and_reference_are_written_for_the_customer() {
        let mut customer = sample::customer("de", "EUR");
        customer.time_zone = TimeZone::parse("Asia/Tokyo").unwrap();
        let mut f = facts();
        f.received_at = DateTime::from_timestamp(1_795_474_800, 0).unwrap(); // 2026-11-23T23:00:00Z, the 24th in Tokyo
        let composed = compose(&f, &customer, &sample::branding());
        assert!(composed.text.contains("vielen Dank für Ihre Zahlung über 1.234,50\u{A0}€, eingegangen am 24.11.2026."), "{}", composed.text);
        assert!(composed.text.contains("Zahlungsart: Überweisung\n"));
        assert!(composed.text.contains("Ihre Referenz: Remittance 2026/11-42\n"));
        assert!(composed.text.contains("Zahlungs-ID: pay_01KAN3A7Q2W8E4R6T1Y3U5I7O9\n"));

        f.reference = None;
        f.method = "check".to_owned();
        let en = compose_for("en", &f);
        assert!(en.text.contains("received on 23 November 2026."), "{}", en.text);
        assert!(en.text.contains("Payment method: check\n") && !en.text.contains("Your reference"));
        assert!(compose_for("fr", &f).text.contains("Mode de paiement\u{202F}: chèque\n"));
    }

    #[test]
    fn date_and_message_id_come_from_the_instant_and_the_payment() {
        let customer = sample::customer("en", "EUR");
        let branding = sample::branding();
        let a = compose_receipt_email_at(&facts(), &customer, &branding, instant()).unwrap();
        let again = compose_receipt_email_at(&facts(), &customer, &branding, instant()).unwrap();
        // Only the MIME boundary differs between two composes.
        assert!((&a.subject, &a.to, &a.cc, &a.html, &a.text) == (&again.subject, &again.to, &again.cc, &again.html, &again.text));
        let later = compose_receipt_email_at(&facts(), &customer, &branding, instant() + chrono::Duration::seconds(1)).unwrap();
        let (a, later) = (MessageParser::default().parse(&a.raw_mime).unwrap(), MessageParser::default().parse(&later.raw_mime).unwrap());
        assert_eq!(a.date().unwrap().to_timestamp(), 1_795_420_800);
        assert_eq!(a.message_id(), Some("pay_01KAN3A7Q2W8E4R6T1Y3U5I7O9.1795420800000@example.com"));
        assert_ne!(a.message_id(), later.message_id());
        assert!(compose_receipt_email(&facts(), &customer, &branding).is_ok());
    }
}
