//! The dunning reminder email, sent when a customer's dunning step fires:
//! the invoices it is about (number, due date, how many days overdue or
//! until due, amount due), the total due, how to pay and, when the step
//! put the account on credit hold, that it did. One of four tones
//! ([`ReminderTone`]) from the step's template name. HTML and plain-text
//! parts from compile-time askama templates (HTML auto-escaped) in a
//! `multipart/alternative` message; nothing is attached.

use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use o2c_domain::customer::Customer;
use o2c_domain::money::{Currency, Money};
use rust_decimal::Decimal;

use crate::branding::{clean, Branding};
use crate::catalog::{self, Labels, ReminderEmailCopy, ReminderEmailFacts, ReminderLabels, ReminderTone};
use crate::email::{compose_to_customer, Parts};
use crate::error::DocumentError;
use crate::locale::{format_currency_amount, format_date, format_money, Lang};
use crate::view::{Party, Row};
use crate::Composed;

/// What a reminder says; built by the reminder sender from the fired
/// dunning step and the customer's open invoices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderFacts {
    /// Deterministic id of this reminder (`rem_cus_01J..._2026-12-01`); the
    /// Message-ID starts with it.
    pub reminder_id: String,
    /// The dunning step's template name: `friendly`, `reminder`, `firm` and
    /// `final` are built in; any other name reads as `reminder`.
    pub template: String,
    /// This reminder put the customer's account on credit hold: the email
    /// says so (new orders and invoices are paused until paid).
    pub credit_hold: bool,
    /// The customer-local day this reminder is for: "N days overdue" and
    /// "due in N days" count from it.
    pub send_on: NaiveDate,
    /// The invoices it lists, in due-date order (listed as given); never
    /// empty ([`DocumentError::NoInvoices`]).
    pub invoices: Vec<ReminderLine>,
}

/// One invoice a reminder lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderLine {
    /// `INV-2026-000042`.
    pub invoice_number: String,
    pub due_date: NaiveDate,
    /// What is still due on it.
    pub amount_due: Money,
}

/// A [`ReminderLine`] as the reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LineView {
    invoice_number: String,
    due_date: String,
    /// `due in 3 days`, `due today`, `5 days overdue`.
    status: String,
    overdue: bool,
    amount_due: String,
}

#[derive(Template)]
#[template(path = "reminder.html")]
struct ReminderHtml<'a> {
    lang: &'a str,
    subject: &'a str,
    logo_url: Option<&'a str>,
    labels: &'static Labels,
    reminder_labels: &'static ReminderLabels,
    seller: &'a Party,
    copy: &'a ReminderEmailCopy,
    lines: &'a [LineView],
    totals: &'a [Row],
    payment: &'a [String],
}

#[derive(Template)]
#[template(path = "reminder.txt")]
struct ReminderText<'a> {
    labels: &'static Labels,
    reminder_labels: &'static ReminderLabels,
    seller: &'a Party,
    copy: &'a ReminderEmailCopy,
    lines: &'a [LineView],
    totals: &'a [Row],
    payment: &'a [String],
}

/// The amount due summed per currency, in the order the currencies first
/// appear. Summed as decimals, so a total above the bound of a single
/// [`Money`] still prints.
fn totals_by_currency(invoices: &[ReminderLine]) -> Vec<(Currency, Decimal)> {
    let mut totals: Vec<(Currency, Decimal)> = Vec::new();
    for line in invoices {
        let currency = line.amount_due.currency();
        match totals.iter_mut().find(|(c, _)| *c == currency) {
            Some((_, sum)) => *sum += line.amount_due.amount(),
            None => totals.push((currency, line.amount_due.amount())),
        }
    }
    totals
}

