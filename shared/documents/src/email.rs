//! The invoice email: HTML and plain-text parts from compile-time askama
//! templates (HTML auto-escaped), and the raw MIME message around them.

use askama::Template;
use chrono::{DateTime, Utc};
use mail_builder::headers::address::Address;
use mail_builder::headers::raw::Raw;
use mail_builder::mime::MimePart;
use mail_builder::MessageBuilder;
use o2c_domain::customer::Customer;
use o2c_domain::invoice::Invoice;
use o2c_domain::text::Email;

use crate::branding::{clean, Branding};
use crate::catalog::{self, InvoiceEmailCopy, InvoiceEmailFacts, Labels};
use crate::error::DocumentError;
use crate::view::{InvoiceView, LineView, Party, Row};
use crate::{pdf, Composed};

/// Lines an email lists; the PDF always has all of them. Keeps a
/// 250-line invoice's HTML well under the ~100 KB at which Gmail clips a
/// message.
pub const EMAIL_MAX_LINES: usize = 50;

#[derive(Template)]
#[template(path = "invoice.html")]
struct InvoiceHtml<'a> {
    lang: &'a str,
    subject: &'a str,
    logo_url: Option<&'a str>,
    labels: &'static Labels,
    seller: &'a Party,
    buyer: &'a Party,
    copy: &'a InvoiceEmailCopy,
    facts: &'a [Row],
    memo: Option<&'a str>,
    lines: &'a [LineView],
    more_lines: Option<&'a str>,
    subtotals: &'a [Row],
    total: &'a Row,
    settlements: &'a [Row],
    amount_due: &'a Row,
    terms: &'a [String],
    payment: &'a [String],
}

#[derive(Template)]
#[template(path = "invoice.txt")]
struct InvoiceText<'a> {
    title: &'a str,
    number: &'a str,
    labels: &'static Labels,
    seller: &'a Party,
    buyer: &'a Party,
    copy: &'a InvoiceEmailCopy,
    facts: &'a [Row],
    memo: Option<&'a str>,
    lines: &'a [LineView],
    more_lines: Option<&'a str>,
    subtotals: &'a [Row],
    total: &'a Row,
    settlements: &'a [Row],
    amount_due: &'a Row,
    terms: &'a [String],
    payment: &'a [String],
}

/// The parts of an invoice email before they are wrapped in MIME.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceEmailParts {
    pub subject: String,
    pub html: String,
    pub text: String,
    /// `INV-2026-000001.pdf`.
    pub attachment_name: String,
}

/// Subject, HTML and text of the invoice email (no PDF, no MIME).
pub fn invoice_email_parts(invoice: &Invoice, customer: &Customer, branding: &Branding) -> Result<InvoiceEmailParts, DocumentError> {
    let number = invoice.number.ok_or(DocumentError::NotFinalized)?.to_string();
    let view = InvoiceView::new(invoice, customer, branding);
    let lang = view.lang;
    let dash = "–".to_owned();
    let copy = catalog::invoice_email(
        lang,
        &InvoiceEmailFacts {
            customer: &view.buyer.name,
            number: &number,
            issue_date: view.issue_date.as_ref().unwrap_or(&dash),
            total: &view.total_text,
            amount_due: &view.amount_due_text,
            due_date: view.due_date.as_ref().unwrap_or(&dash),
            nothing_due: view.nothing_due,
        },
    );
    let subject = clean(&catalog::invoice_subject(lang, &number, &view.seller.name));
    let listed = &view.lines[..view.lines.len().min(EMAIL_MAX_LINES)];
    let more_lines = (view.lines.len() > listed.len()).then(|| catalog::more_lines(lang, view.lines.len() - listed.len()));
    let html = InvoiceHtml {
        lang: lang.tag(),
        subject: &subject,
        logo_url: branding.logo_url.as_deref(),
        labels: view.labels,
        seller: &view.seller,
        buyer: &view.buyer,
        copy: &copy,
        facts: &view.facts,
        memo: view.memo.as_deref(),
        lines: listed,
        more_lines: more_lines.as_deref(),
        subtotals: &view.subtotals,
        total: &view.total,
        settlements: &view.settlements,
        amount_due: &view.amount_due,
        terms: &view.terms,
        payment: &view.payment,
    }
    .render()
    .map_err(|e| DocumentError::Template { template: "invoice.html", source: e })?;
    let text = InvoiceText {
        title: &view.title,
        number: &number,
        labels: view.labels,
        seller: &view.seller,
        buyer: &view.buyer,
        copy: &copy,
        facts: &view.facts,
        memo: view.memo.as_deref(),
        lines: listed,
        more_lines: more_lines.as_deref(),
        subtotals: &view.subtotals,
        total: &view.total,
        settlements: &view.settlements,
        amount_due: &view.amount_due,
        terms: &view.terms,
        payment: &view.payment,
    }
    .render()
    .map_err(|e| DocumentError::Template { template: "invoice.txt", source: e })?;
    Ok(InvoiceEmailParts { subject, html, text, attachment_name: format!("{number}.pdf") })
}

/// Everything the raw message needs besides its parts.
pub(crate) struct Envelope<'a> {
    pub from_name: &'a str,
    pub from: &'a Email,
    pub reply_to: Option<&'a Email>,
    pub to_name: &'a str,
    pub to: &'a Email,
    pub cc: &'a [Email],
    pub subject: &'a str,
    pub lang: &'a str,
    pub date: DateTime<Utc>,
    pub message_id: &'a str,
}

