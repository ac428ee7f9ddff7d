//! The contract's invoice JSON: parsing a create request, rendering an
//! invoice and its timeline.

use chrono::NaiveDate;
use o2c_domain::actions::FieldProblem;
use o2c_domain::customer::Metadata;
use o2c_domain::ids::CustomerId;
use o2c_domain::invoice::{DraftRequest, Invoice, LineInput, Memo, PoNumber, MAX_LINES};
use o2c_domain::invoice_status::InvoiceStatus;
use o2c_domain::ports::InvoiceFilter;
use o2c_domain::money::{Currency, Quantity, TaxRate, UnitAmount};
use o2c_domain::text::BoundedText;
use o2c_domain::timeline::TimelineItem;
use serde_json::{json, Map, Value};

use crate::fields::{metadata, Fields};
use crate::ApiError;

const CREATE_FIELDS: &[&str] = &["customer", "lines", "currency", "issue_date", "due_date", "memo", "po_number", "metadata", "finalize", "override_credit_hold"];

/// A parsed `POST /v1/invoices`.
pub struct NewInvoice {
    pub customer: CustomerId,
    pub draft: DraftRequest,
    pub finalize: bool,
    pub override_credit_hold: bool,
}

fn date(text: &str) -> Result<NaiveDate, &'static str> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| "must be a date like 2026-01-31")
}

