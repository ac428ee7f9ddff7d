//! Bank-statement routes: upload a statement (directly up to 5 MB, or
//! through a pre-signed S3 URL), read it with its entries, decide the
//! exceptions (confirm, reassign, ignore), and export the journal.

mod journal;

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use o2c_api::auth::Authenticator;
use o2c_api::bank_json::{parse_confirm, render_entry, render_statement, render_upload};
use o2c_api::fields::{object_body, FieldError};
use o2c_api::idempotent;
use o2c_api::page::render_page;
use o2c_api::problem::ok_json;
use o2c_api::request::serve;
use o2c_api::settings::Settings;
use o2c_api::{ApiError, ApiRequest, ApiResponse};
use o2c_domain::actions::Context;
use o2c_domain::api_key::Scope;
use o2c_domain::bank_entry::{parse_entry_id, EntryStatus};
use o2c_domain::bank_statement::{StatementStatus, Upload};
use o2c_domain::clock::Clock;
use o2c_domain::error_code::ErrorCode;
use o2c_domain::ids::{StatementId, UploadId};
use o2c_domain::ports::{ApiKeyRead, BankEntryList, IdempotencyStore, JournalStore, Page, PageRequest, StatementStore, StoreError};
use o2c_domain::reconciliation::{confirm_entry, ignore_entry, Confirmation, ReconciliationStore};
use o2c_files::StatementFiles;
use o2c_messaging::statement_chunks::ChunkQueue;
use serde_json::json;

/// The routes this function serves; template.yaml must declare exactly these.
pub const ROUTES: &[&str] = &[
    "POST /v1/bank-statements",
    "POST /v1/bank-statements/uploads",
    "GET /v1/bank-statements/uploads/{id}",
    "GET /v1/bank-statements/{id}",
    "POST /v1/bank-statements/{id}/entries/{entry}/confirm",
    "POST /v1/bank-statements/{id}/entries/{entry}/ignore",
    "GET /v1/bank-entries",
    "GET /v1/journal",
    "POST /v1/journal/close",
];

/// Bodies up to this size go straight in; larger files use an upload URL.
pub const MAX_DIRECT_BYTES: usize = 5 * 1024 * 1024;
/// How long a pre-signed upload URL stays valid.
const UPLOAD_TTL: Duration = Duration::from_secs(15 * 60);
/// Entries shown with a statement, per page.
const ENTRIES_PAGE: usize = 1_000;

pub trait Store: ReconciliationStore + StatementStore + BankEntryList + JournalStore + ApiKeyRead + IdempotencyStore + Clone {}
impl<T: ReconciliationStore + StatementStore + BankEntryList + JournalStore + ApiKeyRead + IdempotencyStore + Clone> Store for T {}

pub struct Handler<S, Q> {
    store: S,
    files: StatementFiles,
    queue: Q,
    auth: Authenticator<S>,
    settings: Settings,
    clock: Arc<dyn Clock>,
}

fn unavailable(e: impl std::fmt::Display) -> ApiError {
    tracing::warn!(error = %e, "statement files or queue unavailable");
    ApiError::Unavailable
}

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::Validation(vec![FieldError::new(field, message)])
}

impl<S: Store, Q: ChunkQueue> Handler<S, Q> {
    pub fn new(store: S, files: StatementFiles, queue: Q, settings: Settings, clock: Arc<dyn Clock>) -> Self {
        Self { auth: Authenticator::new(store.clone()), store, files, queue, settings, clock }
    }

    pub async fn handle(&self, event: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
        serve(event, |req| self.route(req)).await
    }

