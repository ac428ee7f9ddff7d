//! Every word the documents print, per [`Lang`].
//!
//! Labels shared by the PDF and the emails live in [`Labels`]; sentences
//! that take values are functions, so word order can differ by language.
//! A new message kind (reminder, statement) adds its own sentence
//! functions here, as the invoice and the receipt do, and templates beside
//! `templates/invoice.*`; a new language adds one arm to each `match` (the
//! compiler lists them).

use crate::locale::{Lang, NBSP, NNBSP};

/// Fixed labels, one set per language.
#[derive(Debug, PartialEq, Eq)]
pub struct Labels {
    pub invoice: &'static str,
    pub draft_invoice: &'static str,
    pub invoice_number: &'static str,
    pub issue_date: &'static str,
    pub due_date: &'static str,
    pub po_number: &'static str,
    pub memo: &'static str,
    pub seller: &'static str,
    pub bill_to: &'static str,
    pub tax_id: &'static str,
    pub description: &'static str,
    pub quantity: &'static str,
    pub unit_price: &'static str,
    pub tax_rate: &'static str,
    pub amount: &'static str,
    pub subtotal: &'static str,
    pub tax_total: &'static str,
    pub total: &'static str,
    pub amount_paid: &'static str,
    pub amount_credited: &'static str,
    pub amount_due: &'static str,
    pub payment_terms: &'static str,
    pub payment_instructions: &'static str,
    pub continued: &'static str,
    /// `:` after a label; French puts a narrow no-break space before it.
    pub colon: &'static str,
}

const EN: Labels = Labels {
    invoice: "Invoice",
    draft_invoice: "Draft invoice",
    invoice_number: "Invoice number",
    issue_date: "Issue date",
    due_date: "Due date",
    po_number: "PO number",
    memo: "Note",
    seller: "From",
    bill_to: "Bill to",
    tax_id: "Tax ID",
    description: "Description",
    quantity: "Qty",
    unit_price: "Unit price",
    tax_rate: "Tax",
    amount: "Amount",
    subtotal: "Subtotal",
    tax_total: "Total tax",
    total: "Total",
    amount_paid: "Amount paid",
    amount_credited: "Amount credited",
    amount_due: "Amount due",
    payment_terms: "Payment terms",
    payment_instructions: "How to pay",
    continued: "continued",
    colon: ":",
};

const DE: Labels = Labels {
    invoice: "Rechnung",
    draft_invoice: "Rechnungsentwurf",
    invoice_number: "Rechnungsnummer",
    issue_date: "Rechnungsdatum",
    due_date: "Fällig am",
    po_number: "Bestellnummer",
    memo: "Hinweis",
    seller: "Rechnungssteller",
    bill_to: "Rechnungsempfänger",
    tax_id: "USt-IdNr.",
    description: "Beschreibung",
    quantity: "Menge",
    unit_price: "Einzelpreis",
    tax_rate: "USt.",
    amount: "Betrag",
    subtotal: "Zwischensumme (netto)",
    tax_total: "Umsatzsteuer gesamt",
    total: "Gesamtbetrag",
    amount_paid: "Bereits bezahlt",
    amount_credited: "Gutgeschrieben",
    amount_due: "Offener Betrag",
    payment_terms: "Zahlungsbedingungen",
    payment_instructions: "Zahlungsinformationen",
    continued: "Fortsetzung",
    colon: ":",
};

const FR: Labels = Labels {
    invoice: "Facture",
    draft_invoice: "Projet de facture",
    invoice_number: "Numéro de facture",
    issue_date: "Date d’émission",
    due_date: "Date d’échéance",
    po_number: "Bon de commande",
    memo: "Remarque",
    seller: "Émetteur",
    bill_to: "Facturé à",
    tax_id: "N° TVA",
    description: "Désignation",
    quantity: "Qté",
    unit_price: "Prix unitaire",
    tax_rate: "TVA",
    amount: "Montant",
    subtotal: "Total HT",
    tax_total: "Total TVA",
    total: "Total TTC",
    amount_paid: "Déjà réglé",
    amount_credited: "Avoirs et escomptes",
    amount_due: "Reste à payer",
    payment_terms: "Conditions de paiement",
    payment_instructions: "Modalités de paiement",
    continued: "suite",
    colon: "\u{202F}:",
};