pub fn parse_new_invoice(body: &Map<String, Value>) -> Result<NewInvoice, ApiError> {
    let mut errors = Vec::new();
    let mut f = Fields::new(body, "", &mut errors);
    f.deny_unknown(CREATE_FIELDS);
    let customer = f.required("customer", CustomerId::parse);
    let currency = f.optional("currency", Currency::parse);
    let issue_date = f.optional("issue_date", date);
    let due_date = f.optional("due_date", date);
    let memo = f.optional("memo", BoundedText::<2000>::parse);
    let po_number = f.optional("po_number", BoundedText::<64>::parse);
    let metadata: Metadata = metadata(&mut f, "metadata");
    let finalize = f.optional_bool("finalize").unwrap_or(false);
    let override_credit_hold = f.optional_bool("override_credit_hold").unwrap_or(false);
    if let (Some(i), Some(d)) = (issue_date, due_date) {
        if d < i {
            f.error("due_date", "must not be before issue_date");
        }
    }

    let lines = match f.raw("lines") {
        None => {
            f.error("lines", "is required");
            Vec::new()
        }
        Some(_) => parse_lines(&mut f),
    };

    match customer {
        Some(customer) if errors.is_empty() => Ok(NewInvoice {
            customer,
            draft: DraftRequest { currency, lines, issue_date, due_date, memo, po_number, metadata },
            finalize,
            override_credit_hold,
        }),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// `lines`, each line with its own path in errors.
fn parse_lines(f: &mut Fields<'_>) -> Vec<LineInput> {
    let mut lines = Vec::new();
    match f.optional_array("lines") {
        None => {}
        Some(list) if list.is_empty() => f.error("lines", "needs at least one line"),
        Some(list) if list.len() > MAX_LINES => f.error("lines", format!("has more than {MAX_LINES} lines")),
        Some(list) => {
            for (i, v) in list.iter().enumerate() {
                let path = format!("lines[{i}]");
                let Some(obj) = v.as_object() else {
                    f.error(&path, "must be an object");
                    continue;
                };
                let mut lf = Fields::new(obj, path, f.errors());
                lf.deny_unknown(&["description", "quantity", "unit_amount", "tax_rate"]);
                let description = lf.required("description", BoundedText::<500>::parse);
                let quantity = lf.required("quantity", Quantity::parse);
                let unit_amount = lf.required("unit_amount", UnitAmount::parse);
                let tax_rate = lf.optional("tax_rate", TaxRate::parse).or_else(|| TaxRate::parse("0").ok());
                if let (Some(description), Some(quantity), Some(unit_amount), Some(tax_rate)) = (description, quantity, unit_amount, tax_rate) {
                    lines.push(LineInput { description, quantity, unit_amount, tax_rate });
                }
            }
        }
    }
    lines
}

const PATCH_FIELDS: &[&str] = &["customer", "lines", "currency", "issue_date", "due_date", "memo", "po_number", "metadata"];

/// A parsed `PATCH /v1/invoices/{id}`: the fields present; `Some(None)`
/// clears an optional one.
#[derive(Debug, Default)]
pub struct DraftPatch {
    customer: Option<CustomerId>,
    currency: Option<o2c_domain::money::Currency>,
    lines: Option<Vec<LineInput>>,
    issue_date: Option<Option<NaiveDate>>,
    due_date: Option<Option<NaiveDate>>,
    memo: Option<Option<Memo>>,
    po_number: Option<Option<PoNumber>>,
    metadata: Option<Metadata>,
}

pub fn parse_draft_patch(body: &Map<String, Value>) -> Result<DraftPatch, ApiError> {
    let mut errors = Vec::new();
    let mut f = Fields::new(body, "", &mut errors);
    f.deny_unknown(PATCH_FIELDS);
    let mut p = DraftPatch { customer: f.optional("customer", CustomerId::parse), currency: f.optional("currency", Currency::parse), ..Default::default() };
    let clearable = |f: &mut Fields<'_>, name: &str| f.is_null(name);
    if f.raw("lines").is_some() {
        p.lines = Some(parse_lines(&mut f));
    }
    p.issue_date = if clearable(&mut f, "issue_date") { Some(None) } else { f.optional("issue_date", date).map(Some) };
    p.due_date = if clearable(&mut f, "due_date") { Some(None) } else { f.optional("due_date", date).map(Some) };
    p.memo = if clearable(&mut f, "memo") { Some(None) } else { f.optional("memo", BoundedText::<2000>::parse).map(Some) };
    p.po_number = if clearable(&mut f, "po_number") { Some(None) } else { f.optional("po_number", BoundedText::<64>::parse).map(Some) };
    if f.raw("metadata").is_some() {
        p.metadata = Some(metadata(&mut f, "metadata"));
    }
    for name in ["lines", "customer", "currency", "metadata"] {
        if f.is_null(name) {
            f.error(name, "cannot be null");
        }
    }
    if errors.is_empty() {
        Ok(p)
    } else {
        Err(ApiError::Validation(errors))
    }
}

impl DraftPatch {
    /// The draft as it will be: the stored draft with the patch laid over.
    pub fn apply(&self, current: &Invoice) -> Result<DraftRequest, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        if self.customer.is_some_and(|c| c != current.customer) {
            problems.push(FieldProblem::new("customer", "cannot change; create a new invoice instead"));
        }
        let lines = self.lines.clone().unwrap_or_else(|| {
            current.lines.iter().map(|l| LineInput { description: l.description.clone(), quantity: l.quantity, unit_amount: l.unit_amount, tax_rate: l.tax_rate }).collect()
        });
        let issue_date = self.issue_date.unwrap_or(current.issue_date);
        let due_date = self.due_date.unwrap_or(current.due_date);
        if let (Some(i), Some(d)) = (issue_date, due_date) {
            if d < i {
                problems.push(FieldProblem::new("due_date", "must not be before issue_date"));
            }
        }
        let mut metadata = current.metadata.clone();
        if let Some(m) = &self.metadata {
            for (k, v) in m {
                if v.is_empty() {
                    metadata.remove(k);
                } else {
                    metadata.insert(k.clone(), v.clone());
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(DraftRequest {
            currency: self.currency,
            lines,
            issue_date,
            due_date,
            memo: self.memo.clone().unwrap_or_else(|| current.memo.clone()),
            po_number: self.po_number.clone().unwrap_or_else(|| current.po_number.clone()),
            metadata,
        })
    }
}

/// The body of finalize (`override_credit_hold`), void and
/// mark_uncollectible (nothing): unknown fields are refused.
/// An action's body: nothing, except `override_credit_hold` on finalize
/// (answered as whether the hold is overridden).
pub fn parse_action_body(body: &Map<String, Value>, finalize: bool) -> Result<bool, ApiError> {
    let mut errors = Vec::new();
    let mut f = Fields::new(body, "", &mut errors);
    f.deny_unknown(if finalize { &["override_credit_hold"] } else { &[] });
    let override_credit_hold = f.optional_bool("override_credit_hold").unwrap_or(false);
    if errors.is_empty() {
        Ok(override_credit_hold)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// The body of `/dispute` (`reason`), `/resolve` (nothing) or `/promise`
/// (`date`), as what the customer says.
pub fn parse_customer_word(route_key: &str, body: &Map<String, Value>) -> Result<o2c_domain::actions::CustomerSays, ApiError> {
    use o2c_domain::actions::CustomerSays;
    let mut errors = Vec::new();
    let mut f = Fields::new(body, "", &mut errors);
    let says = if route_key.ends_with("/dispute") {
        f.deny_unknown(&["reason"]);
        f.required("reason", o2c_domain::invoice::DisputeReason::parse).map(CustomerSays::Disputes)
    } else if route_key.ends_with("/promise") {
        f.deny_unknown(&["date"]);
        f.required("date", date).map(CustomerSays::PromisesBy)
    } else {
        f.deny_unknown(&[]);
        Some(CustomerSays::Resolved)
    };
    match says {
        Some(s) if errors.is_empty() => Ok(s),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// `GET /v1/invoices?customer=&status=`.
pub fn parse_invoice_filter(query: &std::collections::HashMap<String, String>) -> Result<InvoiceFilter, ApiError> {
    let mut errors = Vec::new();
    let customer = match query.get("customer") {
        None => None,
        Some(c) => match CustomerId::parse(c) {
            Ok(id) => Some(id),
            Err(e) => {
                errors.push(crate::fields::FieldError::new("customer", e.to_string()));
                None
            }
        },
    };
    let status = match query.get("status") {
        None => None,
        Some(s) => match InvoiceStatus::parse(s) {
            Some(st) => Some(st),
            None => {
                errors.push(crate::fields::FieldError::new("status", "must be one of draft, open, paid, void, uncollectible"));
                None
            }
        },
    };
    if errors.is_empty() {
        Ok(InvoiceFilter { customer, status })
    } else {
        Err(ApiError::Validation(errors))
    }
}

pub fn render_invoice(inv: &Invoice) -> Value {
    let lines: Vec<Value> = inv
        .lines
        .iter()
        .map(|l| {
            json!({
                "description": l.description,
                "quantity": l.quantity,
                "unit_amount": l.unit_amount,
                "tax_rate": l.tax_rate,
                "amount": l.amount.to_string(),
            })
        })
        .collect();
    let tax_amounts: Vec<Value> = inv
        .totals
        .tax_amounts
        .iter()
        .map(|t| json!({"tax_rate": t.tax_rate, "taxable_amount": t.taxable_amount.to_string(), "amount": t.amount.to_string()}))
        .collect();
    json!({
        "id": inv.id,
        "object": "invoice",
        "number": inv.number,
        "status": inv.status,
        "customer": inv.customer,
        "currency": inv.currency,
        "lines": lines,
        "subtotal": inv.totals.subtotal.to_string(),
        "tax_amounts": tax_amounts,
        "tax": inv.totals.tax.to_string(),
        "total": inv.totals.total.to_string(),
        "amount_paid": inv.amount_paid.to_string(),
        "amount_credited": inv.amount_credited.to_string(),
        "amount_due": inv.amount_due().to_string(),
        "issue_date": inv.issue_date,
        "due_date": inv.due_date,
        "memo": inv.memo,
        "po_number": inv.po_number,
        "metadata": inv.metadata,
        "disputed": inv.disputed,
        "created_at": inv.created_at,
        "finalized_at": inv.finalized_at,
        "paid_at": inv.paid_at,
    })
}

pub fn render_timeline(items: &[TimelineItem]) -> Value {
    let data: Vec<Value> = items.iter().map(|i| json!({"id": i.id, "at": i.at, "type": i.item_type, "summary": i.summary, "data": i.data})).collect();
    json!({"object": "list", "data": data, "has_more": false})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bad_line_field_is_reported_with_its_path() {
        let body = json!({"customer": "cus_x", "lines": [{"description": "a", "quantity": "-1", "unit_amount": "1.1234567"}, 7]});
        let Err(ApiError::Validation(errors)) = parse_new_invoice(body.as_object().unwrap()) else { panic!("expected validation") };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["customer", "lines[0].quantity", "lines[0].unit_amount", "lines[1]"]);
    }

    #[test]
    fn an_invoice_without_lines_is_refused() {
        let body = json!({"customer": "cus_01ARZ3NDEKTSV4RRFFQ69G5FAV"});
        let Err(ApiError::Validation(errors)) = parse_new_invoice(body.as_object().unwrap()) else { panic!() };
        assert_eq!(errors[0].field, "lines");
    }
}
