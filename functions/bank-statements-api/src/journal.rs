//! `GET /v1/journal` and `POST /v1/journal/close`.

use chrono::{Duration, NaiveDate};
use o2c_api::bank_json::render_line;
use o2c_api::fields::FieldError;
use o2c_api::{ApiError, ApiRequest, ApiResponse};
use o2c_domain::journal::{lines, to_csv, JournalLine, Periods};
use o2c_domain::ports::StoredPosting;
use serde_json::json;

/// Longest period one request may ask for.
const MAX_DAYS: i64 = 366;

pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub csv: bool,
}

pub fn parse_period(req: &ApiRequest) -> Result<Period, ApiError> {
    let mut errors = Vec::new();
    for k in req.query.keys() {
        if !["from", "to", "format"].contains(&k.as_str()) {
            errors.push(FieldError::new(k.clone(), "is not a known query parameter"));
        }
    }
    let date = |name: &str, errors: &mut Vec<FieldError>| match req.query.get(name).map(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d")) {
        Some(Ok(d)) => Some(d),
        Some(Err(_)) => {
            errors.push(FieldError::new(name, "must be a date, YYYY-MM-DD"));
            None
        }
        None => {
            errors.push(FieldError::new(name, "is required"));
            None
        }
    };
    let from = date("from", &mut errors);
    let to = date("to", &mut errors);
    let csv = match req.query.get("format").map(String::as_str) {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => {
            errors.push(FieldError::new("format", "must be json or csv"));
            false
        }
    };
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            errors.push(FieldError::new("to", "must not be before from"));
        } else if t - f >= Duration::days(MAX_DAYS) {
            errors.push(FieldError::new("to", format!("a period is at most {MAX_DAYS} days")));
        }
    }
    match (from, to, errors.is_empty()) {
        (Some(from), Some(to), true) => Ok(Period { from, to, csv }),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// The lines of stored postings; a posting moved out of a closed period
/// says so in its memo.
pub fn journal_lines(postings: &[StoredPosting]) -> Vec<JournalLine> {
    postings
        .iter()
        .flat_map(|p| {
            let periods = if p.posted_on > p.dated { Periods { closed_through: Some(p.posted_on - Duration::days(1)) } } else { Periods::default() };
            lines(&p.posting, p.n as usize, &periods)
        })
        .collect()
}

pub fn render(period: &Period, postings: &[StoredPosting]) -> ApiResponse {
    let lines = journal_lines(postings);
    if period.csv {
        let mut r = ApiResponse { status: 200, content_type: "text/csv; charset=utf-8", body: to_csv(&lines), headers: Vec::new() };
        r.headers.push(("content-disposition", format!("attachment; filename=\"journal-{}-{}.csv\"", period.from, period.to)));
        return r;
    }
    ApiResponse::json_with_type(200, &json!({ "object": "journal", "from": period.from, "to": period.to, "lines": lines.iter().map(render_line).collect::<Vec<_>>() }), "application/json")
}