pub fn labels(lang: Lang) -> &'static Labels {
    match lang {
        Lang::En => &EN,
        Lang::De => &DE,
        Lang::Fr => &FR,
    }
}

/// French elides `de` before a vowel: `Facture … d’Acme`, `… de Bolt`.
fn fr_de(name: &str) -> String {
    let elides = name
        .chars()
        .next()
        .is_some_and(|c| "AEIOUYaeiouyÀÂÄÉÈÊËÎÏÔÖÙÛÜàâäéèêëîïôöùûüŒœ".contains(c));
    if elides {
        format!("d’{name}")
    } else {
        format!("de {name}")
    }
}

/// `Invoice INV-2026-000001 from Acme`.
pub fn invoice_subject(lang: Lang, number: &str, company: &str) -> String {
    match lang {
        Lang::En => format!("Invoice {number} from {company}"),
        Lang::De => format!("Rechnung {number} von {company}"),
        Lang::Fr => format!("Facture {number} {}", fr_de(company)),
    }
}

/// `Tax 19% on €100.00`: one row of the per-rate breakdown.
pub fn tax_row(lang: Lang, rate: &str, base: &str) -> String {
    match lang {
        Lang::En => format!("Tax {rate} on {base}"),
        Lang::De => format!("USt. {rate} auf {base}"),
        Lang::Fr => format!("TVA {rate} sur {base}"),
    }
}

pub fn page_of(lang: Lang, page: usize, pages: usize) -> String {
    match lang {
        Lang::En => format!("Page {page} of {pages}"),
        Lang::De => format!("Seite {page} von {pages}"),
        Lang::Fr => format!("Page {page} sur {pages}"),
    }
}

/// The net terms: `net_days` when the due date follows from them, else
/// only the due date (an invoice may name its own).
pub fn net_terms(lang: Lang, net_days: Option<u16>, due: &str) -> String {
    match (lang, net_days) {
        (Lang::En, Some(0)) => format!("Payable on receipt (due {due})."),
        (Lang::En, Some(1)) => format!("Payable within 1 day, by {due}."),
        (Lang::En, Some(d)) => format!("Payable within {d} days, by {due}."),
        (Lang::En, None) => format!("Payable by {due}."),
        (Lang::De, Some(0)) => format!("Zahlbar sofort nach Erhalt (fällig am {due})."),
        (Lang::De, Some(1)) => format!("Zahlbar innerhalb von 1 Tag bis zum {due}."),
        (Lang::De, Some(d)) => format!("Zahlbar innerhalb von {d} Tagen bis zum {due}."),
        (Lang::De, None) => format!("Zahlbar bis zum {due}."),
        (Lang::Fr, Some(0)) => format!("Payable à réception (échéance le{NBSP}{due})."),
        (Lang::Fr, Some(1)) => format!("Payable sous 1{NBSP}jour, au plus tard le {due}."),
        (Lang::Fr, Some(d)) => format!("Payable sous {d}{NBSP}jours, au plus tard le {due}."),
        (Lang::Fr, None) => format!("Payable au plus tard le {due}."),
    }
}

/// `2% early-payment discount if paid within 10 days (by …)`.
pub fn early_payment_discount(lang: Lang, percent: &str, days: u16, by: &str) -> String {
    match lang {
        Lang::En => format!("{percent} early-payment discount if paid within {days} days (by {by})."),
        Lang::De => format!("Bei Zahlung innerhalb von {days} Tagen (bis zum {by}) gewähren wir {percent} Skonto."),
        Lang::Fr => format!("Escompte de {percent} pour paiement sous {days}{NBSP}jours (au plus tard le {by})."),
    }
}

pub fn payment_reference(lang: Lang, number: &str) -> String {
    match lang {
        Lang::En => format!("Please quote {number} as the payment reference."),
        Lang::De => format!("Bitte geben Sie als Verwendungszweck {number} an."),
        Lang::Fr => format!("Merci d’indiquer {number} comme référence de paiement."),
    }
}

/// Under the lines an email lists when the PDF has more.
pub fn more_lines(lang: Lang, count: usize) -> String {
    match (lang, count) {
        (Lang::En, 1) => "… and 1 more line: see the attached PDF.".to_owned(),
        (Lang::En, n) => format!("… and {n} more lines: see the attached PDF."),
        (Lang::De, 1) => "… und 1 weitere Position: siehe beigefügtes PDF.".to_owned(),
        (Lang::De, n) => format!("… und {n} weitere Positionen: siehe beigefügtes PDF."),
        (Lang::Fr, 1) => "… et 1 autre ligne : voir le PDF joint.".to_owned(),
        (Lang::Fr, n) => format!("… et {n} autres lignes : voir le PDF joint."),
    }
}

