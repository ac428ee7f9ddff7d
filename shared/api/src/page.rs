//! `?limit=` (1..100, default 20) and `?starting_after=<id>`; lists answer
//! `{"object": "list", "data": [...], "has_more": bool}` (the contract's
//! shape plus Stripe's `object`).

use o2c_domain::ports::{Page, PageRequest};
use serde_json::{json, Value};

use crate::fields::FieldError;
use crate::request::ApiRequest;
use crate::ApiError;

pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;

/// Reads the page parameters; `id_ok` checks a cursor is an id of the
/// listed kind. Unknown parameters are refused like unknown fields.
pub fn page_request(req: &ApiRequest, known: &[&str], id_ok: impl Fn(&str) -> bool) -> Result<PageRequest, ApiError> {
    let mut errors = Vec::new();
    for k in req.query.keys() {
        if !known.contains(&k.as_str()) && k != "limit" && k != "starting_after" {
            errors.push(FieldError::new(k.clone(), "is not a known query parameter"));
        }
    }
    let limit = match req.query.get("limit") {
        None => DEFAULT_LIMIT,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                errors.push(FieldError::new("limit", format!("must be a whole number from 1 to {MAX_LIMIT}")));
                DEFAULT_LIMIT
            }
        },
    };
    let starting_after = req.query.get("starting_after").cloned();
    if let Some(cursor) = &starting_after {
        if !id_ok(cursor) {
            errors.push(FieldError::new("starting_after", "is not an id of this list"));
        }
    }
    if errors.is_empty() {
        Ok(PageRequest { limit, starting_after })
    } else {
        Err(ApiError::Validation(errors))
    }
}

pub fn render_page<T>(page: &Page<T>, render: impl Fn(&T) -> Value) -> Value {
    json!({ "object": "list", "data": page.data.iter().map(render).collect::<Vec<_>>(), "has_more": page.has_more })
}
