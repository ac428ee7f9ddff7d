//! Every word the documents print, per [`Lang`].
//!
//! Labels shared by the PDF and the emails live in [`Labels`]; sentences
//! that take values are functions, so word order can differ by language.
//! A new message kind (a statement) adds its own sentence functions here,
//! as the invoice, the receipt and the reminder do, and templates beside
//! `templates/invoice.*`; a new language adds one arm to each `match` (the
//! compiler lists them).

use crate::branding::clean;
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

/// How firmly a reminder asks: one tone per built-in dunning template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReminderTone {
    /// Before the due date: the invoices are due soon.
    Friendly,
    /// Overdue, courteous.
    Reminder,
    /// Overdue, firmer: pay now or tell us what is wrong.
    Firm,
    /// The last notice before further collection steps.
    Final,
}

impl ReminderTone {
    pub const ALL: [ReminderTone; 4] = [ReminderTone::Friendly, ReminderTone::Reminder, ReminderTone::Firm, ReminderTone::Final];

    /// `friendly`, `reminder`, `firm` and `final`; any other template name
    /// (a policy may name its steps freely) reads as `reminder`.
    pub fn for_template(template: &str) -> Self {
        match template {
            "friendly" => ReminderTone::Friendly,
            "firm" => ReminderTone::Firm,
            "final" => ReminderTone::Final,
            _ => ReminderTone::Reminder,
        }
    }
}

/// Invoice numbers a reminder subject lists.
pub const REMINDER_SUBJECT_MAX_NUMBERS: usize = 5;

/// Invoices the reminder subject names: every number up to five, joined
/// with commas, then `INV-1, …, INV-5 and 7 more`.
fn reminder_invoice_list(lang: Lang, numbers: &[&str]) -> String {
    let listed = numbers[..numbers.len().min(REMINDER_SUBJECT_MAX_NUMBERS)].join(", ");
    match numbers.len().saturating_sub(REMINDER_SUBJECT_MAX_NUMBERS) {
        0 => listed,
        more => match lang {
            Lang::En => format!("{listed} and {more} more"),
            Lang::De => format!("{listed} und {more} weitere"),
            Lang::Fr if more == 1 => format!("{listed} et 1 autre"),
            Lang::Fr => format!("{listed} et {more} autres"),
        },
    }
}

/// `Payment reminder: INV-1, INV-2 – Acme`: the tone of `template` (see
/// [`ReminderTone::for_template`]), every invoice number up to five (then
/// `and N more`) and the company. One line: control characters (CR, LF…)
/// in the numbers or the company name become spaces.
pub fn reminder_subject(lang: Lang, template: &str, numbers: &[&str], company: &str) -> String {
    use ReminderTone::*;
    let one = numbers.len() == 1;
    let title = match (lang, ReminderTone::for_template(template)) {
        (Lang::En, Friendly) => "Upcoming payment",
        (Lang::En, Reminder) => "Payment reminder",
        (Lang::En, Firm) if one => "Overdue invoice",
        (Lang::En, Firm) => "Overdue invoices",
        (Lang::En, Final) => "Final notice",
        (Lang::De, Friendly) => "Anstehende Zahlung",
        (Lang::De, Reminder) => "Zahlungserinnerung",
        (Lang::De, Firm) if one => "Überfällige Rechnung",
        (Lang::De, Firm) => "Überfällige Rechnungen",
        (Lang::De, Final) => "Letzte Mahnung",
        (Lang::Fr, Friendly) if one => "Échéance à venir",
        (Lang::Fr, Friendly) => "Échéances à venir",
        (Lang::Fr, Reminder) => "Rappel de paiement",
        (Lang::Fr, Firm) if one => "Facture impayée",
        (Lang::Fr, Firm) => "Factures impayées",
        (Lang::Fr, Final) => "Dernier rappel",
    };
    let colon = match lang {
        Lang::En | Lang::De => ":".to_owned(),
        Lang::Fr => format!("{NNBSP}:"),
    };
    let mut subject = title.to_owned();
    if !numbers.is_empty() {
        subject = format!("{subject}{colon} {}", reminder_invoice_list(lang, numbers));
    }
    if !company.trim().is_empty() {
        subject = format!("{subject} – {company}");
    }
    clean(&subject)
}