pub fn paid_in_full(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "This invoice is paid in full; nothing is due.",
        Lang::De => "Diese Rechnung ist vollständig beglichen; es ist nichts zu zahlen.",
        Lang::Fr => "Cette facture est entièrement réglée ; aucun montant n’est dû.",
    }
}

/// The sentences of the invoice email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceEmailCopy {
    pub greeting: String,
    pub intro: String,
    pub due: String,
    pub questions: &'static str,
    pub sign_off: &'static str,
}

pub struct InvoiceEmailFacts<'a> {
    pub customer: &'a str,
    pub number: &'a str,
    pub issue_date: &'a str,
    pub total: &'a str,
    pub amount_due: &'a str,
    pub due_date: &'a str,
    pub nothing_due: bool,
}

pub fn invoice_email(lang: Lang, f: &InvoiceEmailFacts<'_>) -> InvoiceEmailCopy {
    let InvoiceEmailFacts { customer, number, issue_date, total, amount_due, due_date, nothing_due } = f;
    match lang {
        Lang::En => InvoiceEmailCopy {
            greeting: format!("Hello {customer},"),
            intro: format!("Please find attached our invoice {number} of {issue_date} for {total}."),
            due: if *nothing_due {
                paid_in_full(lang).to_owned()
            } else {
                format!("The amount due of {amount_due} is payable by {due_date}.")
            },
            questions: "If you have any questions about this invoice, simply reply to this email.",
            sign_off: "Kind regards,",
        },
        Lang::De => InvoiceEmailCopy {
            greeting: format!("Guten Tag {customer},"),
            intro: format!("anbei erhalten Sie unsere Rechnung {number} vom {issue_date} über {total}."),
            due: if *nothing_due {
                paid_in_full(lang).to_owned()
            } else {
                format!("Bitte begleichen Sie den offenen Betrag von {amount_due} bis zum {due_date}.")
            },
            questions: "Bei Fragen zu dieser Rechnung antworten Sie einfach auf diese E-Mail.",
            sign_off: "Mit freundlichen Grüßen",
        },
        Lang::Fr => InvoiceEmailCopy {
            greeting: format!("Bonjour {customer},"),
            intro: format!("Veuillez trouver ci-joint notre facture {number} du {issue_date} d’un montant de {total}."),
            due: if *nothing_due {
                paid_in_full(lang).to_owned()
            } else {
                format!("Le montant de {amount_due} est à régler au plus tard le {due_date}.")
            },
            questions: "Pour toute question concernant cette facture, répondez simplement à cet e-mail.",
            sign_off: "Cordialement,",
        },
    }
}

/// The words of the receipt email's facts and invoice table.
#[derive(Debug, PartialEq, Eq)]
pub struct ReceiptLabels {
    pub amount_received: &'static str,
    pub date_received: &'static str,
    pub payment_method: &'static str,
    pub your_reference: &'static str,
    pub payment_id: &'static str,
    pub invoice: &'static str,
    pub amount_applied: &'static str,
    pub remaining_due: &'static str,
    /// In the remaining-due column when nothing is left to pay.
    pub paid_in_full: &'static str,
}

const RECEIPT_EN: ReceiptLabels = ReceiptLabels {
    amount_received: "Amount received",
    date_received: "Date received",
    payment_method: "Payment method",
    your_reference: "Your reference",
    payment_id: "Payment ID",
    invoice: "Invoice",
    amount_applied: "Amount applied",
    remaining_due: "Remaining due",
    paid_in_full: "Paid in full",
};

const RECEIPT_DE: ReceiptLabels = ReceiptLabels {
    amount_received: "Erhaltener Betrag",
    date_received: "Eingegangen am",
    payment_method: "Zahlungsart",
    your_reference: "Ihre Referenz",
    payment_id: "Zahlungs-ID",
    invoice: "Rechnung",
    amount_applied: "Verrechneter Betrag",
    remaining_due: "Noch offen",
    paid_in_full: "Vollständig bezahlt",
};