    async fn route(&self, req: ApiRequest) -> Result<ApiResponse, ApiError> {
        let ctx = Context::new(self.clock.as_ref(), self.settings.company_time_zone, Some(req.correlation_id.clone())).with_pause(o2c_api::backoff::jittered());
        match req.route_key.as_str() {
            // Every POST honours Idempotency-Key. None of them needs its
            // answer saved in its own transaction: each is idempotent by
            // itself (a statement by identity, an entry by its state), so a
            // retry after a lost answer reaches the same end.
            "POST /v1/bank-statements" => {
                let principal = self.auth.authorize(&req, Scope::PaymentsWrite).await?;
                idempotent::run(&self.store, &req, &principal, ctx.now(), |_| self.upload_directly(&req, &ctx)).await
            }
            "POST /v1/bank-statements/uploads" => {
                let principal = self.auth.authorize(&req, Scope::PaymentsWrite).await?;
                req.require_json()?;
                idempotent::run(&self.store, &req, &principal, ctx.now(), |_| self.new_upload(&req, &ctx)).await
            }
            "GET /v1/bank-statements/uploads/{id}" => {
                self.auth.authorize(&req, Scope::InvoicesRead).await?;
                let id = UploadId::parse(req.path("id")).map_err(|_| ApiError::NotFound("upload"))?;
                let mut upload = self.store.upload(id).await?.ok_or(ApiError::NotFound("upload"))?;
                // Its statements' progress is the upload's: reconciled once all are.
                if upload.status == "processing" && !upload.statements.is_empty() {
                    let mut all = true;
                    for statement in &upload.statements {
                        all &= self.store.statement(*statement).await?.is_some_and(|s| s.status == StatementStatus::Reconciled);
                    }
                    if all {
                        upload.status = "reconciled".into();
                    }
                }
                Ok(ok_json(200, &render_upload(&upload)))
            }
            "GET /v1/bank-statements/{id}" => {
                self.auth.authorize(&req, Scope::InvoicesRead).await?;
                let id = StatementId::parse(req.path("id")).map_err(|_| ApiError::NotFound("bank statement"))?;
                let statement = self.store.statement(id).await?.ok_or(ApiError::NotFound("bank statement"))?;
                let page = self.entries_page(&req, id)?;
                let entries = self.store.statement_entries(id, &page).await?;
                Ok(ok_json(200, &render_statement(&statement, &entries.data, entries.has_more)))
            }
            "POST /v1/bank-statements/{id}/entries/{entry}/confirm" | "POST /v1/bank-statements/{id}/entries/{entry}/ignore" => {
                let principal = self.auth.authorize(&req, Scope::PaymentsWrite).await?;
                req.require_json()?;
                idempotent::run(&self.store, &req, &principal, ctx.now(), |_| self.decide(&req, &ctx, &principal)).await
            }
            "GET /v1/bank-entries" => {
                self.auth.authorize(&req, Scope::InvoicesRead).await?;
                let page = o2c_api::page::page_request(&req, &["status"], |c| parse_entry_id(c).is_some())?;
                let statuses = match req.query.get("status").map(String::as_str) {
                    None => vec![EntryStatus::Suggested, EntryStatus::Unmatched],
                    Some(s) => match EntryStatus::parse(s).filter(|s| s.is_exception()) {
                        Some(status) => vec![status],
                        None => return Err(invalid("status", "must be suggested or unmatched")),
                    },
                };
                if statuses.len() > 1 && page.starting_after.is_some() {
                    return Err(invalid("starting_after", "page with a status (suggested or unmatched)"));
                }
                let mut data = Vec::new();
                let mut has_more = false;
                for status in statuses {
                    let found = self.store.entries_in_status(status, &page).await?;
                    has_more |= found.has_more;
                    data.extend(found.data);
                }
                Ok(ok_json(200, &render_page(&Page { data, has_more }, render_entry)))
            }
            "GET /v1/journal" => {
                self.auth.authorize(&req, Scope::ReportsRead).await?;
                let period = journal::parse_period(&req)?;
                let postings = self.store.postings_between(period.from, period.to).await?;
                Ok(journal::render(&period, &postings))
            }
            "POST /v1/journal/close" => {
                let principal = self.auth.authorize(&req, Scope::Admin).await?;
                req.require_json()?;
                idempotent::run(&self.store, &req, &principal, ctx.now(), |_| self.close(&req, &ctx)).await
            }
            _ => Err(ApiError::NotFound("route")),
        }
    }