/// Where an invoice stands on the day a reminder is for: `due in 3 days`,
/// `due today`, `5 days overdue`. `days_until_due` is the due date minus
/// that day.
pub fn due_status(lang: Lang, days_until_due: i64) -> String {
    let overdue = days_until_due.unsigned_abs();
    match (lang, days_until_due) {
        (Lang::En, 0) => "due today".to_owned(),
        (Lang::En, 1) => "due in 1 day".to_owned(),
        (Lang::En, d) if d > 1 => format!("due in {d} days"),
        (Lang::En, -1) => "1 day overdue".to_owned(),
        (Lang::En, _) => format!("{overdue} days overdue"),
        (Lang::De, 0) => "heute fällig".to_owned(),
        (Lang::De, 1) => "fällig in 1 Tag".to_owned(),
        (Lang::De, d) if d > 1 => format!("fällig in {d} Tagen"),
        (Lang::De, -1) => "1 Tag überfällig".to_owned(),
        (Lang::De, _) => format!("{overdue} Tage überfällig"),
        (Lang::Fr, 0) => "échéance aujourd’hui".to_owned(),
        (Lang::Fr, 1) => format!("échéance dans 1{NBSP}jour"),
        (Lang::Fr, d) if d > 1 => format!("échéance dans {d}{NBSP}jours"),
        (Lang::Fr, -1) => format!("1{NBSP}jour de retard"),
        (Lang::Fr, _) => format!("{overdue}{NBSP}jours de retard"),
    }
}

/// The words of the reminder email's invoice table.
#[derive(Debug, PartialEq, Eq)]
pub struct ReminderLabels {
    pub invoice: &'static str,
    pub due_date: &'static str,
    /// The column saying `due in 3 days` or `5 days overdue`.
    pub status: &'static str,
    pub amount_due: &'static str,
    pub total_due: &'static str,
}

const REMINDER_EN: ReminderLabels =
    ReminderLabels { invoice: "Invoice", due_date: "Due date", status: "Status", amount_due: "Amount due", total_due: "Total due" };

const REMINDER_DE: ReminderLabels = ReminderLabels {
    invoice: "Rechnung",
    due_date: "Fällig am",
    status: "Status",
    amount_due: "Offener Betrag",
    total_due: "Offener Gesamtbetrag",
};

const REMINDER_FR: ReminderLabels = ReminderLabels {
    invoice: "Facture",
    due_date: "Date d’échéance",
    status: "Situation",
    amount_due: "Reste à payer",
    total_due: "Total à régler",
};

pub fn reminder_labels(lang: Lang) -> &'static ReminderLabels {
    match lang {
        Lang::En => &REMINDER_EN,
        Lang::De => &REMINDER_DE,
        Lang::Fr => &REMINDER_FR,
    }
}

/// The payment reference a reminder asks for: the number itself when it
/// lists one invoice, else the numbers of the invoices paid.
pub fn reminder_payment_reference(lang: Lang, numbers: &[&str]) -> String {
    match (lang, numbers) {
        (_, [one]) => payment_reference(lang, one),
        (Lang::En, _) => "Please quote the numbers of the invoices you are paying as the payment reference.".to_owned(),
        (Lang::De, _) => "Bitte geben Sie als Verwendungszweck die Nummern der bezahlten Rechnungen an.".to_owned(),
        (Lang::Fr, _) => "Merci d’indiquer les numéros des factures réglées comme référence de paiement.".to_owned(),
    }
}

/// The sentences of the reminder email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderEmailCopy {
    pub greeting: String,
    /// Above the invoice table.
    pub intro: &'static str,
    /// Below the table: what we ask for, as firmly as the tone asks.
    pub request: &'static str,
    /// `Some` when this reminder put the account on credit hold.
    pub credit_hold: Option<&'static str>,
    pub already_paid: &'static str,
    pub questions: &'static str,
    pub sign_off: &'static str,
}

pub struct ReminderEmailFacts<'a> {
    pub customer: &'a str,
    pub tone: ReminderTone,
    /// More than one invoice listed (the sentences say "invoices").
    pub several: bool,
    pub credit_hold: bool,
}