const RECEIPT_FR: ReceiptLabels = ReceiptLabels {
    amount_received: "Montant reçu",
    date_received: "Date de réception",
    payment_method: "Mode de paiement",
    your_reference: "Votre référence",
    payment_id: "Identifiant du paiement",
    invoice: "Facture",
    amount_applied: "Montant imputé",
    remaining_due: "Reste à payer",
    paid_in_full: "Entièrement réglée",
};

pub fn receipt_labels(lang: Lang) -> &'static ReceiptLabels {
    match lang {
        Lang::En => &RECEIPT_EN,
        Lang::De => &RECEIPT_DE,
        Lang::Fr => &RECEIPT_FR,
    }
}

/// How a payment was made: `card`, `bank_transfer`, `check`, `cash`;
/// anything else reads as `other`.
pub fn payment_method(lang: Lang, method: &str) -> &'static str {
    match (lang, method) {
        (Lang::En, "card") => "card",
        (Lang::En, "bank_transfer") => "bank transfer",
        (Lang::En, "check") => "check",
        (Lang::En, "cash") => "cash",
        (Lang::En, _) => "other",
        (Lang::De, "card") => "Karte",
        (Lang::De, "bank_transfer") => "Überweisung",
        (Lang::De, "check") => "Scheck",
        (Lang::De, "cash") => "Bargeld",
        (Lang::De, _) => "Sonstige",
        (Lang::Fr, "card") => "carte",
        (Lang::Fr, "bank_transfer") => "virement",
        (Lang::Fr, "check") => "chèque",
        (Lang::Fr, "cash") => "espèces",
        (Lang::Fr, _) => "autre",
    }
}

/// Invoices the receipt subject names: `INV-1`, `INV-1 and INV-2`,
/// `INV-1, INV-2 and INV-3`, then `INV-1, INV-2, INV-3 and 2 more`.
fn invoice_list(lang: Lang, numbers: &[&str]) -> String {
    let and = match lang {
        Lang::En => "and",
        Lang::De => "und",
        Lang::Fr => "et",
    };
    match numbers {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [head @ .., last] if numbers.len() <= 3 => format!("{} {and} {last}", head.join(", ")),
        _ => {
            let more = numbers.len() - 3;
            let more = match lang {
                Lang::En => format!("{more} more"),
                Lang::De => format!("{more} weitere"),
                Lang::Fr if more == 1 => "1 autre".to_owned(),
                Lang::Fr => format!("{more} autres"),
            };
            format!("{} {and} {more}", numbers[..3].join(", "))
        }
    }
}

/// `Payment received: €1,234.50 for INV-2026-000042, thank you`; without
/// invoices `Payment received: $20.00, thank you`.
pub fn receipt_subject(lang: Lang, amount: &str, invoices: &[&str]) -> String {
    let list = invoice_list(lang, invoices);
    match (lang, list.is_empty()) {
        (Lang::En, true) => format!("Payment received: {amount}, thank you"),
        (Lang::En, false) => format!("Payment received: {amount} for {list}, thank you"),
        (Lang::De, true) => format!("Zahlung erhalten: {amount}, vielen Dank"),
        (Lang::De, false) => format!("Zahlung erhalten: {amount} für {list}, vielen Dank"),
        (Lang::Fr, true) => format!("Paiement reçu{NNBSP}: {amount}, merci"),
        (Lang::Fr, false) => format!("Paiement reçu{NNBSP}: {amount} pour {list}, merci"),
    }
}

/// The sentences of the receipt email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptEmailCopy {
    pub greeting: String,
    pub intro: String,
    /// Above the invoice table; `None` when the payment settled none.
    pub applied_intro: Option<&'static str>,
    /// `None` when nothing is held on account.
    pub unapplied: Option<String>,
    pub questions: &'static str,
    pub sign_off: &'static str,
}

pub struct ReceiptEmailFacts<'a> {
    pub customer: &'a str,
    pub amount: &'a str,
    pub received_on: &'a str,
    pub any_applied: bool,
    /// The amount held on account, when not zero.
    pub unapplied: Option<&'a str>,
}