/// `multipart/mixed` [ `multipart/alternative` [text, html], attachment ],
/// or only the `multipart/alternative` part without an attachment.
///
/// Header values go through mail-builder, which RFC 2047-encodes any
/// non-ASCII or control character; names and the subject are also
/// [`clean`]ed first, so no input can start a header line of its own.
pub(crate) fn raw_mime(env: &Envelope<'_>, text: &str, html: &str, attachment: Option<(&str, &[u8])>) -> Result<Vec<u8>, DocumentError> {
    let from_name = clean(env.from_name);
    let to_name = clean(env.to_name);
    let named = |name: &str, email: &Email| -> Address<'static> {
        let name = (!name.is_empty()).then(|| name.to_owned());
        Address::new_address(name, email.as_str().to_owned())
    };
    let mut message = MessageBuilder::new()
        .from(named(&from_name, env.from))
        .to(named(&to_name, env.to))
        .subject(clean(env.subject))
        .date(env.date.timestamp())
        .message_id(env.message_id.to_owned())
        .header("Content-Language", Raw::new(env.lang.to_owned()));
    if !env.cc.is_empty() {
        let cc: Vec<Address<'static>> = env.cc.iter().map(|e| Address::from(e.as_str().to_owned())).collect();
        message = message.cc(Address::new_list(cc));
    }
    if let Some(reply_to) = env.reply_to {
        message = message.reply_to(reply_to.as_str().to_owned());
    }
    let alternative = MimePart::new(
        "multipart/alternative",
        vec![
            MimePart::new("text/plain", text.to_owned()),
            MimePart::new("text/html", html.to_owned()),
        ],
    );
    let body = match attachment {
        Some((name, bytes)) => MimePart::new(
            "multipart/mixed",
            vec![alternative, MimePart::new("application/pdf", bytes.to_vec()).attachment(name.to_owned())],
        ),
        None => alternative,
    };
    message.body(body).write_to_vec().map_err(DocumentError::Mime)
}

/// The customer's cc list in order, without duplicates or the `to`
/// address.
pub(crate) fn cc_list(customer: &Customer) -> Vec<Email> {
    let mut cc: Vec<Email> = Vec::with_capacity(customer.cc.len());
    for e in &customer.cc {
        if *e != customer.email && !cc.contains(e) {
            cc.push(e.clone());
        }
    }
    cc
}

/// An entity id (payment, reminder) as it may appear inside a Message-ID:
/// ASCII letters, digits, `-` and `_` only (mail-builder writes the id as
/// given), at most 64 of them; `fallback` when nothing is left.
pub(crate) fn message_id_part(id: &str, fallback: &str) -> String {
    let id: String = id.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')).take(64).collect();
    if id.is_empty() {
        fallback.to_owned()
    } else {
        id
    }
}

/// The domain of the sender address, for Message-IDs.
pub(crate) fn domain_of(email: &Email) -> &str {
    email.as_str().rsplit_once('@').map_or("localhost", |(_, d)| d)
}

/// [`crate::compose_invoice_email`] at a given instant: `now` sets the
/// Date header and makes the Message-ID unique per send (a resend must not
/// reuse the first one's id, or mailbox providers drop it as a duplicate).
pub fn compose_invoice_email_at(invoice: &Invoice, customer: &Customer, branding: &Branding, now: DateTime<Utc>) -> Result<Composed, DocumentError> {
    let parts = invoice_email_parts(invoice, customer, branding)?;
    let pdf = pdf::render_invoice_pdf(invoice, customer, branding)?;
    let lang = crate::locale::Lang::for_locale(&customer.locale);
    let body = Parts { lang, subject: parts.subject, html: parts.html, text: parts.text };
    compose_to_customer(body, &invoice.id.to_string(), "invoice", Some((&parts.attachment_name, &pdf)), customer, branding, now)
}

/// A rendered message: its language, subject and both bodies.
pub(crate) struct Parts {
    pub lang: crate::locale::Lang,
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// `parts` (and an attachment, if any) as a message from the seller to the
/// customer (and `cc`), dated `now`, with Message-ID
/// `<id>.<millis>@<sender domain>` (`fallback` if `id` cleans to nothing):
/// every email o2c sends is assembled here.
pub(crate) fn compose_to_customer(parts: Parts, id: &str, fallback: &str, attachment: Option<(&str, &[u8])>, customer: &Customer, branding: &Branding, now: DateTime<Utc>) -> Result<crate::Composed, DocumentError> {
    let cc = cc_list(customer);
    let message_id = format!("{}.{}@{}", message_id_part(id, fallback), now.timestamp_millis(), domain_of(&branding.from));
    let raw = raw_mime(
        &Envelope {
            from_name: &branding.company_name,
            from: &branding.from,
            reply_to: branding.reply_to.as_ref(),
            to_name: customer.name.as_str(),
            to: &customer.email,
            cc: &cc,
            subject: &parts.subject,
            lang: parts.lang.tag(),
            date: now,
            message_id: &message_id,
        },
        &parts.text,
        &parts.html,
        attachment,
    )?;
    Ok(crate::Composed { subject: parts.subject, to: vec![customer.email.clone()], cc, html: parts.html, text: parts.text, raw_mime: raw })
}