pub fn reminder_email(lang: Lang, f: &ReminderEmailFacts<'_>) -> ReminderEmailCopy {
    use ReminderTone::*;
    let ReminderEmailFacts { customer, tone, several, credit_hold } = f;
    let pick = |one: &'static str, many: &'static str| if *several { many } else { one };
    match lang {
        Lang::En => ReminderEmailCopy {
            greeting: format!("Hello {customer},"),
            intro: match tone {
                Friendly => pick(
                    "This is a friendly reminder that the following invoice is due for payment soon:",
                    "This is a friendly reminder that the following invoices are due for payment soon:",
                ),
                Reminder => pick(
                    "According to our records, the following invoice has not yet been paid:",
                    "According to our records, the following invoices have not yet been paid:",
                ),
                Firm => pick(
                    "The following invoice is overdue and remains unpaid:",
                    "The following invoices are overdue and remain unpaid:",
                ),
                Final => pick(
                    "This is our final notice regarding the following overdue invoice:",
                    "This is our final notice regarding the following overdue invoices:",
                ),
            },
            request: match tone {
                Friendly => pick("Please arrange payment by the due date shown.", "Please arrange payment by the due dates shown."),
                Reminder => "We would be grateful if you could arrange payment at your earliest convenience.",
                Firm => "Please pay the outstanding amount now.",
                Final => "Please pay the outstanding amount immediately. If we do not receive payment or hear from you, we will have to take further collection steps.",
            },
            credit_hold: credit_hold.then_some("Your account has been placed on credit hold: new orders and invoices are paused until the outstanding amount has been paid."),
            already_paid: "If you have already paid, please disregard this message.",
            questions: match tone {
                Friendly | Reminder => "If you have any questions, simply reply to this email.",
                Firm => pick(
                    "If there is a problem with this invoice or its payment, please reply to this email so that we can resolve it.",
                    "If there is a problem with any of these invoices or their payment, please reply to this email so that we can resolve it.",
                ),
                Final => "If you believe this notice is in error or would like to discuss payment, please reply to this email without delay.",
            },
            sign_off: "Kind regards,",
        },
        Lang::De => ReminderEmailCopy {
            greeting: format!("Guten Tag {customer},"),
            intro: match tone {
                Friendly => pick(
                    "wir möchten Sie freundlich daran erinnern, dass folgende Rechnung in Kürze fällig wird:",
                    "wir möchten Sie freundlich daran erinnern, dass folgende Rechnungen in Kürze fällig werden:",
                ),
                Reminder => pick(
                    "nach unseren Unterlagen ist folgende Rechnung noch nicht beglichen:",
                    "nach unseren Unterlagen sind folgende Rechnungen noch nicht beglichen:",
                ),
                Firm => pick(
                    "folgende Rechnung ist überfällig und noch immer nicht beglichen:",
                    "folgende Rechnungen sind überfällig und noch immer nicht beglichen:",
                ),
                Final => pick(
                    "dies ist unsere letzte Mahnung zu folgender überfälliger Rechnung:",
                    "dies ist unsere letzte Mahnung zu folgenden überfälligen Rechnungen:",
                ),
            },
            request: match tone {
                Friendly => pick(
                    "Bitte veranlassen Sie die Zahlung bis zum angegebenen Fälligkeitsdatum.",
                    "Bitte veranlassen Sie die Zahlung bis zu den angegebenen Fälligkeitsdaten.",
                ),
                Reminder => "Wir bitten Sie, den offenen Betrag baldmöglichst zu begleichen.",
                Firm => "Bitte begleichen Sie den offenen Betrag jetzt.",
                Final => "Bitte begleichen Sie den offenen Betrag unverzüglich. Sollten wir weder Ihre Zahlung noch eine Nachricht von Ihnen erhalten, müssen wir weitere Schritte zur Einziehung der Forderung einleiten.",
            },
            credit_hold: credit_hold.then_some("Ihr Kundenkonto ist vorübergehend gesperrt: Neue Bestellungen und Rechnungen sind bis zum Ausgleich des offenen Betrags ausgesetzt."),
            already_paid: "Sollten Sie bereits gezahlt haben, betrachten Sie diese Nachricht bitte als gegenstandslos.",
            questions: match tone {
                Friendly | Reminder => "Bei Fragen antworten Sie einfach auf diese E-Mail.",
                Firm => pick(
                    "Gibt es ein Problem mit dieser Rechnung oder ihrer Bezahlung, antworten Sie bitte auf diese E-Mail, damit wir es klären können.",
                    "Gibt es ein Problem mit einer dieser Rechnungen oder ihrer Bezahlung, antworten Sie bitte auf diese E-Mail, damit wir es klären können.",
                ),
                Final => "Halten Sie diese Mahnung für unberechtigt oder möchten Sie die Zahlung mit uns besprechen, antworten Sie bitte umgehend auf diese E-Mail.",
            },
            sign_off: "Mit freundlichen Grüßen",
        },
        Lang::Fr => ReminderEmailCopy {
            greeting: format!("Bonjour {customer},"),
            intro: match tone {
                Friendly => pick(
                    "Nous nous permettons de vous rappeler que la facture suivante arrive prochainement à échéance\u{202F}:",
                    "Nous nous permettons de vous rappeler que les factures suivantes arrivent prochainement à échéance\u{202F}:",
                ),
                Reminder => pick(
                    "Sauf erreur de notre part, la facture suivante n’a pas encore été réglée\u{202F}:",
                    "Sauf erreur de notre part, les factures suivantes n’ont pas encore été réglées\u{202F}:",
                ),
                Firm => pick(
                    "La facture suivante est échue et demeure impayée\u{202F}:",
                    "Les factures suivantes sont échues et demeurent impayées\u{202F}:",
                ),
                Final => pick(
                    "Ceci est notre dernier rappel concernant la facture échue suivante\u{202F}:",
                    "Ceci est notre dernier rappel concernant les factures échues suivantes\u{202F}:",
                ),
            },
            request: match tone {
                Friendly => pick(
                    "Merci de bien vouloir procéder au règlement d’ici la date d’échéance indiquée.",
                    "Merci de bien vouloir procéder au règlement d’ici les dates d’échéance indiquées.",
                ),
                Reminder => "Nous vous remercions de bien vouloir procéder au règlement dans les meilleurs délais.",
                Firm => "Nous vous demandons de régler dès à présent le montant dû.",
                Final => "Nous vous prions de régler le montant dû sans délai. À défaut de paiement ou de réponse de votre part, nous serons contraints d’engager d’autres démarches de recouvrement.",
            },
            credit_hold: credit_hold.then_some("Votre compte client est suspendu\u{202F}: les nouvelles commandes et factures sont en attente jusqu’au règlement du montant dû."),
            already_paid: "Si vous avez déjà effectué le paiement, merci de ne pas tenir compte de ce message.",
            questions: match tone {
                Friendly | Reminder => "Pour toute question, répondez simplement à cet e-mail.",
                Firm => pick(
                    "En cas de difficulté concernant cette facture ou son règlement, merci de répondre à cet e-mail afin que nous puissions trouver une solution.",
                    "En cas de difficulté concernant ces factures ou leur règlement, merci de répondre à cet e-mail afin que nous puissions trouver une solution.",
                ),
                Final => "Si vous estimez que ce rappel est injustifié ou souhaitez discuter du règlement, merci de répondre sans attendre à cet e-mail.",
            },
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
    fn reminder_subjects_list_every_number_up_to_five_then_count_the_rest() {
        let numbers: Vec<String> = (1..=12).map(|i| format!("INV-{i}")).collect();
        let first = |n: usize| numbers[..n].iter().map(String::as_str).collect::<Vec<_>>();
        for (n, lang, subject) in [
            (1, Lang::En, "Payment reminder: INV-1 – Acme"),
            (5, Lang::En, "Payment reminder: INV-1, INV-2, INV-3, INV-4, INV-5 – Acme"),
            (6, Lang::En, "Payment reminder: INV-1, INV-2, INV-3, INV-4, INV-5 and 1 more – Acme"),
            (12, Lang::En, "Payment reminder: INV-1, INV-2, INV-3, INV-4, INV-5 and 7 more – Acme"),
            (1, Lang::De, "Zahlungserinnerung: INV-1 – Acme"),
            (5, Lang::De, "Zahlungserinnerung: INV-1, INV-2, INV-3, INV-4, INV-5 – Acme"),
            (6, Lang::De, "Zahlungserinnerung: INV-1, INV-2, INV-3, INV-4, INV-5 und 1 weitere – Acme"),
            (12, Lang::De, "Zahlungserinnerung: INV-1, INV-2, INV-3, INV-4, INV-5 und 7 weitere – Acme"),
            (1, Lang::Fr, "Rappel de paiement\u{202F}: INV-1 – Acme"),
            (5, Lang::Fr, "Rappel de paiement\u{202F}: INV-1, INV-2, INV-3, INV-4, INV-5 – Acme"),
            (6, Lang::Fr, "Rappel de paiement\u{202F}: INV-1, INV-2, INV-3, INV-4, INV-5 et 1 autre – Acme"),
            (12, Lang::Fr, "Rappel de paiement\u{202F}: INV-1, INV-2, INV-3, INV-4, INV-5 et 7 autres – Acme"),
        ] {
            assert_eq!(reminder_subject(lang, "reminder", &first(n), "Acme"), subject, "{n} {lang:?}");
        }
        // Every tone keeps the same list.
        for lang in Lang::ALL {
            for template in ["friendly", "reminder", "firm", "final", "custom"] {
                let subject = reminder_subject(lang, template, &first(12), "Acme");
                assert!(subject.contains("INV-1, INV-2, INV-3, INV-4, INV-5 ") && !subject.contains("INV-6"), "{subject}");
                let subject = reminder_subject(lang, template, &first(3), "Acme");
                assert!(subject.contains("INV-1, INV-2, INV-3 – Acme"), "{subject}");
            }
        }
    }

    #[test]
    fn reminder_subjects_name_the_tone_singular_or_plural() {
        let en = |template, numbers: &[&str]| reminder_subject(Lang::En, template, numbers, "Acme");
        assert_eq!(en("friendly", &["INV-1", "INV-2"]), "Upcoming payment: INV-1, INV-2 – Acme");
        assert_eq!(en("reminder", &["INV-1", "INV-2"]), "Payment reminder: INV-1, INV-2 – Acme");
        assert_eq!(en("firm", &["INV-1"]), "Overdue invoice: INV-1 – Acme");
        assert_eq!(en("firm", &["INV-1", "INV-2"]), "Overdue invoices: INV-1, INV-2 – Acme");
        assert_eq!(en("final", &["INV-1", "INV-2"]), "Final notice: INV-1, INV-2 – Acme");
        assert_eq!(reminder_subject(Lang::De, "firm", &["A", "B"], "Acme"), "Überfällige Rechnungen: A, B – Acme");
        assert_eq!(reminder_subject(Lang::Fr, "friendly", &["A", "B"], "Acme"), "Échéances à venir\u{202F}: A, B – Acme");
        assert_eq!(reminder_subject(Lang::Fr, "firm", &["A"], "Acme"), "Facture impayée\u{202F}: A – Acme");
    }

    #[test]
    fn a_reminder_subject_is_one_line_whatever_the_numbers_and_company_hold() {
        let subject = reminder_subject(Lang::En, "final", &["INV-1\r\nBcc: x@y.example"], "Acme\r\nX-Injected: yes\n");
        assert_eq!(subject, "Final notice: INV-1 Bcc: x@y.example – Acme X-Injected: yes");
        assert_eq!(reminder_subject(Lang::En, "final", &["INV-1"], " "), "Final notice: INV-1");
    }

    #[test]
    fn due_status_counts_days_until_due_or_overdue() {
        let all = |lang| [3, 1, 0, -1, -30].map(|d| due_status(lang, d));
        assert_eq!(all(Lang::En), ["due in 3 days", "due in 1 day", "due today", "1 day overdue", "30 days overdue"]);
        assert_eq!(all(Lang::De), ["fällig in 3 Tagen", "fällig in 1 Tag", "heute fällig", "1 Tag überfällig", "30 Tage überfällig"]);
        assert_eq!(
            all(Lang::Fr),
            ["échéance dans 3\u{A0}jours", "échéance dans 1\u{A0}jour", "échéance aujourd’hui", "1\u{A0}jour de retard", "30\u{A0}jours de retard"]
        );
    }

    #[test]
    fn payment_methods_are_named_in_each_language_and_unknown_ones_read_as_other() {
        let names = |lang| ["card", "bank_transfer", "check", "cash", "other", "crypto"].map(|m| payment_method(lang, m));
        assert_eq!(names(Lang::En), ["card", "bank transfer", "check", "cash", "other", "other"]);
        assert_eq!(names(Lang::De), ["Karte", "Überweisung", "Scheck", "Bargeld", "Sonstige", "Sonstige"]);
        assert_eq!(names(Lang::Fr), ["carte", "virement", "chèque", "espèces", "autre", "autre"]);
    }
}