pub fn receipt_email(lang: Lang, f: &ReceiptEmailFacts<'_>) -> ReceiptEmailCopy {
    let ReceiptEmailFacts { customer, amount, received_on, any_applied, unapplied } = f;
    match lang {
        Lang::En => ReceiptEmailCopy {
            greeting: format!("Hello {customer},"),
            intro: format!("Thank you for your payment of {amount}, received on {received_on}."),
            applied_intro: any_applied.then_some("We have applied it to the following invoices:"),
            unapplied: unapplied.map(|u| format!("The remaining {u} is held on your account as credit and will be applied to future invoices.")),
            questions: "If you have any questions about this payment, simply reply to this email.",
            sign_off: "Kind regards,",
        },
        Lang::De => ReceiptEmailCopy {
            greeting: format!("Guten Tag {customer},"),
            intro: format!("vielen Dank für Ihre Zahlung über {amount}, eingegangen am {received_on}."),
            applied_intro: any_applied.then_some("Wir haben sie mit folgenden Rechnungen verrechnet:"),
            unapplied: unapplied.map(|u| format!("Den Betrag von {u} führen wir als Guthaben auf Ihrem Kundenkonto und verrechnen ihn mit künftigen Rechnungen.")),
            questions: "Bei Fragen zu dieser Zahlung antworten Sie einfach auf diese E-Mail.",
            sign_off: "Mit freundlichen Grüßen",
        },
        Lang::Fr => ReceiptEmailCopy {
            greeting: format!("Bonjour {customer},"),
            intro: format!("Nous vous remercions pour votre paiement de {amount}, reçu le {received_on}."),
            applied_intro: any_applied.then_some("Nous l’avons imputé aux factures suivantes\u{202F}:"),
            unapplied: unapplied.map(|u| format!("Le montant de {u} est conservé sur votre compte sous forme d’avoir et sera imputé à vos prochaines factures.")),
            questions: "Pour toute question concernant ce paiement, répondez simplement à cet e-mail.",
            sign_off: "Cordialement,",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_name_the_invoice_number_in_each_language() {
        assert_eq!(invoice_subject(Lang::En, "INV-2026-000001", "Acme"), "Invoice INV-2026-000001 from Acme");
        assert_eq!(invoice_subject(Lang::De, "INV-2026-000001", "Acme"), "Rechnung INV-2026-000001 von Acme");
        assert_eq!(invoice_subject(Lang::Fr, "INV-2026-000001", "Bolt"), "Facture INV-2026-000001 de Bolt");
    }

    #[test]
    fn french_elides_de_before_a_vowel() {
        assert_eq!(invoice_subject(Lang::Fr, "INV-2026-000001", "Acme"), "Facture INV-2026-000001 d’Acme");
        assert_eq!(invoice_subject(Lang::Fr, "INV-2026-000001", "Électricité SA"), "Facture INV-2026-000001 d’Électricité SA");
    }

    #[test]
    fn receipt_subjects_list_up_to_three_invoices_joined_the_way_each_language_joins_them() {
        assert_eq!(receipt_subject(Lang::En, "€5.00", &["A", "B"]), "Payment received: €5.00 for A and B, thank you");
        assert_eq!(receipt_subject(Lang::En, "€5.00", &["A", "B", "C"]), "Payment received: €5.00 for A, B and C, thank you");
        assert_eq!(receipt_subject(Lang::De, "5,00\u{A0}€", &["A", "B", "C", "D"]), "Zahlung erhalten: 5,00\u{A0}€ für A, B, C und 1 weitere, vielen Dank");
        assert_eq!(receipt_subject(Lang::Fr, "5,00\u{A0}€", &["A", "B", "C", "D"]), "Paiement reçu\u{202F}: 5,00\u{A0}€ pour A, B, C et 1 autre, merci");
        assert_eq!(receipt_subject(Lang::Fr, "5,00\u{A0}€", &[]), "Paiement reçu\u{202F}: 5,00\u{A0}€, merci");
    }

    #[test]
    fn payment_methods_are_named_in_each_language_and_unknown_ones_read_as_other() {
        let names = |lang| ["card", "bank_transfer", "check", "cash", "other", "crypto"].map(|m| payment_method(lang, m));
        assert_eq!(names(Lang::En), ["card", "bank transfer", "check", "cash", "other", "other"]);
        assert_eq!(names(Lang::De), ["Karte", "Überweisung", "Scheck", "Bargeld", "Sonstige", "Sonstige"]);
        assert_eq!(names(Lang::Fr), ["carte", "virement", "chèque", "espèces", "autre", "autre"]);
    }
}
