//! The invoice as a reader sees it: every value already formatted for the
//! customer's language, so the HTML, the plain text and the PDF show the
//! same words and numbers and only differ in layout.

use chrono::Duration;
use o2c_domain::customer::{BillingAddress, Customer};
use o2c_domain::invoice::Invoice;

use crate::branding::{clean, Branding};
use crate::catalog::{self, Labels};
use crate::locale::{format_date, format_money, format_number, format_percent, format_unit_price, Lang};

/// A seller or buyer block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub name: String,
    pub lines: Vec<String>,
    pub tax_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineView {
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub tax_rate: String,
    pub amount: String,
}

/// A labelled amount (`Subtotal  €100.00`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub label: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceView {
    pub lang: Lang,
    pub labels: &'static Labels,
    /// `Invoice`, or `Draft invoice` while it has no number.
    pub title: String,
    pub number: Option<String>,
    pub seller: Party,
    pub buyer: Party,
    /// Invoice number, dates and PO number, in print order.
    pub facts: Vec<Row>,
    pub memo: Option<String>,
    pub lines: Vec<LineView>,
    /// Subtotal, one row per tax rate, total tax.
    pub subtotals: Vec<Row>,
    pub total: Row,
    /// Amount paid and credited, each only when not zero.
    pub settlements: Vec<Row>,
    pub amount_due: Row,
    pub nothing_due: bool,
    /// Net terms, early-payment discount.
    pub terms: Vec<String>,
    /// The seller's instructions, then the payment reference to quote.
    pub payment: Vec<String>,
    // Raw-ish values the email sentences need.
    pub issue_date: Option<String>,
    pub due_date: Option<String>,
    pub total_text: String,
    pub amount_due_text: String,
}

impl Party {
    /// The company every document comes from, as the footer shows it.
    pub(crate) fn seller(branding: &Branding) -> Self {
        Self {
            name: clean(&branding.company_name),
            lines: branding.address_lines.iter().map(|l| clean(l)).filter(|l| !l.is_empty()).collect(),
            tax_id: opt_clean(branding.tax_id.as_deref()),
        }
    }
}

fn opt_clean(text: Option<&str>) -> Option<String> {
    text.map(clean).filter(|t| !t.is_empty())
}

/// Address lines in the order the country's post expects, roughly: the
/// US, Canada and Australia put region and postal code after the city,
/// the UK and Ireland the postal code on its own line, most others
/// `postal code city`.
fn address_lines(a: &BillingAddress) -> Vec<String> {
    let s = |t: Option<&str>| t.map(clean).filter(|t| !t.is_empty());
    let (line1, line2) = (s(a.line1.as_ref().map(|t| t.as_str())), s(a.line2.as_ref().map(|t| t.as_str())));
    let city = s(a.city.as_ref().map(|t| t.as_str()));
    let postal = s(a.postal_code.as_ref().map(|t| t.as_str()));
    let region = s(a.region.as_ref().map(|t| t.as_str()));
    let join = |parts: &[Option<&String>], sep: &str| {
        let v: Vec<&str> = parts.iter().flatten().map(|s| s.as_str()).collect();
        (!v.is_empty()).then(|| v.join(sep))
    };
    let mut out: Vec<String> = [line1, line2].into_iter().flatten().collect();
    match a.country.as_str() {
        "US" | "CA" | "AU" => {
            let region_postal = join(&[region.as_ref(), postal.as_ref()], " ");
            out.extend(join(&[city.as_ref(), region_postal.as_ref()], ", "));
        }
        "GB" | "IE" => out.extend([city, region, postal].into_iter().flatten()),
        _ => {
            out.extend(join(&[postal.as_ref(), city.as_ref()], " "));
            out.extend(region);
        }
    }
    out.push(a.country.as_str().to_owned());
    out
}