fn parts(facts: &ReminderFacts, customer: &Customer, branding: &Branding) -> Result<Parts, DocumentError> {
    if facts.invoices.is_empty() {
        return Err(DocumentError::NoInvoices);
    }
    let lang = Lang::for_locale(&customer.locale);
    let labels = catalog::labels(lang);
    let reminder_labels = catalog::reminder_labels(lang);
    let tone = ReminderTone::for_template(&facts.template);
    let lines: Vec<LineView> = facts
        .invoices
        .iter()
        .map(|l| {
            let days_until_due = (l.due_date - facts.send_on).num_days();
            LineView {
                invoice_number: clean(&l.invoice_number),
                due_date: format_date(l.due_date, lang),
                status: catalog::due_status(lang, days_until_due),
                overdue: days_until_due < 0,
                amount_due: format_money(l.amount_due, lang),
            }
        })
        .collect();
    let totals_by_currency = totals_by_currency(&facts.invoices);
    let several_currencies = totals_by_currency.len() > 1;
    let totals: Vec<Row> = totals_by_currency
        .into_iter()
        .map(|(currency, sum)| Row {
            label: if several_currencies {
                format!("{} ({})", reminder_labels.total_due, currency.code())
            } else {
                reminder_labels.total_due.to_owned()
            },
            value: format_currency_amount(sum, currency, currency.minor_digits(), lang),
        })
        .collect();

    let seller = Party::seller(branding);
    let customer_name = clean(customer.name.as_str());
    let copy = catalog::reminder_email(
        lang,
        &ReminderEmailFacts { customer: &customer_name, tone, several: lines.len() > 1, credit_hold: facts.credit_hold },
    );
    let numbers: Vec<&str> = lines.iter().map(|l| l.invoice_number.as_str()).collect();
    let mut payment: Vec<String> = branding.payment_instructions.iter().map(|l| clean(l)).filter(|l| !l.is_empty()).collect();
    payment.push(catalog::reminder_payment_reference(lang, &numbers));

    let subject = clean(&catalog::reminder_subject(lang, &facts.template, &numbers, &seller.name));
    let html = ReminderHtml {
        lang: lang.tag(),
        subject: &subject,
        logo_url: branding.logo_url.as_deref(),
        labels,
        reminder_labels,
        seller: &seller,
        copy: &copy,
        lines: &lines,
        totals: &totals,
        payment: &payment,
    }
    .render()
    .map_err(|e| DocumentError::Template { template: "reminder.html", source: e })?;
    let text = ReminderText { labels, reminder_labels, seller: &seller, copy: &copy, lines: &lines, totals: &totals, payment: &payment }
        .render()
        .map_err(|e| DocumentError::Template { template: "reminder.txt", source: e })?;
    Ok(Parts { lang, subject, html, text })
}

/// [`compose_reminder_email`] at a given instant: `now` sets the Date
/// header and makes the Message-ID (`<reminder id>.<millis>@<sender
/// domain>`) unique per send.
pub fn compose_reminder_email_at(facts: &ReminderFacts, customer: &Customer, branding: &Branding, now: DateTime<Utc>) -> Result<Composed, DocumentError> {
    compose_to_customer(parts(facts, customer, branding)?, &facts.reminder_id, "reminder", None, customer, branding, now)
}