    /// Closes the journal through a day (never reopens).
    async fn close(&self, req: &ApiRequest, ctx: &Context) -> Result<ApiResponse, ApiError> {
        let body = object_body(&req.body)?;
        let through = body.get("through").and_then(|v| v.as_str()).and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).ok_or_else(|| invalid("through", "must be a date, YYYY-MM-DD"))?;
        if through >= ctx.company_today() {
            return Err(invalid("through", "must be before today: an open day cannot be closed"));
        }
        match self.store.close_through(through).await {
            Ok(()) => Ok(ok_json(200, &json!({ "object": "journal_periods", "closed_through": through }))),
            Err(StoreError::Conflict) => {
                let now = self.store.periods().await?;
                Err(ApiError::Conflict { code: ErrorCode::InvalidStateTransition, detail: format!("The journal is already closed through {}; a closed period is never reopened.", now.closed_through.map(|d| d.to_string()).unwrap_or_default()) })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Confirm (or reassign) or ignore one entry.
    async fn decide(&self, req: &ApiRequest, ctx: &Context, principal: &o2c_api::auth::Principal) -> Result<ApiResponse, ApiError> {
        let statement = StatementId::parse(req.path("id")).map_err(|_| ApiError::NotFound("bank statement"))?;
        let (of, seq) = parse_entry_id(req.path("entry")).ok_or(ApiError::NotFound("bank entry"))?;
        if of != statement {
            return Err(ApiError::NotFound("bank entry"));
        }
        let body = object_body(&req.body)?;
        let by = format!("API key {}", principal.key_id);
        let entry = if req.route_key.ends_with("/confirm") {
            let currency = self.store.bank_entry(statement, seq).await?.ok_or(ApiError::NotFound("bank entry"))?.value.money.map(|m| m.currency());
            let parsed = parse_confirm(&body, currency)?;
            confirm_entry(&self.store, ctx, statement, seq, &Confirmation { allocations: parsed.allocations, customer: parsed.customer, by }).await?
        } else {
            for k in body.keys() {
                if k != "reason" {
                    return Err(invalid(k, "is not a known field"));
                }
            }
            let reason = match body.get("reason") {
                None | Some(serde_json::Value::Null) => None,
                Some(serde_json::Value::String(r)) if !r.trim().is_empty() && r.chars().count() <= 500 => Some(r.trim().to_owned()),
                Some(_) => return Err(invalid("reason", "must be text of 1 to 500 characters")),
            };
            ignore_entry(&self.store, ctx, statement, seq, reason.as_deref(), &by).await?
        };
        Ok(ok_json(200, &render_entry(&entry)))
    }

    fn entries_page(&self, req: &ApiRequest, statement: StatementId) -> Result<PageRequest, ApiError> {
        let mut errors = Vec::new();
        for k in req.query.keys() {
            if k != "limit" && k != "starting_after" {
                errors.push(FieldError::new(k.clone(), "is not a known query parameter"));
            }
        }
        let limit = match req.query.get("limit").map(|v| v.parse::<usize>()) {
            None => ENTRIES_PAGE,
            Some(Ok(n)) if (1..=ENTRIES_PAGE).contains(&n) => n,
            Some(_) => {
                errors.push(FieldError::new("limit", format!("must be a whole number from 1 to {ENTRIES_PAGE}")));
                ENTRIES_PAGE
            }
        };
        let starting_after = req.query.get("starting_after").cloned();
        if let Some(c) = &starting_after {
            if parse_entry_id(c).is_none_or(|(s, _)| s != statement) {
                errors.push(FieldError::new("starting_after", "is not an entry of this statement"));
            }
        }
        if errors.is_empty() {
            Ok(PageRequest { limit, starting_after })
        } else {
            Err(ApiError::Validation(errors))
        }
    }

    async fn upload_directly(&self, req: &ApiRequest, ctx: &Context) -> Result<ApiResponse, ApiError> {
        if req.body.len() > MAX_DIRECT_BYTES {
            return Err(ApiError::TooLarge(format!("A statement over {MAX_DIRECT_BYTES} bytes is uploaded through POST /v1/bank-statements/uploads.")));
        }
        if req.body.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(invalid("body", "send the statement file as the body"));
        }
        let declared = req.header("content-type").and_then(o2c_reconcile::file::declared_format);
        let statements = o2c_reconcile::file::read(&req.body, declared).map_err(|e| invalid("body", format!("{} refused at {}: {}", format!("{:?}", e.format).to_lowercase(), e.location, e.message)))?;
        if statements.is_empty() {
            return Err(invalid("body", "the file holds no statement"));
        }
        let key = o2c_reconcile::file::raw_key(&req.body, declared.unwrap_or_else(|| o2c_reconcile::file::sniff_format(&req.body)));
        // The file first: a statement is never registered without its file.
        self.files.put(&key, req.body.clone(), req.header("content-type").unwrap_or("application/octet-stream")).await.map_err(unavailable)?;
        let mut ids = Vec::new();
        let mut any_new = false;
        for (index, statement) in statements.iter().enumerate() {
            let record = o2c_reconcile::file::statement_record(statement, index, &req.body, &key, None, ctx.now());
            let (held, new) = self.store.register_statement(&record).await?;
            any_new |= new;
            // A retried upload whose fan-out failed the first time fans out again.
            if held.status == StatementStatus::Processing {
                self.queue.enqueue(held.id, held.chunks).await.map_err(unavailable)?;
            }
            ids.push((held.id, held.status));
        }
        let (first, status) = ids[0];
        let body = json!({ "id": first, "object": "bank_statement", "status": status.as_str(), "statements": ids.iter().map(|(id, _)| id).collect::<Vec<_>>() });
        Ok(ok_json(if any_new { 202 } else { 200 }, &body))
    }

    async fn new_upload(&self, req: &ApiRequest, ctx: &Context) -> Result<ApiResponse, ApiError> {
        let body = object_body(&req.body)?;
        for k in body.keys() {
            if k != "format" {
                return Err(invalid(k, "is not a known field"));
            }
        }
        let format = match body.get("format") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(f)) if ["camt", "bai2", "mt940", "csv"].contains(&f.as_str()) => Some(f.clone()),
            Some(_) => return Err(invalid("format", "must be camt, bai2, mt940 or csv (or left out: the file tells)")),
        };
        let id = UploadId::from_ulid(ulid::Ulid::new());
        let expires_at = ctx.now() + chrono::Duration::seconds(UPLOAD_TTL.as_secs() as i64);
        let upload = Upload { id, key: format!("uploads/{id}"), format, status: "pending".into(), statements: Vec::new(), failure: None, created_at: ctx.now(), expires_at };
        self.store.put_upload(&upload).await?;
        let put = self.files.presign_put(&upload.key, UPLOAD_TTL).await.map_err(unavailable)?;
        let mut out = render_upload(&upload);
        out["url"] = json!(put.url);
        out["method"] = json!(put.method);
        out["headers"] = json!(put.headers.into_iter().collect::<std::collections::BTreeMap<_, _>>());
        Ok(ok_json(201, &out))
    }
}