impl InvoiceView {
    pub fn new(invoice: &Invoice, customer: &Customer, branding: &Branding) -> Self {
        let lang = Lang::for_locale(&customer.locale);
        let labels = catalog::labels(lang);
        let money = |m| format_money(m, lang);
        let number = invoice.number.map(|n| n.to_string());
        let issue_date = invoice.issue_date.map(|d| format_date(d, lang));
        let due_date = invoice.due_date.map(|d| format_date(d, lang));

        let seller = Party::seller(branding);
        let buyer = Party {
            name: clean(customer.name.as_str()),
            lines: customer.billing_address.as_ref().map(address_lines).unwrap_or_default(),
            tax_id: opt_clean(customer.tax_id.as_ref().map(|t| t.as_str())),
        };

        let mut facts = Vec::new();
        let row = |label: &str, value: String| Row { label: label.to_owned(), value };
        if let Some(n) = &number {
            facts.push(row(labels.invoice_number, n.clone()));
        }
        if let Some(d) = &issue_date {
            facts.push(row(labels.issue_date, d.clone()));
        }
        if let Some(d) = &due_date {
            facts.push(row(labels.due_date, d.clone()));
        }
        if let Some(po) = &invoice.po_number {
            facts.push(row(labels.po_number, clean(po.as_str())));
        }

        let lines = invoice
            .lines
            .iter()
            .map(|l| LineView {
                description: clean(l.description.as_str()),
                quantity: format_number(l.quantity.value(), lang),
                unit_price: format_unit_price(l.unit_amount.value(), invoice.currency, lang),
                tax_rate: format_percent(l.tax_rate, lang),
                amount: money(l.amount),
            })
            .collect();

        let totals = &invoice.totals;
        let mut subtotals = vec![row(labels.subtotal, money(totals.subtotal))];
        for t in &totals.tax_amounts {
            let label = catalog::tax_row(lang, &format_percent(t.tax_rate, lang), &money(t.taxable_amount));
            subtotals.push(Row { label, value: money(t.amount) });
        }
        if totals.tax_amounts.len() > 1 {
            subtotals.push(row(labels.tax_total, money(totals.tax)));
        }
        let mut settlements = Vec::new();
        if !invoice.amount_paid.is_zero() {
            settlements.push(row(labels.amount_paid, format!("-{}", money(invoice.amount_paid))));
        }
        if !invoice.amount_credited.is_zero() {
            settlements.push(row(labels.amount_credited, format!("-{}", money(invoice.amount_credited))));
        }
        let due = invoice.amount_due();
        let nothing_due = due.is_zero();

        let mut terms = Vec::new();
        if nothing_due {
            terms.push(catalog::paid_in_full(lang).to_owned());
        } else if let Some(due_text) = &due_date {
            let follows_terms = matches!((invoice.issue_date, invoice.due_date), (Some(i), Some(d)) if i + Duration::days(i64::from(invoice.net_days)) == d);
            terms.push(catalog::net_terms(lang, follows_terms.then_some(invoice.net_days), due_text));
            if let (Some(discount), Some(issue)) = (customer.payment_terms.discount(), invoice.issue_date) {
                let by = format_date(issue + Duration::days(i64::from(discount.days)), lang);
                terms.push(catalog::early_payment_discount(lang, &format_percent(discount.percent, lang), discount.days, &by));
            }
        }
        let mut payment: Vec<String> = branding.payment_instructions.iter().map(|l| clean(l)).filter(|l| !l.is_empty()).collect();
        if let (Some(n), false) = (&number, nothing_due) {
            payment.push(catalog::payment_reference(lang, n));
        }

        Self {
            lang,
            labels,
            title: if number.is_some() { labels.invoice } else { labels.draft_invoice }.to_owned(),
            number,
            seller,
            buyer,
            facts,
            memo: opt_clean(invoice.memo.as_ref().map(|m| m.as_str())),
            lines,
            subtotals,
            total: row(labels.total, money(totals.total)),
            settlements,
            amount_due: row(labels.amount_due, money(due)),
            nothing_due,
            terms,
            payment,
            issue_date,
            due_date,
            total_text: money(totals.total),
            amount_due_text: money(due),
        }
    }
}