/// The reminder email in the customer's language (falling back to
/// English), dated now: the invoices with their due dates, days overdue or
/// until due (counted from `send_on`) and amounts due, the total due per
/// currency, how to pay and, with `credit_hold`, that the account is on
/// hold. Worded as the template's tone asks. `multipart/alternative` with
/// text and HTML, no attachment. See [`compose_reminder_email_at`] for a
/// fixed instant.
pub fn compose_reminder_email(facts: &ReminderFacts, customer: &Customer, branding: &Branding) -> Result<Composed, DocumentError> {
    compose_reminder_email_at(facts, customer, branding, Utc::now())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use mail_parser::{MessageParser, MimeHeaders};
    use o2c_domain::money::Currency;
    use o2c_domain::text::{BoundedText, Email};

    use super::*;
    use crate::sample;

    fn instant() -> DateTime<Utc> {
        DateTime::from_timestamp(1_796_112_000, 0).unwrap() // 2026-12-01T08:00:00Z
    }

    fn day(month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, month, day).unwrap()
    }

    fn money(text: &str, code: &str) -> Money {
        Money::parse(text, Currency::parse(code).unwrap()).unwrap()
    }

    fn line(number: &str, due_date: NaiveDate, amount_due: &str, code: &str) -> ReminderLine {
        ReminderLine { invoice_number: number.to_owned(), due_date, amount_due: money(amount_due, code) }
    }

    /// `count` invoices INV-2026-000001.. due 21 November 2026, €100 each.
    fn lines(count: usize) -> Vec<ReminderLine> {
        (1..=count).map(|i| line(&format!("INV-2026-{i:06}"), day(11, 21), "100", "EUR")).collect()
    }

    /// A `template` reminder for 1 December 2026, without a credit hold.
    fn reminder(template: &str, invoices: Vec<ReminderLine>) -> ReminderFacts {
        ReminderFacts {
            reminder_id: "rem_cus_01KAN2Z4SEHQ2B8DM0ZJ7W6Q1C_2026-12-01".to_owned(),
            template: template.to_owned(),
            credit_hold: false,
            send_on: day(12, 1),
            invoices,
        }
    }

    /// INV-2026-000042: €1,234.50, due 21 November 2026 (10 days overdue).
    fn facts() -> ReminderFacts {
        reminder("reminder", vec![line("INV-2026-000042", day(11, 21), "1234.5", "EUR")])
    }

    fn compose(facts: &ReminderFacts, customer: &Customer, branding: &Branding) -> Composed {
        compose_reminder_email_at(facts, customer, branding, instant()).unwrap()
    }

    fn compose_for(locale: &str, facts: &ReminderFacts) -> Composed {
        compose(facts, &sample::customer(locale, "EUR"), &sample::branding())
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
    fn the_subject_lists_every_invoice_number_up_to_five_then_counts_the_rest() {
        let first5 = "INV-2026-000001, INV-2026-000002, INV-2026-000003, INV-2026-000004, INV-2026-000005";
        let company = "Acme Software GmbH";
        for (count, locale, subject) in [
            (1, "en", format!("Payment reminder: INV-2026-000001 – {company}")),
            (1, "de", format!("Zahlungserinnerung: INV-2026-000001 – {company}")),
            (1, "fr", format!("Rappel de paiement\u{202F}: INV-2026-000001 – {company}")),
            (5, "en", format!("Payment reminder: {first5} – {company}")),
            (5, "de", format!("Zahlungserinnerung: {first5} – {company}")),
            (5, "fr", format!("Rappel de paiement\u{202F}: {first5} – {company}")),
            (6, "en", format!("Payment reminder: {first5} and 1 more – {company}")),
            (6, "de", format!("Zahlungserinnerung: {first5} und 1 weitere – {company}")),
            (6, "fr", format!("Rappel de paiement\u{202F}: {first5} et 1 autre – {company}")),
            (12, "en", format!("Payment reminder: {first5} and 7 more – {company}")),
            (12, "de", format!("Zahlungserinnerung: {first5} und 7 weitere – {company}")),
            (12, "fr", format!("Rappel de paiement\u{202F}: {first5} et 7 autres – {company}")),
            (12, "es-MX", format!("Payment reminder: {first5} and 7 more – {company}")),
        ] {
            let composed = compose_for(locale, &reminder("reminder", lines(count)));
            assert_eq!(composed.subject, subject, "{count} invoices, {locale}");
            let parsed = MessageParser::default().parse(&composed.raw_mime).unwrap();
            assert_eq!(parsed.subject(), Some(subject.as_str()), "{count} invoices, {locale}");
            // The body lists every invoice, whatever the subject leaves out.
            for i in 1..=count {
                let number = format!("INV-2026-{i:06}");
                assert!(composed.text.contains(&number) && composed.html.contains(&number), "{number} missing, {locale}");
            }
            assert!(!composed.subject.contains(&format!("INV-2026-{:06}", 6)), "{locale}: a sixth number in the subject");
        }
    }

    #[test]
    fn each_tone_names_its_subject_in_each_language_singular_or_plural() {
        for (locale, one, two) in [
            ("en", ["Upcoming payment:", "Payment reminder:", "Overdue invoice:", "Final notice:"], ["Upcoming payment:", "Payment reminder:", "Overdue invoices:", "Final notice:"]),
            ("de", ["Anstehende Zahlung:", "Zahlungserinnerung:", "Überfällige Rechnung:", "Letzte Mahnung:"], ["Anstehende Zahlung:", "Zahlungserinnerung:", "Überfällige Rechnungen:", "Letzte Mahnung:"]),
            (
                "fr",
                ["Échéance à venir\u{202F}:", "Rappel de paiement\u{202F}:", "Facture impayée\u{202F}:", "Dernier rappel\u{202F}:"],
                ["Échéances à venir\u{202F}:", "Rappel de paiement\u{202F}:", "Factures impayées\u{202F}:", "Dernier rappel\u{202F}:"],
            ),
        ] {
            for (i, template) in ["friendly", "reminder", "firm", "final"].into_iter().enumerate() {
                let single = compose_for(locale, &reminder(template, lines(1)));
                assert_eq!(single.subject, format!("{} INV-2026-000001 – Acme Software GmbH", one[i]), "{locale} {template}");
                let double = compose_for(locale, &reminder(template, lines(2)));
                assert_eq!(double.subject, format!("{} INV-2026-000001, INV-2026-000002 – Acme Software GmbH", two[i]), "{locale} {template}");
            }
        }
    }

    #[test]
    fn each_tone_has_its_own_wording_in_each_language() {
        for locale in ["en", "de", "fr"] {
            let composed: Vec<Composed> = ["friendly", "reminder", "firm", "final"].map(|t| compose_for(locale, &reminder(t, lines(2)))).into();
            let subjects: BTreeSet<&str> = composed.iter().map(|c| c.subject.as_str()).collect();
            let texts: BTreeSet<&str> = composed.iter().map(|c| c.text.as_str()).collect();
            assert_eq!((subjects.len(), texts.len()), (4, 4), "{locale}");
            let lang = Lang::for_locale(&sample::customer(locale, "EUR").locale);
            for several in [false, true] {
                let copies = ReminderTone::ALL.map(|tone| catalog::reminder_email(lang, &ReminderEmailFacts { customer: "X", tone, several, credit_hold: false }));
                let fields: [fn(&ReminderEmailCopy) -> &'static str; 3] = [|c| c.intro, |c| c.request, |c| c.questions];
                for (i, field) in fields.into_iter().enumerate() {
                    let distinct: BTreeSet<&str> = copies.iter().map(field).collect();
                    // Friendly and reminder close with the same invitation to ask.
                    assert_eq!(distinct.len(), if i == 2 { 3 } else { 4 }, "{locale}: {distinct:?}");
                }
                if several {
                    for (composed, copy) in composed.iter().zip(&copies) {
                        assert!(composed.text.contains(copy.intro) && composed.text.contains(copy.request), "{locale}:\n{}", composed.text);
                    }
                }
            }
        }
        let en = |t| compose_for("en", &reminder(t, lines(1))).text;
        assert!(en("friendly").contains("friendly reminder that the following invoice is due for payment soon"));
        assert!(en("reminder").contains("has not yet been paid") && en("reminder").contains("at your earliest convenience"));
        let firm = en("firm");
        assert!(firm.contains("Please pay the outstanding amount now.") && firm.contains("If there is a problem with this invoice or its payment, please reply to this email"), "{firm}");
        let last = en("final");
        assert!(last.contains("final notice") && last.contains("further collection steps"), "{last}");
        for lawyerly in ["legal", "court", "lawyer", "attorney", "solicitor"] {
            assert!(!last.contains(lawyerly), "{lawyerly}");
        }
        assert!(compose_for("de", &reminder("final", lines(1))).text.contains("weitere Schritte zur Einziehung der Forderung"));
        assert!(compose_for("fr", &reminder("final", lines(1))).text.contains("d’autres démarches de recouvrement"));
    }

    #[test]
    fn an_unknown_template_name_reads_as_reminder() {
        for locale in ["en", "de", "fr"] {
            let known = compose_for(locale, &reminder("reminder", lines(3)));
            for name in ["gentle-nudge", "step_2", "Firm", ""] {
                let unknown = compose_for(locale, &reminder(name, lines(3)));
                assert_eq!((&unknown.subject, &unknown.text, &unknown.html), (&known.subject, &known.text, &known.html), "{locale} {name:?}");
            }
        }
        assert_eq!(ReminderTone::for_template("overdue-30"), ReminderTone::Reminder);
        assert_eq!(catalog::reminder_subject(Lang::En, "escalation", &["A"], "Acme"), "Payment reminder: A – Acme");
    }

    #[test]
    fn each_line_says_how_long_overdue_or_until_due_counted_from_send_on() {
        let f = reminder(
            "friendly",
            vec![
                line("INV-A", day(11, 21), "100", "EUR"),
                line("INV-B", day(11, 30), "100", "EUR"),
                line("INV-C", day(12, 1), "100", "EUR"),
                line("INV-D", day(12, 2), "100", "EUR"),
                line("INV-E", day(12, 4), "100", "EUR"),
            ],
        );
        let en = compose_for("en", &f);
        for expected in [
            "INV-A | 21 November 2026 | 10 days overdue | €100.00\n",
            "INV-B | 30 November 2026 | 1 day overdue | €100.00\n",
            "INV-C | 1 December 2026 | due today | €100.00\n",
            "INV-D | 2 December 2026 | due in 1 day | €100.00\n",
            "INV-E | 4 December 2026 | due in 3 days | €100.00\n",
        ] {
            assert!(en.text.contains(expected), "{expected:?} missing:\n{}", en.text);
        }
        for status in ["10 days overdue", "1 day overdue", "due today", "due in 1 day", "due in 3 days"] {
            assert!(en.html.contains(&format!(">{status}</td>")), "{status}");
        }
        let de = compose_for("de", &f);
        for expected in ["INV-A | 21.11.2026 | 10 Tage überfällig | 100,00\u{A0}€\n", "| 1 Tag überfällig |", "| heute fällig |", "| fällig in 1 Tag |", "INV-E | 04.12.2026 | fällig in 3 Tagen |"] {
            assert!(de.text.contains(expected), "{expected:?} missing:\n{}", de.text);
        }
        let fr = compose_for("fr", &f);
        for expected in [
            "INV-A | 21/11/2026 | 10\u{A0}jours de retard | 100,00\u{A0}€\n",
            "| 1\u{A0}jour de retard |",
            "| échéance aujourd’hui |",
            "| échéance dans 1\u{A0}jour |",
            "INV-E | 04/12/2026 | échéance dans 3\u{A0}jours |",
        ] {
            assert!(fr.text.contains(expected), "{expected:?} missing:\n{}", fr.text);
        }
        // The same invoices a week later: every count moves by seven days.
        let mut later = f.clone();
        later.send_on = day(12, 8);
        let text = compose_for("en", &later).text;
        assert!(text.contains("| 17 days overdue |") && text.contains("| 7 days overdue |") && text.contains("| 4 days overdue |"), "{text}");
    }

    #[test]
    fn the_html_escapes_invoice_numbers_and_the_customer_name() {
        let mut customer = sample::customer("en", "EUR");
        customer.name = BoundedText::parse("<script>alert(1)</script> & Co").unwrap();
        let f = reminder("firm", vec![line("INV-<b>1</b>&2", day(11, 21), "10", "EUR")]);
        let composed = compose(&f, &customer, &sample::branding());
        assert!(!composed.html.contains("<script>") && !composed.html.contains("<b>1</b>"), "raw markup in the HTML");
        assert!(!composed.html.contains("</script> & Co") && !composed.html.contains("</b>&2"));
        assert!(
            composed.html.contains("&#60;script&#62;alert(1)&#60;/script&#62; &#38; Co")
                || composed.html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"),
            "{}",
            composed.html
        );
        assert!(composed.html.contains("INV-&#60;b&#62;1&#60;/b&#62;&#38;2") || composed.html.contains("INV-&lt;b&gt;1&lt;/b&gt;&amp;2"));
        // Plain text is not HTML: it shows both as typed.
        assert!(composed.text.contains("Hello <script>alert(1)</script> & Co,"));
        assert!(composed.text.contains("INV-<b>1</b>&2 | 21 November 2026"));
        // The subject is a header, not HTML: as typed there too.
        assert_eq!(composed.subject, "Overdue invoice: INV-<b>1</b>&2 – Acme Software GmbH");
    }

    #[test]
    fn the_credit_hold_sentence_appears_only_when_the_reminder_set_the_hold() {
        for (locale, sentence) in [
            ("en", "Your account has been placed on credit hold: new orders and invoices are paused until the outstanding amount has been paid."),
            ("de", "Ihr Kundenkonto ist vorübergehend gesperrt: Neue Bestellungen und Rechnungen sind bis zum Ausgleich des offenen Betrags ausgesetzt."),
            ("fr", "Votre compte client est suspendu\u{202F}: les nouvelles commandes et factures sont en attente jusqu’au règlement du montant dû."),
        ] {
            for template in ["friendly", "reminder", "firm", "final"] {
                let mut f = reminder(template, lines(2));
                let without = compose_for(locale, &f);
                assert!(!without.text.contains(sentence) && !without.html.contains(sentence), "{locale} {template}");
                f.credit_hold = true;
                let with = compose_for(locale, &f);
                assert!(with.text.contains(&format!("\n\n{sentence}\n\n")), "{locale} {template}:\n{}", with.text);
                assert!(with.html.contains(sentence), "{locale} {template}");
                assert_eq!(with.subject, without.subject);
            }
        }
    }

    #[test]
    fn the_message_has_a_text_part_and_an_html_part_and_no_attachment() {
        for locale in ["en", "de", "fr"] {
            let composed = compose_for(locale, &reminder("firm", lines(3)));
            let parsed = MessageParser::default().parse(&composed.raw_mime).unwrap();
            assert_eq!(parsed.content_type().map(|c| (c.ctype(), c.subtype())), Some(("multipart", Some("alternative"))));
            assert_eq!((parsed.text_body_count(), parsed.html_body_count(), parsed.attachment_count()), (1, 1, 0), "{locale}");
            // Text parts travel with CRLF line ends.
            assert_eq!(parsed.body_text(0).unwrap().replace("\r\n", "\n").trim_end(), composed.text.trim_end());
            assert_eq!(parsed.body_html(0).unwrap().replace("\r\n", "\n").trim_end(), composed.html.trim_end());
            assert_eq!(parsed.header("Content-Language").and_then(|h| h.as_text()), Some(locale));
        }
    }

    #[test]
    fn the_plain_text_part_contains_no_html_and_the_html_uses_the_shared_layout() {
        let composed = compose_for("en", &ReminderFacts { credit_hold: true, ..reminder("final", lines(2)) });
        for markup in ["<p", "<br", "<table", "<td", "<strong", "</", "&amp;", "&#", "&lt;", "style="] {
            assert!(!composed.text.contains(markup), "{markup} in the text part:\n{}", composed.text);
        }
        assert!(composed.html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert!(composed.html.contains("<title>Final notice: INV-2026-000001, INV-2026-000002 – Acme Software GmbH</title>"));
        assert!(composed.html.contains("https://acme.example/logo.png") && composed.html.contains("DE123456789"));
        assert!(composed.text.starts_with("Hello Müller & Söhne KG,\n\n"), "{}", composed.text);
        assert!(composed.text.ends_with("Kind regards,\nAcme Software GmbH\nHauptstraße 1\n10115 Berlin\nGermany\nTax ID DE123456789"), "{}", composed.text);
    }

    #[test]
    fn the_plain_text_shows_every_value_of_the_html() {
        for locale in ["en", "de", "fr"] {
            for template in ["friendly", "reminder", "firm", "final"] {
                let f = ReminderFacts { credit_hold: true, ..reminder(template, lines(3)) };
                let composed = compose_for(locale, &f);
                let lang = Lang::for_locale(&sample::customer(locale, "EUR").locale);
                let copy = catalog::reminder_email(lang, &ReminderEmailFacts { customer: "Müller & Söhne KG", tone: ReminderTone::for_template(template), several: true, credit_hold: true });
                let html = composed.html.replace("&#38;", "&").replace("&amp;", "&");
                let branding = sample::branding();
                let mut values = vec![copy.greeting.as_str(), copy.intro, copy.request, copy.credit_hold.unwrap(), copy.already_paid, copy.questions, copy.sign_off];
                values.extend(branding.payment_instructions.iter().map(String::as_str));
                for value in values {
                    assert!(composed.text.contains(value), "{locale} {template}: {value:?} missing from the text part");
                    assert!(html.contains(value), "{locale} {template}: {value:?} missing from the HTML part");
                }
            }
        }
    }

    #[test]
    fn payment_instructions_and_the_already_paid_sentence_are_in_every_reminder() {
        for (locale, heading, already_paid, reference) in [
            ("en", "How to pay:", "If you have already paid, please disregard this message.", "Please quote INV-2026-000042 as the payment reference."),
            ("de", "Zahlungsinformationen:", "Sollten Sie bereits gezahlt haben, betrachten Sie diese Nachricht bitte als gegenstandslos.", "Bitte geben Sie als Verwendungszweck INV-2026-000042 an."),
            ("fr", "Modalités de paiement\u{202F}:", "Si vous avez déjà effectué le paiement, merci de ne pas tenir compte de ce message.", "Merci d’indiquer INV-2026-000042 comme référence de paiement."),
        ] {
            let composed = compose_for(locale, &facts());
            let block = format!("\n\n{heading}\nExample Bank AG\nIBAN DE89 3704 0044 0532 0130 00\nBIC COBADEFFXXX\n{reference}\n\n{already_paid}\n\n");
            assert!(composed.text.contains(&block), "{locale}:\n{}", composed.text);
            assert!(composed.html.contains("IBAN DE89 3704 0044 0532 0130 00") && composed.html.contains(already_paid), "{locale}");
        }
        let several = compose_for("en", &reminder("reminder", lines(2)));
        assert!(several.text.contains("\nPlease quote the numbers of the invoices you are paying as the payment reference.\n"));
        // Without instructions of its own the company still asks for the reference.
        let mut branding = sample::branding();
        branding.payment_instructions.clear();
        let bare = compose(&facts(), &sample::customer("en", "EUR"), &branding);
        assert!(bare.text.contains("\n\nHow to pay:\nPlease quote INV-2026-000042 as the payment reference.\n\n"), "{}", bare.text);
    }

    #[test]
    fn the_total_due_is_the_sum_of_the_amounts_due() {
        let f = reminder(
            "reminder",
            vec![line("INV-1", day(11, 1), "1234.5", "EUR"), line("INV-2", day(11, 15), "0.05", "EUR"), line("INV-3", day(12, 3), "765.45", "EUR")],
        );
        for (locale, total) in [("en", "Total due: €2,000.00\n"), ("de", "Offener Gesamtbetrag: 2.000,00\u{A0}€\n"), ("fr", "Total à régler\u{202F}: 2\u{202F}000,00\u{A0}€\n")] {
            let composed = compose_for(locale, &f);
            assert!(composed.text.contains(&format!("\n\n{total}")), "{locale}:\n{}", composed.text);
            assert_eq!(composed.text.matches(total).count(), 1);
        }
        let html = compose_for("en", &f).html;
        assert!(html.contains("<strong>Total due</strong>") && html.contains("<strong>€2,000.00</strong>"), "{html}");
        // Twelve invoices at €100: €1,200.
        assert!(compose_for("en", &reminder("final", lines(12))).text.contains("Total due: €1,200.00\n"));
    }

    #[test]
    fn invoices_in_several_currencies_get_one_total_line_per_currency() {
        let f = reminder(
            "reminder",
            vec![
                line("INV-1", day(11, 1), "100", "EUR"),
                line("INV-2", day(11, 2), "2000", "JPY"),
                line("INV-3", day(11, 3), "50.25", "EUR"),
                line("INV-4", day(11, 4), "1.5", "BHD"),
            ],
        );
        let en = compose_for("en", &f);
        assert!(en.text.contains("\n\nTotal due (EUR): €150.25\nTotal due (JPY): ¥2,000\nTotal due (BHD): BHD\u{A0}1.500\n\n"), "{}", en.text);
        assert!(en.text.contains("INV-2 | 2 November 2026 | 29 days overdue | ¥2,000\n"));
        assert_eq!(en.html.matches("<strong>Total due (").count(), 3);
        let de = compose_for("de", &f);
        assert!(de.text.contains("Offener Gesamtbetrag (EUR): 150,25\u{A0}€\nOffener Gesamtbetrag (JPY): 2.000\u{A0}¥\n"), "{}", de.text);
    }

    #[test]
    fn a_total_above_the_bound_of_one_amount_is_still_written() {
        let max = "999999999999";
        let f = reminder("final", vec![line("INV-1", day(11, 1), max, "USD"), line("INV-2", day(11, 2), max, "USD")]);
        assert!(compose_for("en", &f).text.contains("Total due: $1,999,999,999,998.00\n"));
    }

    #[test]
    fn an_empty_invoice_list_is_an_error() {
        let f = reminder("reminder", Vec::new());
        let customer = sample::customer("en", "EUR");
        let err = compose_reminder_email_at(&f, &customer, &sample::branding(), instant()).unwrap_err();
        assert!(matches!(err, DocumentError::NoInvoices), "{err:?}");
        assert!(!err.is_retryable());
        assert!(matches!(compose_reminder_email(&f, &customer, &sample::branding()), Err(DocumentError::NoInvoices)));
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
        assert_eq!(parsed.to().unwrap().first().unwrap().name(), Some("Müller & Söhne KG"));
        let cc: Vec<&str> = parsed.cc().unwrap().iter().filter_map(|a| a.address()).collect();
        assert_eq!(cc, ["controller@mueller.example", "ceo@mueller.example"]);
        assert_eq!(parsed.reply_to().unwrap().first().unwrap().address(), Some("ar@acme.example"));
        let from = parsed.from().unwrap().first().unwrap();
        assert_eq!((from.name(), from.address()), (Some("Acme Software GmbH"), Some("billing@example.com")));

        customer.cc.clear();
        let composed = compose(&facts(), &customer, &sample::branding());
        assert!(composed.cc.is_empty() && !header_names(&composed.raw_mime).iter().any(|n| n == "Cc"));
    }

    #[test]
    fn line_breaks_in_numbers_the_company_name_or_the_reminder_id_never_start_a_header_of_their_own() {
        let mut f = facts();
        f.reminder_id = "rem_01\r\nX-Injected: yes".to_owned();
        f.invoices[0].invoice_number = "INV-2026-000042\r\nBcc: evil@attacker.example".to_owned();
        let mut branding = sample::branding();
        branding.company_name = "Acme\r\nBcc: evil@attacker.example\r\nX-Injected: yes\nSubject: spoofed".into();
        let composed = compose(&f, &sample::customer("en", "EUR"), &branding);
        assert!(!composed.subject.contains(['\r', '\n']));

        let expected: BTreeSet<String> = EXPECTED_HEADERS.iter().map(|s| (*s).to_owned()).collect();
        let names = header_names(&composed.raw_mime);
        assert_eq!(names.iter().cloned().collect::<BTreeSet<_>>(), expected);
        assert_eq!(names.len(), expected.len(), "{names:?}");
        let parsed = MessageParser::default().parse(&composed.raw_mime).unwrap();
        assert!(parsed.header("Bcc").is_none());
        assert_eq!(
            parsed.subject(),
            Some("Payment reminder: INV-2026-000042 Bcc: evil@attacker.example – Acme Bcc: evil@attacker.example X-Injected: yes Subject: spoofed")
        );
        assert_eq!(parsed.message_id(), Some("rem_01X-Injectedyes.1796112000000@example.com"));
        assert!(composed.text.contains("\nINV-2026-000042 Bcc: evil@attacker.example | 21 November 2026 |"), "{}", composed.text);
    }

    #[test]
    fn date_and_message_id_come_from_the_instant_and_the_reminder() {
        let customer = sample::customer("en", "EUR");
        let branding = sample::branding();
        let a = compose_reminder_email_at(&facts(), &customer, &branding, instant()).unwrap();
        let again = compose_reminder_email_at(&facts(), &customer, &branding, instant()).unwrap();
        // Only the MIME boundary differs between two composes.
        assert!((&a.subject, &a.to, &a.cc, &a.html, &a.text) == (&again.subject, &again.to, &again.cc, &again.html, &again.text));
        let later = compose_reminder_email_at(&facts(), &customer, &branding, instant() + chrono::Duration::seconds(1)).unwrap();
        let (a, later) = (MessageParser::default().parse(&a.raw_mime).unwrap(), MessageParser::default().parse(&later.raw_mime).unwrap());
        assert_eq!(a.date().unwrap().to_timestamp(), 1_796_112_000);
        assert_eq!(a.message_id(), Some("rem_cus_01KAN2Z4SEHQ2B8DM0ZJ7W6Q1C_2026-12-01.1796112000000@example.com"));
        assert_ne!(a.message_id(), later.message_id());
        let mut nameless = facts();
        nameless.reminder_id = "<>".to_owned();
        let parsed = MessageParser::default().parse(&compose(&nameless, &customer, &branding).raw_mime).unwrap().into_owned();
        assert_eq!(parsed.message_id(), Some("reminder.1796112000000@example.com"));
    }
}
